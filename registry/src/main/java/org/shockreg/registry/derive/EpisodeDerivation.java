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

  /** The same episode with more facts (trial facts are added after the episode is derived). */
  public EpisodeDerivation withFacts(List<DerivedFactValue> more) {
    if (more.isEmpty()) {
      return this;
    }
    List<DerivedFactValue> all = new java.util.ArrayList<>(facts);
    all.addAll(more);
    return new EpisodeDerivation(
        episodeId,
        patientId,
        siteId,
        encounterId,
        windowStart,
        windowEnd,
        cicuArrivalAt,
        shockDiagnosisAt,
        ageAtDiagnosis,
        List.copyOf(all));
  }

  /**
   * A derived fact: {@code kind} is unique per episode (e.g. {@code scai-stage-worst-24h}, {@code
   * eligibility:altshock-2}); {@code variable} is its RV code; {@code evidence} are FHIR references
   * to the facts it rests on. Trial facts also carry a number with its UCUM unit, a {@code focus}
   * (the ResearchSubject they are about), {@code detail} (JSON: eligibility components) and flags.
   */
  public record DerivedFactValue(
      String factId,
      String kind,
      String variable,
      String valueCode,
      Boolean valueBoolean,
      java.math.BigDecimal valueNumber,
      String unit,
      Instant effectiveAt,
      List<String> evidence,
      String focus,
      String detail,
      List<String> flags) {

    public DerivedFactValue {
      evidence = evidence == null ? List.of() : List.copyOf(evidence);
      flags = flags == null ? List.of() : List.copyOf(flags);
    }

    /** A coded or boolean episode fact (etiology, SCAI stage, sub-facts). */
    public DerivedFactValue(
        String factId,
        String kind,
        String variable,
        String valueCode,
        Boolean valueBoolean,
        Instant effectiveAt,
        List<String> evidence) {
      this(
          factId,
          kind,
          variable,
          valueCode,
          valueBoolean,
          null,
          null,
          effectiveAt,
          evidence,
          null,
          null,
          null);
    }
  }
}
