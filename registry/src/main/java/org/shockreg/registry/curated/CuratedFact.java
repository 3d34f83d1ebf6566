package org.shockreg.registry.curated;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A fact the mapping engine curated from one source resource. Every fact carries its {@link
 * SourceRef}; a newer version of the same source resource replaces all facts that came from it.
 * Each time taken from a source date carries its {@link TimePrecision} beside it (null: not known,
 * read as precise).
 */
public sealed interface CuratedFact {

  SourceRef source();

  String patientId();

  /** What makes the fact unique in its table (its source resource's curated id). */
  String factId();

  /** The same fact filed under another patient (a merged patient's survivor). */
  CuratedFact withPatientId(String patientId);

  /**
   * The curated Patient: pseudonym, sex, birth year and death only. {@code birthDate} (full, when
   * sent) stays hospital-side with the source link, for age at shock diagnosis; it is never served.
   * {@code replacesPatientId}: the site pseudonym this patient had before a shared identifier
   * linked it across sites (facts filed under it move to {@code patientId}), or null.
   */
  record PatientFact(
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

  /** A measurement in the registry unit (FHIR Observation). */
  record MeasurementFact(
      String observationId,
      String patientId,
      String variable,
      String status,
      Instant effectiveAt,
      BigDecimal value,
      String unit,
      String comparator,
      BigDecimal rangeLow,
      BigDecimal rangeHigh,
      BigDecimal originalValue,
      String originalUnit,
      String originalComparator,
      List<Coding> codings,
      Set<String> flags,
      SourceRef source,
      TimePrecision effectivePrecision)
      implements CuratedFact {

    public MeasurementFact(
        String observationId,
        String patientId,
        String variable,
        String status,
        Instant effectiveAt,
        BigDecimal value,
        String unit,
        String comparator,
        BigDecimal rangeLow,
        BigDecimal rangeHigh,
        BigDecimal originalValue,
        String originalUnit,
        String originalComparator,
        List<Coding> codings,
        Set<String> flags,
        SourceRef source) {
      this(
          observationId,
          patientId,
          variable,
          status,
          effectiveAt,
          value,
          unit,
          comparator,
          rangeLow,
          rangeHigh,
          originalValue,
          originalUnit,
          originalComparator,
          codings,
          flags,
          source,
          null);
    }

    @Override
    public MeasurementFact withPatientId(String id) {
      return new MeasurementFact(
          observationId,
          id,
          variable,
          status,
          effectiveAt,
          value,
          unit,
          comparator,
          rangeLow,
          rangeHigh,
          originalValue,
          originalUnit,
          originalComparator,
          codings,
          flags,
          source,
          effectivePrecision);
    }

    @Override
    public String factId() {
      return observationId;
    }
  }

  /** A temporary MCS or heart replacement therapy (FHIR Procedure). */
  record DeviceTherapyFact(
      String procedureId,
      String patientId,
      String device,
      String status,
      Instant startedAt,
      Instant endedAt,
      Instant performedAt,
      List<Coding> codings,
      Set<String> flags,
      SourceRef source,
      TimePrecision startedPrecision,
      TimePrecision endedPrecision,
      TimePrecision performedPrecision)
      implements CuratedFact {

    public DeviceTherapyFact(
        String procedureId,
        String patientId,
        String device,
        String status,
        Instant startedAt,
        Instant endedAt,
        Instant performedAt,
        List<Coding> codings,
        Set<String> flags,
        SourceRef source) {
      this(
          procedureId,
          patientId,
          device,
          status,
          startedAt,
          endedAt,
          performedAt,
          codings,
          flags,
          source,
          null,
          null,
          null);
    }

    @Override
    public DeviceTherapyFact withPatientId(String id) {
      return new DeviceTherapyFact(
          procedureId,
          id,
          device,
          status,
          startedAt,
          endedAt,
          performedAt,
          codings,
          flags,
          source,
          startedPrecision,
          endedPrecision,
          performedPrecision);
    }

    @Override
    public String factId() {
      return procedureId;
    }
  }

  /** A removal procedure: closes the open therapy of that device; never a therapy of its own. */
  record DeviceRemovalFact(
      String patientId,
      String device,
      Instant removedAt,
      SourceRef source,
      TimePrecision removedPrecision)
      implements CuratedFact {

    public DeviceRemovalFact(String patientId, String device, Instant removedAt, SourceRef source) {
      this(patientId, device, removedAt, source, null);
    }

    @Override
    public DeviceRemovalFact withPatientId(String id) {
      return new DeviceRemovalFact(id, device, removedAt, source, removedPrecision);
    }

    @Override
    public String factId() {
      return source.resourceId();
    }
  }

  /** A diagnosis in a registry category (FHIR Condition). */
  record DiagnosisFact(
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

  /** A hospital or intensive-care encounter (FHIR Encounter). */
  record EncounterFact(
      String encounterId,
      String patientId,
      String status,
      String encounterClass,
      boolean intensiveCare,
      Instant periodStart,
      Instant periodEnd,
      List<Coding> types,
      Set<String> flags,
      SourceRef source,
      TimePrecision startPrecision,
      TimePrecision endPrecision)
      implements CuratedFact {

    public EncounterFact(
        String encounterId,
        String patientId,
        String status,
        String encounterClass,
        boolean intensiveCare,
        Instant periodStart,
        Instant periodEnd,
        List<Coding> types,
        Set<String> flags,
        SourceRef source) {
      this(
          encounterId,
          patientId,
          status,
          encounterClass,
          intensiveCare,
          periodStart,
          periodEnd,
          types,
          flags,
          source,
          null,
          null);
    }

    @Override
    public EncounterFact withPatientId(String id) {
      return new EncounterFact(
          encounterId,
          id,
          status,
          encounterClass,
          intensiveCare,
          periodStart,
          periodEnd,
          types,
          flags,
          source,
          startPrecision,
          endPrecision);
    }

    @Override
    public String factId() {
      return encounterId;
    }
  }

  /**
   * A randomization sent as a source ResearchSubject (data-dictionary.md section 4); the curated
   * ResearchSubject it makes on-study is derived from it and the patient's episodes.
   */
  record RandomizationFact(
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
}
