package org.shockreg.registry.derive;

import java.time.Instant;
import java.util.List;

/**
 * One shock episode as derived: its anchor, time window (for assigning facts to it), CICU arrival,
 * shock diagnosis time, age at diagnosis, and the facts derived for it.
 */
public record EpisodeDerivation(
    String episodeId,
    String patientId,
    String siteId,
    String encounterId,
    Instant windowStart,
    Instant windowEnd,
    Instant cicuArrivalAt,
    Instant shockDiagnosisAt,
    Integer ageAtDiagnosis,
    List<DerivedFactValue> facts) {

  /**
   * A derived fact: {@code kind} is unique per episode (e.g. {@code scai-stage-worst-24h});
   * {@code variable} is its RV code; {@code evidence} are FHIR references to the facts it rests on.
   */
  public record DerivedFactValue(
      String factId,
      String kind,
      String variable,
      String valueCode,
      Boolean valueBoolean,
      Instant effectiveAt,
      List<String> evidence) {}
}
