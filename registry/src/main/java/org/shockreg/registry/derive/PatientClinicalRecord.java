package org.shockreg.registry.derive;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.shockreg.registry.curated.TimePrecision;

/**
 * What derivations need of one curated patient: diagnoses, encounters, the measurements that drive
 * SCAI staging, device therapies, and the hospital-side birth date (for age at diagnosis). A time
 * sent only as a date (year, month or day) is the start of that period; the rows say so, and
 * derivations with windows of hours never read it as a moment (docs/derivations.md).
 */
public record PatientClinicalRecord(
    String patientId,
    LocalDate birthDate,
    List<DiagnosisRow> diagnoses,
    List<EncounterRow> encounters,
    List<MeasurementRow> measurements,
    List<TherapyRow> therapies) {

  public record DiagnosisRow(
      String conditionId,
      String siteId,
      String category,
      Instant onsetAt,
      Instant recordedAt,
      TimePrecision onsetPrecision,
      TimePrecision recordedPrecision) {

    public DiagnosisRow(
        String conditionId, String siteId, String category, Instant onsetAt, Instant recordedAt) {
      this(conditionId, siteId, category, onsetAt, recordedAt, null, null);
    }

    /** Onset, else the recorded date (a date-only one: the start of its period). */
    public Instant time() {
      return onsetAt != null ? onsetAt : recordedAt;
    }

    /**
     * The diagnosis time to the minute, for windows of hours: the onset when it has a time of day;
     * else the recorded time when it has one and is not before a date-only onset; else null.
     */
    public Instant moment() {
      if (onsetAt != null && !TimePrecision.isDate(onsetPrecision)) {
        return onsetAt;
      }
      if (recordedAt != null
          && !TimePrecision.isDate(recordedPrecision)
          && (onsetAt == null || !recordedAt.isBefore(onsetAt))) {
        return recordedAt;
      }
      return null;
    }
  }

  public record EncounterRow(
      String encounterId,
      String siteId,
      boolean intensiveCare,
      Instant start,
      Instant end,
      boolean startDateOnly) {

    public EncounterRow(
        String encounterId, String siteId, boolean intensiveCare, Instant start, Instant end) {
      this(encounterId, siteId, intensiveCare, start, end, false);
    }
  }

  public record MeasurementRow(
      String observationId,
      String variable,
      Instant effectiveAt,
      BigDecimal value,
      boolean implausible,
      TimePrecision precision) {

    public MeasurementRow(
        String observationId,
        String variable,
        Instant effectiveAt,
        BigDecimal value,
        boolean implausible) {
      this(observationId, variable, effectiveAt, value, implausible, null);
    }

    /** Sent only as a year, month or date: a period, not a moment. */
    public boolean dateOnly() {
      return TimePrecision.isDate(precision);
    }

    /**
     * Whether the measurement certainly lies in [from, to]: its time, or for a date-only one its
     * whole period (so a date never satisfies a window of hours).
     */
    public boolean within(Instant from, Instant to) {
      if (effectiveAt == null || effectiveAt.isBefore(from) || effectiveAt.isAfter(to)) {
        return false;
      }
      return !dateOnly() || !latestEnd(effectiveAt, precision).isAfter(to);
    }
  }

  public record TherapyRow(
      String procedureId, String device, Instant start, Instant end, boolean startDateOnly) {

    public TherapyRow(String procedureId, String device, Instant start, Instant end) {
      this(procedureId, device, start, end, false);
    }
  }

  /**
   * The latest a period starting at {@code start} can end, whatever the site's zone: a day of 25 h
   * (daylight saving), a month of 31 days, a year of 366 days, plus that hour.
   */
  static Instant latestEnd(Instant start, TimePrecision p) {
    Duration length =
        switch (p) {
          case YEAR -> Duration.ofDays(366).plusHours(1);
          case MONTH -> Duration.ofDays(31).plusHours(1);
          case DAY -> Duration.ofHours(25);
          default -> Duration.ZERO;
        };
    return start.plus(length);
  }
}
