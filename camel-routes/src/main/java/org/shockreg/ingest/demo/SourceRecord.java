package org.shockreg.ingest.demo;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Date;
import java.util.SplittableRandom;
import java.util.TimeZone;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.shockreg.ingest.demo.SyntheticCohortGenerator.SourceResourceSink;

/**
 * One synthetic patient's source record as its site's EHR sends it: its ids, Patient and Encounters
 * here, its {@link DemoConditions}, {@link DemoObservations} and {@link DemoProcedures} beside it,
 * shared by the demo generators ({@link SyntheticCohortGenerator}, {@link TrialCohortGenerator}),
 * each writing in the site's dialect (codes, units, panels, time offsets). A subclass plans the
 * clinical course, then calls these in order; every random draw comes from the patient's own
 * stream, so the same stream gives byte-identical resources.
 */
abstract class SourceRecord {

  static final String LOINC = "http://loinc.org";
  static final String SNOMED = "http://snomed.info/sct";
  static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
  static final String ICD10PCS = "http://www.cms.gov/Medicare/Coding/ICD10";
  static final String CPT = "http://www.ama-assn.org/go/cpt";
  static final String UCUM = "http://unitsofmeasure.org";
  static final String OBSERVATION_CATEGORY =
      "http://terminology.hl7.org/CodeSystem/observation-category";
  static final String CONDITION_CATEGORY =
      "http://terminology.hl7.org/CodeSystem/condition-category";
  static final String CONDITION_CLINICAL =
      "http://terminology.hl7.org/CodeSystem/condition-clinical";
  static final String CONDITION_VERIFICATION =
      "http://terminology.hl7.org/CodeSystem/condition-ver-status";
  static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
  static final String ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
  static final String IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203";
  static final String DISCHARGE_DISPOSITION =
      "http://terminology.hl7.org/CodeSystem/discharge-disposition";

  static final long MINUTE = 60_000L;
  static final long HOUR = 60 * MINUTE;
  static final long DAY = 24 * HOUR;

  static final TimeZone UTC = TimeZone.getTimeZone("UTC");

  /** Devices the demo cohorts use as temporary MCS. */
  enum Device {
    IABP,
    IMPELLA,
    VA_ECMO
  }

  final DemoSite site;
  final int number;
  final SplittableRandom rng;
  final SourceResourceSink sink;

  /** Prepended to every resource id ("" for the base cohort), so cohorts never share an id. */
  private final String idPrefix;

  final String patientId;
  final String patientRef;
  final String stayId;
  final String icuId;
  final String stayRef;
  final String icuRef;

  /** The record's resources of each kind, written in the site's dialect. */
  final DemoConditions conditions = new DemoConditions(this);

  final DemoObservations observations = new DemoObservations(this);
  final DemoProcedures procedures = new DemoProcedures(this);

  /** Shock diagnosis; instants are epoch milliseconds on whole minutes. */
  long shockAt;

  /**
   * CICU arrival: facts before it are filed under the hospital stay, later ones under the ICU stay.
   */
  long icuAt;

  SourceRecord(
      DemoSite site, int number, String idPrefix, SplittableRandom rng, SourceResourceSink sink) {
    this.site = site;
    this.number = number;
    this.idPrefix = idPrefix;
    this.rng = rng;
    this.sink = sink;
    this.patientId = ownId("pat", -1, 0);
    this.patientRef = "Patient/" + patientId;
    this.stayId = ownId("enc", 1, 2);
    this.icuId = ownId("enc", 2, 2);
    this.stayRef = "Encounter/" + stayId;
    this.icuRef = "Encounter/" + icuId;
  }

  /**
   * The encounter a fact at this time is filed under: the hospital stay, from CICU arrival the ICU
   * stay.
   */
  String encounterAt(long at) {
    return at < icuAt ? stayRef : icuRef;
  }

  /** {@code [idPrefix]prefix-000123[-0007]}. */
  String ownId(String prefix, int seq, int seqDigits) {
    return idPrefix + id(prefix, number, seq, seqDigits);
  }

  // --- Patient -------------------------------------------------------------------------------

