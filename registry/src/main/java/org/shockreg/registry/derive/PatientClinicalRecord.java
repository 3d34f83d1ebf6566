package org.shockreg.registry.derive;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * What derivations need of one curated patient: diagnoses, encounters, the measurements that
 * drive SCAI staging, device therapies, and the hospital-side birth date (for age at diagnosis).
 */
public record PatientClinicalRecord(
    String patientId,
    LocalDate birthDate,
    List<DiagnosisRow> diagnoses,
    List<EncounterRow> encounters,
    List<MeasurementRow> measurements,
    List<TherapyRow> therapies) {

  public record DiagnosisRow(
      String conditionId, String siteId, String category, Instant onsetAt, Instant recordedAt) {

    /** Onset, else the recorded date. */
    public Instant time() {
      return onsetAt != null ? onsetAt : recordedAt;
    }
  }

  public record EncounterRow(
      String encounterId, String siteId, boolean intensiveCare, Instant start, Instant end) {}

  public record MeasurementRow(
      String observationId, String variable, Instant effectiveAt, BigDecimal value, boolean implausible) {}

  public record TherapyRow(String procedureId, String device, Instant start, Instant end) {}
}
