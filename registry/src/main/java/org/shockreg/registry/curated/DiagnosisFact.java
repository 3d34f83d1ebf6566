package org.shockreg.registry.curated;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/** A diagnosis in a registry category (FHIR Condition). */
public record DiagnosisFact(
    String conditionId,
    String patientId,
    String category,
    String clinicalStatus,
    String verificationStatus,
    Instant onsetAt,
    Instant recordedAt,
    Instant abatedAt,
    List<Coding> codings,
    Set<String> flags,
    SourceRef source,
    TimePrecision onsetPrecision,
    TimePrecision recordedPrecision,
    TimePrecision abatedPrecision)
    implements CuratedFact {

  public DiagnosisFact(
      String conditionId,
      String patientId,
      String category,
      String clinicalStatus,
      String verificationStatus,
      Instant onsetAt,
      Instant recordedAt,
      Instant abatedAt,
      List<Coding> codings,
      Set<String> flags,
      SourceRef source) {
    this(
        conditionId,
        patientId,
        category,
        clinicalStatus,
        verificationStatus,
        onsetAt,
        recordedAt,
        abatedAt,
        codings,
        flags,
        source,
        null,
        null,
        null);
  }

  @Override
  public DiagnosisFact withPatientId(String id) {
    return new DiagnosisFact(
        conditionId,
        id,
        category,
        clinicalStatus,
        verificationStatus,
        onsetAt,
        recordedAt,
        abatedAt,
        codings,
        flags,
        source,
        onsetPrecision,
        recordedPrecision,
        abatedPrecision);
  }

  @Override
  public String factId() {
    return conditionId;
  }
}
