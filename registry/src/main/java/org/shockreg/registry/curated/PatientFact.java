package org.shockreg.registry.curated;

import java.time.Instant;

/**
 * The curated Patient: pseudonym, sex, birth year and death only. {@code birthDate} (full, when
 * sent) stays hospital-side with the source link, for age at shock diagnosis; it is never served.
 * {@code replacesPatientId}: the site pseudonym this patient had before a shared identifier linked
 * it across sites (facts filed under it move to {@code patientId}), or null.
 */
public record PatientFact(
    String patientId,
    String siteId,
    String sourcePatientId,
    String sex,
    Integer birthYear,
    java.time.LocalDate birthDate,
    Boolean deceased,
    Instant deceasedAt,
    String replacesPatientId,
    SourceRef source,
    TimePrecision deceasedPrecision)
    implements CuratedFact {

  public PatientFact(
      String patientId,
      String siteId,
      String sourcePatientId,
      String sex,
      Integer birthYear,
      java.time.LocalDate birthDate,
      Boolean deceased,
      Instant deceasedAt,
      String replacesPatientId,
      SourceRef source) {
    this(
        patientId,
        siteId,
        sourcePatientId,
        sex,
        birthYear,
        birthDate,
        deceased,
        deceasedAt,
        replacesPatientId,
        source,
        null);
  }

  @Override
  public PatientFact withPatientId(String id) {
    return new PatientFact(
        id,
        siteId,
        sourcePatientId,
        sex,
        birthYear,
        birthDate,
        deceased,
        deceasedAt,
        replacesPatientId,
        source,
        deceasedPrecision);
  }

  @Override
  public String factId() {
    return patientId;
  }
}
