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
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationStatus;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.SimpleQuantity;
import org.hl7.fhir.r4.model.StringType;
import org.shockreg.ingest.demo.SyntheticCohortGenerator.SourceResourceSink;

/**
 * One synthetic patient's source record as its site's EHR sends it: the resource builders shared
 * by the demo generators ({@link SyntheticCohortGenerator}, {@link TrialCohortGenerator}), each
 * writing in the site's dialect (codes, units, panels, time offsets). A subclass plans the clinical
 * course, then calls these in order; every random draw comes from the patient's own stream, so the
 * same stream gives byte-identical resources.
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
  private int observationSeq;
  private int conditionSeq;
  private int procedureSeq;

  /** Shock diagnosis; instants are epoch milliseconds on whole minutes. */
  long shockAt;
  /** CICU arrival: facts before it are filed under the hospital stay, later ones under the ICU stay. */
  long icuAt;

  SourceRecord(DemoSite site, int number, String idPrefix, SplittableRandom rng, SourceResourceSink sink) {
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

  /** The encounter a fact at this time is filed under: the hospital stay, from CICU arrival the ICU stay. */
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

  /** The intensive-care stay from {@link #icuAt}: its start is the CICU arrival the registry derives. */
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

  // --- Conditions ----------------------------------------------------------------------------

  /**
   * Heart failure as the cause of the shock: known chronic HF (55%, sometimes decompensated) or
   * acute HF, and its cause on the problem list: ischemic cardiomyopathy 22%, prior MI 18% (so 40%
   * ischemic), dilated cardiomyopathy 20%, none recorded 20%.
   */
  void emitHeartFailureHistory(boolean snomed) {
    if (chance(0.55)) {
      // Known chronic HF: diagnosed months to years earlier, so the episode is not de novo.
      DemoDiagnosis chronic = chance(0.6) ? DemoDiagnosis.CHRONIC_SYSTOLIC_HF : DemoDiagnosis.HF_UNSPECIFIED;
      chronicCondition(chronic, snomed, between(60 * DAY, 6 * 365 * DAY));
      if (chance(0.5)) {
        condition(
            DemoDiagnosis.ACUTE_ON_CHRONIC_SYSTOLIC_HF.coding(snomed),
            shockAt - between(0, 12 * HOUR),
            false,
            shockAt + between(HOUR, DAY),
            true);
      }
    } else {
      DemoDiagnosis acute = chance(0.7) ? DemoDiagnosis.ACUTE_SYSTOLIC_HF : DemoDiagnosis.HF_UNSPECIFIED;
      long onset = shockAt - between(0, 24 * HOUR);
      condition(acute.coding(snomed), onset, false, onset + between(HOUR, DAY), true);
    }
    double cause = rng.nextDouble();
    if (cause < 0.22) {
      chronicCondition(
          DemoDiagnosis.ISCHEMIC_CARDIOMYOPATHY, snomed, between(180 * DAY, 8 * 365 * DAY));
    } else if (cause < 0.40) {
      chronicCondition(DemoDiagnosis.OLD_MI, snomed, between(365 * DAY, 15 * 365 * DAY));
    } else if (cause < 0.60) {
      chronicCondition(
          DemoDiagnosis.DILATED_CARDIOMYOPATHY, snomed, between(180 * DAY, 8 * 365 * DAY));
    }
  }

  /** Common comorbidities the registry does not map (they land in the unmapped-codes report). */
  void emitComorbidities(boolean snomed) {
    if (chance(0.30)) {
      chronicCondition(DemoDiagnosis.TYPE_2_DIABETES, snomed, between(365 * DAY, 20 * 365 * DAY));
    }
    if (chance(0.45)) {
      chronicCondition(DemoDiagnosis.HYPERTENSION, snomed, between(365 * DAY, 25 * 365 * DAY));
    }
    if (chance(0.20)) {
      chronicCondition(DemoDiagnosis.ATRIAL_FIBRILLATION, snomed, between(60 * DAY, 10 * 365 * DAY));
    }
    if (chance(0.12)) {
      chronicCondition(DemoDiagnosis.CKD_STAGE_3, snomed, between(365 * DAY, 8 * 365 * DAY));
    }
  }

  /** A problem-list entry with a date-only onset, as EHRs send for old diagnoses. */
  void chronicCondition(DemoDiagnosis diagnosis, boolean snomed, long yearsAgo) {
    long onset = shockAt - yearsAgo;
    condition(diagnosis.coding(snomed), onset, true, onset + between(0, 30 * DAY), false);
  }

  void condition(
      Coding code, long onsetAt, boolean dateOnly, long recordedAt, boolean encounterDiagnosis) {
    Condition condition = new Condition();
    condition.setId(ownId("cond", ++conditionSeq, 2));
    stamp(condition, recordedAt + HOUR);
    condition.setClinicalStatus(concept(CONDITION_CLINICAL, "active", "Active"));
    condition.setVerificationStatus(concept(CONDITION_VERIFICATION, "confirmed", "Confirmed"));
    condition.addCategory(
        encounterDiagnosis
            ? concept(CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")
            : concept(CONDITION_CATEGORY, "problem-list-item", "Problem List Item"));
    condition.getCode().addCoding(code);
    condition.setSubject(new Reference(patientRef));
    if (encounterDiagnosis) {
      condition.setEncounter(new Reference(stayRef));
    }
    condition.setOnset(dateOnly ? date(onsetAt) : dateTime(onsetAt));
    condition.setRecordedDateElement(dateTime(recordedAt));
    sink.accept(site.id, condition);
  }

  // --- Observations --------------------------------------------------------------------------

  /**
   * One blood pressure reading in the site's way: Milano a panel (MAP apart), Paris separate
   * Observations in {@code mmHg}, Boston a panel with MAP as a component; MAP only when asked.
   */
  void emitBloodPressure(long at, int sbp, int dbp, int map, boolean withMap) {
    switch (site) {
      case MILANO -> {
        emitBloodPressurePanel(at, sbp, dbp, -1);
        if (withMap) {
          emitPressure(at, "8478-0", "Mean blood pressure", map, "mm[Hg]");
        }
      }
      case PARIS -> {
        emitPressure(at, "8480-6", "Systolic blood pressure", sbp, "mmHg");
        emitPressure(at, "8462-4", "Diastolic blood pressure", dbp, "mmHg");
        if (withMap) {
          emitPressure(at, "8478-0", "Mean blood pressure", map, "mmHg");
        }
      }
      case BOSTON -> emitBloodPressurePanel(at, sbp, dbp, withMap ? map : -1);
    }
  }

  void emitHeartRate(long at, int perMinute) {
    Observation heartRate = observation("vital-signs", at, false);
    heartRate.getCode().addCoding(new Coding(LOINC, "8867-4", "Heart rate"));
    heartRate.setValue(
        quantity(
            BigDecimal.valueOf(perMinute), site == DemoSite.BOSTON ? "beats/min" : "/min", "/min"));
    sink.accept(site.id, heartRate);
  }

  /** Panel 85354-9 with no value of its own, like Synthea and most US EHRs send it. */
  void emitBloodPressurePanel(long at, int sbp, int dbp, int map) {
    Observation panel = observation("vital-signs", at, false);
    panel
        .getCode()
        .addCoding(
            new Coding(LOINC, "85354-9", "Blood pressure panel with all children optional"));
    panel.getCode().setText("Blood pressure");
    component(panel, "8480-6", "Systolic blood pressure", sbp);
    component(panel, "8462-4", "Diastolic blood pressure", dbp);
    if (map >= 0) {
      component(panel, "8478-0", "Mean blood pressure", map);
    }
    sink.accept(site.id, panel);
  }

  private static void component(Observation panel, String code, String display, int mmHg) {
    Observation.ObservationComponentComponent component = panel.addComponent();
    component.getCode().addCoding(new Coding(LOINC, code, display));
    component.setValue(quantity(BigDecimal.valueOf(mmHg), "mm[Hg]", "mm[Hg]"));
  }

  void emitPressure(long at, String code, String display, int mmHg, String unit) {
    Observation pressure = observation("vital-signs", at, false);
    pressure.getCode().addCoding(new Coding(LOINC, code, display));
    pressure.setValue(quantity(BigDecimal.valueOf(mmHg), unit, "mm[Hg]"));
    sink.accept(site.id, pressure);
  }

  void emitOxygenSaturation(long at) {
    Observation spo2 = observation("vital-signs", at, false);
    spo2.getCode().addCoding(new Coding(LOINC, "2708-6", "Oxygen saturation in Arterial blood"));
    if (site == DemoSite.BOSTON) {
      // Synthea-style second coding; neither code feeds a registry variable.
      spo2.getCode()
          .addCoding(
              new Coding(
                  LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"));
    }
    spo2.setValue(quantity(BigDecimal.valueOf(clamp(94 + 3 * gaussian(), 78, 100)), "%", "%"));
    sink.accept(site.id, spo2);
  }

  void emitLactate(long at, double mmolPerL) {
    Observation lactate = observation("laboratory", at, true);
    switch (site) {
      case MILANO, PARIS -> {
        // Central lab (serum) or blood gas analyser (whole blood), both in mmol/L.
        boolean bloodGas = chance(site == DemoSite.PARIS ? 0.7 : 0.3);
        lactate
            .getCode()
            .addCoding(
                bloodGas
                    ? new Coding(LOINC, "32693-4", "Lactate [Moles/volume] in Blood")
                    : new Coding(LOINC, "2524-7", "Lactate [Moles/volume] in Serum or Plasma"));
        // Some analysers write the litre in lower case (valid UCUM, but not the usual code).
        String unit = chance(0.25) ? "mmol/l" : "mmol/L";
        lactate.setValue(quantity(decimal(mmolPerL, 1), unit, unit));
      }
      case BOSTON -> {
        lactate
            .getCode()
            .addCoding(new Coding(LOINC, "14118-4", "Lactate [Mass/volume] in Serum or Plasma"));
        lactate.setValue(quantity(decimal(mmolPerL * 9.008, 1), "mg/dL", "mg/dL"));
      }
    }
    sink.accept(site.id, lactate);
  }

  void emitCreatinine(long at, double mgPerDl) {
    Observation creatinine = observation("laboratory", at, true);
    if (site == DemoSite.PARIS) {
      creatinine
          .getCode()
          .addCoding(
              new Coding(LOINC, "14682-9", "Creatinine [Moles/volume] in Serum or Plasma"));
      creatinine.setValue(quantity(decimal(mgPerDl * 88.4, 0), "µmol/L", "umol/L"));
    } else {
      creatinine
          .getCode()
          .addCoding(new Coding(LOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma"));
      creatinine.setValue(quantity(decimal(mgPerDl, 2), "mg/dL", "mg/dL"));
    }
    sink.accept(site.id, creatinine);
  }

  void emitLvef(long at, int percent) {
    // Boston files echo results under laboratory, like Synthea; the others under exam.
    Observation lvef = observation(site == DemoSite.BOSTON ? "laboratory" : "exam", at, false);
    lvef.getCode()
        .addCoding(
            chance(0.2)
                ? new Coding(LOINC, "18043-0", "Left ventricular Ejection fraction by US")
                : new Coding(LOINC, "10230-1", "Left ventricular Ejection fraction"));
    double shape = rng.nextDouble();
    if (shape < 0.78) {
      Quantity value = new Quantity().setValue(BigDecimal.valueOf(percent));
      if (site != DemoSite.PARIS || !chance(0.1)) {
        // Paris occasionally leaves the unit off; % is the only plausible one for LVEF.
        value.setUnit("%").setSystem(UCUM).setCode("%");
      }
      lvef.setValue(value);
    } else if (shape < 0.92) {
      // Echo reports often give a 5-point band, e.g. 15-20 %.
      int low = percent / 5 * 5;
      Range range = new Range();
      range.setLow(percentQuantity(low));
      range.setHigh(percentQuantity(low + 5));
      lvef.setValue(range);
    } else {
      lvef.setValue(
          new StringType(
              chance(0.6) ? "EF " + percent + "%" : percent + "-" + (percent + 5) + " %"));
    }
    sink.accept(site.id, lvef);
  }

  private static SimpleQuantity percentQuantity(int percent) {
    SimpleQuantity quantity = new SimpleQuantity();
    quantity.setValue(BigDecimal.valueOf(percent)).setUnit("%").setSystem(UCUM).setCode("%");
    return quantity;
  }

  Observation observation(String category, long at, boolean laboratory) {
    Observation observation = new Observation();
    observation.setId(ownId("obs", ++observationSeq, 4));
    // Point-of-care and early lab results sometimes arrive before validation.
    observation.setStatus(
        laboratory && chance(0.04) ? ObservationStatus.PRELIMINARY : ObservationStatus.FINAL);
    observation.addCategory(concept(OBSERVATION_CATEGORY, category, categoryDisplay(category)));
    observation.setSubject(new Reference(patientRef));
    observation.setEncounter(new Reference(encounterAt(at)));
    observation.setEffective(dateTime(at));
    if (laboratory) {
      observation.setIssuedElement(instant(at + 40 * MINUTE));
    }
    stamp(observation, at + (laboratory ? 45 : 5) * MINUTE);
    return observation;
  }

  private static String categoryDisplay(String category) {
    return switch (category) {
      case "vital-signs" -> "Vital Signs";
      case "laboratory" -> "Laboratory";
      default -> "Exam";
    };
  }

  // --- Procedures ----------------------------------------------------------------------------

  /** Heart replacement therapy: a durable LVAD implant or a heart transplant, in SNOMED CT. */
  void emitHeartReplacement(boolean durableLvad, long at) {
    Procedure procedure = procedure(at, at + 4 * HOUR);
    procedure.setEncounter(new Reference(stayRef));
    procedure
        .getCode()
        .addCoding(
            durableLvad
                ? new Coding(
                    SNOMED, "232967006", "Implantation of left ventricular assist device (procedure)")
                : new Coding(SNOMED, "32413006", "Transplantation of heart (procedure)"));
    procedure.setPerformed(dateTime(at));
    sink.accept(site.id, procedure);
  }

  void emitDeviceTherapy(Device device, long start, long end, boolean endedByDeath) {
    // ~20% of IABP therapies: the removal is its own procedure (CPT 33968) days later.
    boolean separateRemoval = device == Device.IABP && !endedByDeath && chance(0.25);
    Procedure therapy = procedure(start, end);
    therapy.getCode().addCoding(deviceCoding(device));
    if (device == Device.VA_ECMO && site == DemoSite.PARIS) {
      therapy.getCode().setText("ECMO VA périphérique");
    }
    double shape = rng.nextDouble();
    if (separateRemoval) {
      if (shape < 0.7) {
        therapy.setPerformed(new Period().setStartElement(dateTime(start)));
      } else {
        therapy.setPerformed(dateTime(start));
      }
    } else if (shape < 0.65) {
      therapy.setPerformed(period(start, end));
    } else if (shape < 0.85) {
      therapy.setPerformed(new Period().setStartElement(dateTime(start)));
    } else {
      therapy.setPerformed(dateTime(start));
    }
    sink.accept(site.id, therapy);

    if (separateRemoval) {
      Procedure removal = procedure(end, end);
      removal
          .getCode()
          .addCoding(
              new Coding(
                  CPT, "33968", "Removal of intra-aortic balloon assist device, percutaneous"));
      removal.setPerformed(dateTime(end));
      sink.accept(site.id, removal);
    }
  }

  Coding deviceCoding(Device device) {
    return switch (device) {
      case IABP ->
          switch (site) {
            case MILANO ->
                new Coding(
                    SNOMED,
                    "442807006",
                    "Insertion of intraaortic balloon counterpulsation device through femoral"
                        + " artery (procedure)");
            case PARIS ->
                new Coding(
                    ICD10PCS,
                    "5A02210",
                    "Assistance with Cardiac Output using Balloon Pump, Continuous");
            case BOSTON ->
                new Coding(
                    CPT,
                    "33967",
                    "Insertion of intra-aortic balloon assist device, percutaneous");
          };
      case IMPELLA ->
          site == DemoSite.BOSTON
              ? new Coding(
                  CPT,
                  "33990",
                  "Insertion of ventricular assist device, percutaneous, including radiological"
                      + " supervision and interpretation; left heart, arterial access only")
              : new Coding(
                  ICD10PCS,
                  "5A0221D",
                  "Assistance with Cardiac Output using Impeller Pump, Continuous");
      case VA_ECMO ->
          site == DemoSite.MILANO
              ? new Coding(SNOMED, "233573008", "Extracorporeal membrane oxygenation (procedure)")
              : new Coding(
                  ICD10PCS,
                  "5A1522G",
                  "Extracorporeal Oxygenation, Membrane, Peripheral Veno-arterial");
    };
  }

  Procedure procedure(long at, long updatedAfter) {
    Procedure procedure = new Procedure();
    procedure.setId(ownId("proc", ++procedureSeq, 2));
    stamp(procedure, updatedAfter + HOUR);
    procedure.setStatus(Procedure.ProcedureStatus.COMPLETED);
    procedure.setSubject(new Reference(patientRef));
    procedure.setEncounter(new Reference(encounterAt(at)));
    return procedure;
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