  /**
   * The Patient as the EHR has it: record number, name, sex, a birth date {@code ageAtShock} years
   * before the shock (in the site's calendar), home address, and the death if there is one.
   */
  void emitPatient(boolean male, int ageAtShock, boolean dead, long deathAt, long updatedAt) {
    Patient patient = new Patient();
    patient.setId(patientId);
    stamp(patient, updatedAt);
    patient
        .addIdentifier()
        .setUse(Identifier.IdentifierUse.USUAL)
        .setType(concept(IDENTIFIER_TYPE, "MR", "Medical record number"))
        .setSystem(site.mrnSystem)
        .setValue(medicalRecordNumber());
    patient
        .addName()
        .setUse(HumanName.NameUse.OFFICIAL)
        .setFamily(pick(site.family))
        .addGiven(pick(male ? site.maleGiven : site.femaleGiven));
    patient.setGender(male ? AdministrativeGender.MALE : AdministrativeGender.FEMALE);
    LocalDate shockDate = LocalDate.ofInstant(Instant.ofEpochMilli(shockAt), site.zone.toZoneId());
    patient.setBirthDateElement(
        new DateType(shockDate.minusYears(ageAtShock).minusDays(rng.nextInt(365)).toString()));
    Address address =
        patient
            .addAddress()
            .setUse(Address.AddressUse.HOME)
            .setCity(site.city)
            .setPostalCode(site.postalPrefix + twoDigits(1 + rng.nextInt(20)))
            .setCountry(site.country);
    address.addLine((1 + rng.nextInt(180)) + " " + pick(site.streets));
    if (site == DemoSite.BOSTON) {
      address.setState("MA");
    }
    if (dead) {
      patient.setDeceased(dateTime(deathAt));
    }
    sink.accept(site.id, patient);
  }

  /** Unique per site: 7919 is coprime with the 90,000,000 values in range. */
  String medicalRecordNumber() {
    return Long.toString(10_000_000L + Math.floorMod(number * 7919L + 1_234_567L, 90_000_000L));
  }

  // --- Encounters ----------------------------------------------------------------------------

  /** The hospital stay that frames the shock episode. */
  void emitStay(long admitAt, long dischargeAt, boolean diedInHospital) {
    Encounter stay = new Encounter();
    stay.setId(stayId);
    stamp(stay, dischargeAt + 2 * HOUR);
    stay.setStatus(Encounter.EncounterStatus.FINISHED);
    stay.setClass_(new Coding(ACT_CODE, "IMP", "inpatient encounter"));
    stay.setSubject(new Reference(patientRef));
    stay.setPeriod(period(admitAt, dischargeAt));
    stay.getHospitalization()
        .setDischargeDisposition(
            diedInHospital
                ? concept(DISCHARGE_DISPOSITION, "exp", "Expired")
                : concept(DISCHARGE_DISPOSITION, "home", "Home"));
    sink.accept(site.id, stay);
  }

  /**
   * The intensive-care stay from {@link #icuAt}: its start is the CICU arrival the registry
   * derives.
   */
  void emitIcuStay(long icuEndAt) {
    Encounter icu = new Encounter();
    icu.setId(icuId);
    stamp(icu, icuEndAt + HOUR);
    icu.setStatus(Encounter.EncounterStatus.FINISHED);
    icu.setClass_(
        site == DemoSite.BOSTON
            ? new Coding(ACT_CODE, "ACUTE", "inpatient acute")
            : new Coding(ACT_CODE, "IMP", "inpatient encounter"));
    icu.addType(
        site == DemoSite.PARIS
            ? concept(ROLE_CODE, "ICU", "intensive care unit")
            : concept(ROLE_CODE, "CCU", "coronary care unit"));
    icu.setSubject(new Reference(patientRef));
    icu.setPeriod(period(icuAt, icuEndAt));
    icu.setPartOf(new Reference(stayRef));
    sink.accept(site.id, icu);
  }

