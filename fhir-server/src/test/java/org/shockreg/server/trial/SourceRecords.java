package org.shockreg.server.trial;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Source FHIR resources as NDJSON lines, for building one patient's EHR record in a test. */
public final class SourceRecords {

  private final String patient;
  private final Instant t0;
  private final List<String> lines = new ArrayList<>();

  /** A patient whose shock is diagnosed at {@code t0}. */
  public SourceRecords(String patient, Instant t0) {
    this.patient = patient;
    this.t0 = t0;
  }

  static String at(Instant t0, Duration offset) {
    return t0.plus(offset).toString();
  }

  String at(Duration offset) {
    return at(t0, offset);
  }

  SourceRecords patient(String gender, String birthDate) {
    lines.add(
        "{\"resourceType\":\"Patient\",\"id\":\""
            + patient
            + "\",\"identifier\":[{\"system\":\"urn:trial-it:mrn\","
            + "\"value\":\"MRN-"
            + patient
            + "\"}],\"gender\":\""
            + gender
            + "\",\"birthDate\":\""
            + birthDate
            + "\"}");
    return this;
  }

  SourceRecords deceased(String gender, String birthDate, Duration deathAfterT0) {
    lines.add(
        "{\"resourceType\":\"Patient\",\"id\":\""
            + patient
            + "\",\"identifier\":[{\"system\":\"urn:trial-it:mrn\","
            + "\"value\":\"MRN-"
            + patient
            + "\"}],\"gender\":\""
            + gender
            + "\",\"birthDate\":\""
            + birthDate
            + "\",\"deceasedDateTime\":\""
            + at(deathAfterT0)
            + "\"}");
    return this;
  }

  /** An intensive-care stay from {@code start} (relative to t0) for 10 days. */
  SourceRecords icuStay(Duration start) {
    lines.add(
        "{\"resourceType\":\"Encounter\",\"id\":\""
            + patient
            + "-icu\",\"status\":\"finished\",\"class\":{\"system\":"
            + "\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"IMP\"},\"type\":[{\"coding\":[{\"system\":"
            + "\"http://terminology.hl7.org/CodeSystem/v3-RoleCode\",\"code\":\"CCU\"}]}],\"subject\":{\"reference\":"
            + "\"Patient/"
            + patient
            + "\"},\"period\":{\"start\":\""
            + at(start)
            + "\",\"end\":\""
            + at(start.plus(Duration.ofDays(10)))
            + "\"}}");
    return this;
  }

  SourceRecords condition(String id, String system, String code, Duration onset) {
    lines.add(
        "{\"resourceType\":\"Condition\",\"id\":\""
            + patient
            + "-"
            + id
            + "\",\"code\":{\"coding\":[{\"system\":\""
            + system
            + "\",\"code\":\""
            + code
            + "\"}]},\"subject\":{\"reference\":\"Patient/"
            + patient
            + "\"},\"onsetDateTime\":\""
            + at(onset)
            + "\"}");
    return this;
  }

  SourceRecords shock() {
    return condition("cs", "http://hl7.org/fhir/sid/icd-10-cm", "R57.0", Duration.ZERO);
  }

  SourceRecords heartFailure() {
    return condition("hf", "http://hl7.org/fhir/sid/icd-10-cm", "I50.23", Duration.ofDays(-200));
  }

  public SourceRecords observation(
      String id, String loinc, double value, String unit, Duration at) {
    return observation(id, null, loinc, value, unit, at);
  }

  /** An Observation; {@code version} (meta.versionId) for amended results. */
  SourceRecords observation(
      String id, String version, String loinc, double value, String unit, Duration at) {
    lines.add(
        "{\"resourceType\":\"Observation\",\"id\":\""
            + patient
            + "-"
            + id
            + "\","
            + (version == null ? "" : "\"meta\":{\"versionId\":\"" + version + "\"},")
            + "\"status\":\""
            + (version == null ? "final" : "amended")
            + "\",\"code\":{\"coding\":[{\"system\":"
            + "\"http://loinc.org\",\"code\":\""
            + loinc
            + "\"}]},\"subject\":{\"reference\":\"Patient/"
            + patient
            + "\"},\"effectiveDateTime\":\""
            + at(at)
            + "\",\"valueQuantity\":{\"value\":"
            + value
            + ",\"unit\":\""
            + unit
            + "\",\"system\":\"http://unitsofmeasure.org\",\"code\":\""
            + unit
            + "\"}}");
    return this;
  }

  SourceRecords lvef(double percent, Duration at) {
    return observation("lvef", "10230-1", percent, "%", at);
  }

  SourceRecords sbp(double mmHg, Duration at) {
    return observation("sbp", "8480-6", mmHg, "mm[Hg]", at);
  }

  SourceRecords lactate(double mmolPerL, Duration at) {
    return observation("lac", "2524-7", mmolPerL, "mmol/L", at);
  }

  /** A procedure by SNOMED code (IABP 399217008, durable LVAD 232967006, VA-ECMO 233573008...). */
  public SourceRecords procedure(String id, String snomed, Duration start) {
    lines.add(
        "{\"resourceType\":\"Procedure\",\"id\":\""
            + patient
            + "-"
            + id
            + "\",\"status\":\"completed\",\"code\":"
            + "{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\""
            + snomed
            + "\"}]},\"subject\":"
            + "{\"reference\":\"Patient/"
            + patient
            + "\"},\"performedPeriod\":{\"start\":\""
            + at(start)
            + "\"}}");
    return this;
  }

  /** A randomization as an incoming ResearchSubject. */
  public SourceRecords researchSubject(String study, String arm, Duration at) {
    return researchSubjectOn(study, arm, at(at));
  }

  /** A randomization as an incoming ResearchSubject, its period.start as written. */
  SourceRecords researchSubjectOn(String study, String arm, String start) {
    lines.add(
        "{\"resourceType\":\"ResearchSubject\",\"id\":\""
            + patient
            + "-rs\",\"status\":\"on-study\",\"study\":"
            + "{\"reference\":\"ResearchStudy/"
            + study
            + "\"},\"individual\":{\"reference\":\"Patient/"
            + patient
            + "\"},\"assignedArm\":\""
            + arm
            + "\",\"period\":{\"start\":\""
            + start
            + "\"}}");
    return this;
  }

  /**
   * A typical ALTSHOCK-2 candidate: 60 years, HF-CS, LVEF 20, SBP 85 and lactate 3 after diagnosis.
   */
  public SourceRecords candidate() {
    return patient("male", "1965-01-01")
        .icuStay(Duration.ofHours(-4))
        .shock()
        .heartFailure()
        .lvef(20, Duration.ofDays(-1))
        .sbp(85, Duration.ofHours(1))
        .lactate(3, Duration.ofHours(1));
  }

  /** This record followed by another patient's, in one body. */
  public SourceRecords and(SourceRecords other) {
    lines.addAll(other.lines);
    return this;
  }

  public String ndjson() {
    return String.join("\n", lines) + "\n";
  }
}
