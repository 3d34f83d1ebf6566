package org.shockreg.registry.curated;

import java.time.Instant;

/**
 * A randomization sent as a source ResearchSubject (data-dictionary.md section 4); the curated
 * ResearchSubject it makes on-study is derived from it and the patient's episodes.
 */
public record RandomizationFact(
    String randomizationId,
    String patientId,
    String studyId,
    String arm,
    Instant randomizedAt,
    SourceRef source,
    TimePrecision randomizedPrecision)
    implements CuratedFact {

  public RandomizationFact(
      String randomizationId,
      String patientId,
      String studyId,
      String arm,
      Instant randomizedAt,
      SourceRef source) {
    this(randomizationId, patientId, studyId, arm, randomizedAt, source, null);
  }

  @Override
  public RandomizationFact withPatientId(String id) {
    return new RandomizationFact(
        randomizationId, id, studyId, arm, randomizedAt, source, randomizedPrecision);
  }

  @Override
  public String factId() {
    return randomizationId;
  }
}