  /** An outpatient follow-up visit (ambulatory: the registry counts it among the unmapped). */
  void emitFollowUpVisit(long followUpAt) {
    Encounter visit = new Encounter();
    visit.setId(ownId("enc", 3, 2));
    stamp(visit, followUpAt + 2 * HOUR);
    visit.setStatus(Encounter.EncounterStatus.FINISHED);
    visit.setClass_(new Coding(ACT_CODE, "AMB", "ambulatory"));
    visit.addType(concept(SNOMED, "185389009", "Follow-up visit (procedure)"));
    visit.setSubject(new Reference(patientRef));
    visit.setPeriod(period(followUpAt, followUpAt + 30 * MINUTE));
    sink.accept(site.id, visit);
  }

  // --- helpers -------------------------------------------------------------------------------

  void stamp(Resource resource, long lastUpdatedAt) {
    resource.getMeta().setLastUpdatedElement(instant(lastUpdatedAt));
  }

  /** Local time with the site's offset, as EHRs send it (DST included). */
  DateTimeType dateTime(long at) {
    return new DateTimeType(new Date(at), TemporalPrecisionEnum.SECOND, site.zone);
  }

  DateTimeType date(long at) {
    return new DateTimeType(new Date(at), TemporalPrecisionEnum.DAY, site.zone);
  }

  Period period(long start, long end) {
    return new Period().setStartElement(dateTime(start)).setEndElement(dateTime(end));
  }

  boolean chance(double p) {
    return rng.nextDouble() < p;
  }

  /** Uniform in [lo, hi], on whole minutes; lo when the interval is empty. */
  long between(long lo, long hi) {
    return hi <= lo ? lo : lo + floorMinute((long) (rng.nextDouble() * (hi - lo)));
  }

  <T> T pick(T[] values) {
    return values[rng.nextInt(values.length)];
  }

  /** Box-Muller from the stream's doubles, so results never depend on JDK Gaussian code. */
  double gaussian() {
    double u = 1.0 - rng.nextDouble();
    double v = rng.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
  }

  double truncatedGaussian(double mean, double sd, double min, double max) {
    for (int attempt = 0; attempt < 16; attempt++) {
      double x = mean + sd * gaussian();
      if (x >= min && x <= max) {
        return x;
      }
    }
    return mean;
  }

  /** Stafford's mix13: decorrelates per-patient seeds that differ by a constant. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static InstantType instant(long at) {
    InstantType instant = new InstantType(new Date(at), TemporalPrecisionEnum.MILLI, UTC);
    instant.setTimeZoneZulu(true);
    return instant;
  }

  static CodeableConcept concept(String system, String code, String display) {
    return new CodeableConcept().addCoding(new Coding(system, code, display));
  }

  static Quantity quantity(BigDecimal value, String unit, String ucumCode) {
    return new Quantity().setValue(value).setUnit(unit).setSystem(UCUM).setCode(ucumCode);
  }

  static BigDecimal decimal(double value, int scale) {
    long unscaled = Math.round(value * Math.pow(10, scale));
    return BigDecimal.valueOf(unscaled, scale);
  }

  static double bounded(double value, double min, double max) {
    return Math.max(min, Math.min(max, value));
  }

  static int clamp(double value, int min, int max) {
    return (int) Math.max(min, Math.min(max, Math.round(value)));
  }

  static long floorMinute(long millis) {
    return Math.floorDiv(millis, MINUTE) * MINUTE;
  }

  static String twoDigits(int value) {
    return value < 10 ? "0" + value : Integer.toString(value);
  }

  /** {@code prefix-000123} or {@code prefix-000123-0007}: only [A-Za-z0-9-], well under 64. */
  static String id(String prefix, int patient, int seq, int seqDigits) {
    StringBuilder sb = new StringBuilder(24).append(prefix).append('-');
    zeroPad(sb, patient, 6);
    if (seq >= 0) {
      zeroPad(sb.append('-'), seq, seqDigits);
    }
    return sb.toString();
  }

  static void zeroPad(StringBuilder sb, int value, int digits) {
    String text = Integer.toString(value);
    for (int i = text.length(); i < digits; i++) {
      sb.append('0');
    }
    sb.append(text);
  }
}
