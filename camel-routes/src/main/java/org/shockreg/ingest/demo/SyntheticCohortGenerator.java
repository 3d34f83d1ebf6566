package org.shockreg.ingest.demo;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Date;
import java.util.List;
import java.util.Objects;
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

/**
 * Synthetic cardiogenic-shock cohort, emitted as the source FHIR R4 resources hospital EHRs send,
 * so the demo and the ingest benchmark go through the real intake path.
 *
 * <p>The three demo sites deliberately speak different dialects (SNOMED CT vs ICD-10-CM diagnoses;
 * SNOMED, ICD-10-PCS or CPT device codes; blood pressure as a panel or as separate Observations;
 * lactate in mmol/L or mg/dL; creatinine in mg/dL or umol/L; unit spellings such as {@code mmHg},
 * {@code mmol/l} and {@code beats/min}; LVEF as a quantity, a range or text; local time offsets),
 * because mapping those differences is what the registry has to prove.
 *
 * <p>Distributions follow the Altshock registry: age at shock median about 60, about 70% male,
 * about 30% HF-CS / 55% AMI-CS / 15% other, tMCS in about 60% (IABP the most used), about 35% dead.
 *
 * <p>Deterministic: every patient draws from its own random stream derived from (seed, patient
 * number) and all times are offsets from a fixed base instant, so the same seed gives
 * byte-identical resources (whatever the JVM's default time zone or locale) and a cohort of n
 * patients is a prefix of a cohort of n + k. Calls share no state, so they may run concurrently.
 */
public final class SyntheticCohortGenerator {

  /** Source ids of the demo sites, in the order patients are dealt to them. */
  public static final List<String> DEMO_SITES = List.of("demo-milano", "demo-paris", "demo-boston");

  /** Receives each generated resource together with the site that sends it. */
  @FunctionalInterface
  public interface SourceResourceSink {
    void accept(String siteId, Resource resource);
  }

  private static final String LOINC = "http://loinc.org";
  private static final String SNOMED = "http://snomed.info/sct";
  private static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
  private static final String ICD10PCS = "http://www.cms.gov/Medicare/Coding/ICD10";
  private static final String CPT = "http://www.ama-assn.org/go/cpt";
  private static final String UCUM = "http://unitsofmeasure.org";
  private static final String OBSERVATION_CATEGORY =
      "http://terminology.hl7.org/CodeSystem/observation-category";
  private static final String CONDITION_CATEGORY =
      "http://terminology.hl7.org/CodeSystem/condition-category";
  private static final String CONDITION_CLINICAL =
      "http://terminology.hl7.org/CodeSystem/condition-clinical";
  private static final String CONDITION_VERIFICATION =
      "http://terminology.hl7.org/CodeSystem/condition-ver-status";
  private static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
  private static final String ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
  private static final String IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203";
  private static final String DISCHARGE_DISPOSITION =
      "http://terminology.hl7.org/CodeSystem/discharge-disposition";

  private static final String NT_PROBNP_DISPLAY =
      "Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma";

  private static final long MINUTE = 60_000L;
  private static final long HOUR = 60 * MINUTE;
  private static final long DAY = 24 * HOUR;

  /** 2025-01-01T00:00:00Z: shocks fall within the year after it, follow-up at most mid-2026. */
  private static final long BASE = 1_735_689_600_000L;

  private static final TimeZone UTC = TimeZone.getTimeZone("UTC");
  private static final Site[] SITES = Site.values();

  private final long seed;

  public SyntheticCohortGenerator(long seed) {
    this.seed = seed;
  }

  /**
   * Emits {@code patients} patients, dealt round-robin to {@link #DEMO_SITES}. Per patient the
   * Patient comes first, then its Encounters, Conditions, Observations and Procedures.
   */
  public void generate(int patients, SourceResourceSink sink) {
    if (patients < 0) {
      throw new IllegalArgumentException("patients must not be negative: " + patients);
    }
    Objects.requireNonNull(sink, "sink");
    for (int i = 0; i < patients; i++) {
      int number = i + 1;
      SplittableRandom rng = new SplittableRandom(mix64(seed + 0x9E3779B97F4A7C15L * number));
      new PatientRecord(SITES[i % SITES.length], number, rng, sink).emit();
    }
  }

  /** The exact number of resources {@link #generate} emits for {@code patients} patients. */
  public long countFor(int patients) {
    long[] count = new long[1];
    generate(patients, (siteId, resource) -> count[0]++);
    return count[0];
  }

  /** Stafford's mix13: decorrelates per-patient seeds that differ by a constant. */
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  // ---------------------------------------------------------------------------------------------
  // Site dialects

  private enum Site {
    MILANO(
        "demo-milano",
        1,
        "Europe/Rome",
        "Milano",
        "IT",
        "201",
        "Via Padova, Corso Buenos Aires, Viale Monza, Via Torino, Via Nizza",
        "Marco, Giuseppe, Luca, Francesco, Alessandro, Giovanni, Nicolò, Stefano",
        "Giulia, Maria, Francesca, Chiara, Elena, Paola, Rosa, Silvia",
        "Rossi, Bianchi, Colombo, Ferrari, Esposito, Romano, Ricci, Galli, Conti, Marino, Greco,"
            + " Fontana, Moretti, Lombardi"),
    PARIS(
        "demo-paris",
        2,
        "Europe/Paris",
        "Paris",
        "FR",
        "750",
        "Rue de Rivoli, Boulevard Voltaire, Rue de Vaugirard, Avenue d'Italie, Rue Oberkampf",
        "Jean, Pierre, Michel, Philippe, Noël, Nicolas, Olivier, Julien",
        "Marie, Nathalie, Isabelle, Hélène, Sophie, Camille, Claire, Julie",
        "Martin, Bernard, Dubois, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, Laurent,"
            + " Lefèvre, Fournier, Girard"),
    BOSTON(
        "demo-boston",
        3,
        "America/New_York",
        "Boston",
        "US",
        "021",
        "Beacon St, Tremont St, Commonwealth Ave, Boylston St, Dorchester Ave",
        "James, John, Robert, Michael, William, David, Joseph, Thomas",
        "Mary, Patricia, Linda, Elizabeth, Barbara, Susan, Karen, Sarah",
        "Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, Taylor, Moore,"
            + " Jackson, Thompson, O'Brien");

    final String id;
    final String mrnSystem;
    final TimeZone zone;
    final String city;
    final String country;
    final String postalPrefix;
    final String[] streets;
    final String[] maleGiven;
    final String[] femaleGiven;
    final String[] family;

    Site(
        String id,
        int siteNumber,
        String zoneId,
        String city,
        String country,
        String postalPrefix,
        String streets,
        String maleGiven,
        String femaleGiven,
        String family) {
      this.id = id;
      this.mrnSystem = "urn:oid:1.2.3.4." + siteNumber;
      this.zone = TimeZone.getTimeZone(zoneId);
      this.city = city;
      this.country = country;
      this.postalPrefix = postalPrefix;
      this.streets = streets.split(", ");
      this.maleGiven = maleGiven.split(", ");
      this.femaleGiven = femaleGiven.split(", ");
      this.family = family.split(", ");
    }

    /** Milano codes every diagnosis in SNOMED CT; Paris and Boston use ICD-10-CM. */
    boolean diagnosesInSnomed() {
      return this == MILANO;
    }

    /** Boston is the one site coding the shock itself in ICD-10-CM (R57.0). */
    boolean shockInSnomed() {
      return this != BOSTON;
    }
  }

  private enum Etiology {
    AMI_CS,
    HF_CS,
    OTHER
  }

  private enum Device {
    IABP,
    IMPELLA,
    VA_ECMO
  }

  private enum HeartReplacement {
    NONE,
    DURABLE_LVAD,
    TRANSPLANT
  }

  /** A diagnosis as ICD-10-CM and as SNOMED CT; the site decides which one it sends. */
  private enum Diagnosis {
    CARDIOGENIC_SHOCK("R57.0", "Cardiogenic shock", "89138009", "Cardiogenic shock (disorder)"),
    STEMI_ANTERIOR(
        "I21.0",
        "ST elevation (STEMI) myocardial infarction of anterior wall",
        "401303003",
        "Acute ST segment elevation myocardial infarction (disorder)"),
    STEMI_INFERIOR(
        "I21.1",
        "ST elevation (STEMI) myocardial infarction of inferior wall",
        "401303003",
        "Acute ST segment elevation myocardial infarction (disorder)"),
    STEMI_OTHER(
        "I21.2",
        "ST elevation (STEMI) myocardial infarction of other sites",
        "401303003",
        "Acute ST segment elevation myocardial infarction (disorder)"),
    STEMI_UNSPECIFIED(
        "I21.3",
        "ST elevation (STEMI) myocardial infarction of unspecified site",
        "401303003",
        "Acute ST segment elevation myocardial infarction (disorder)"),
    NSTEMI(
        "I21.4",
        "Non-ST elevation (NSTEMI) myocardial infarction",
        "401314000",
        "Acute non-ST segment elevation myocardial infarction (disorder)"),
    ACUTE_SYSTOLIC_HF(
        "I50.21",
        "Acute systolic (congestive) heart failure",
        "84114007",
        "Heart failure (disorder)"),
    CHRONIC_SYSTOLIC_HF(
        "I50.22",
        "Chronic systolic (congestive) heart failure",
        "84114007",
        "Heart failure (disorder)"),
    ACUTE_ON_CHRONIC_SYSTOLIC_HF(
        "I50.23",
        "Acute on chronic systolic (congestive) heart failure",
        "84114007",
        "Heart failure (disorder)"),
    HF_UNSPECIFIED("I50.9", "Heart failure, unspecified", "84114007", "Heart failure (disorder)"),
    ISCHEMIC_CARDIOMYOPATHY(
        "I25.5",
        "Ischemic cardiomyopathy",
        "426856002",
        "Ischemic congestive cardiomyopathy (disorder)"),
    OLD_MI(
        "I25.2",
        "Old myocardial infarction",
        "399211009",
        "History of myocardial infarction (situation)"),
    DILATED_CARDIOMYOPATHY(
        "I42.0", "Dilated cardiomyopathy", "399020009", "Dilated cardiomyopathy (disorder)"),
    MYOCARDITIS("I40.9", "Acute myocarditis, unspecified", "50920009", "Myocarditis (disorder)"),
    AORTIC_STENOSIS(
        "I35.0",
        "Nonrheumatic aortic (valve) stenosis",
        "60573004",
        "Aortic valve stenosis (disorder)"),
    VENTRICULAR_TACHYCARDIA(
        "I47.20",
        "Ventricular tachycardia, unspecified",
        "25569003",
        "Ventricular tachycardia (disorder)"),
    SEPTIC_SHOCK(
        "R65.21", "Severe sepsis with septic shock", "76571007", "Septic shock (disorder)"),
    // Comorbidities the registry does not map: they must show up in the unmapped-codes report.
    TYPE_2_DIABETES(
        "E11.9",
        "Type 2 diabetes mellitus without complications",
        "44054006",
        "Diabetes mellitus type 2 (disorder)"),
    HYPERTENSION(
        "I10",
        "Essential (primary) hypertension",
        "38341003",
        "Hypertensive disorder, systemic arterial (disorder)"),
    ATRIAL_FIBRILLATION(
        "I48.91", "Unspecified atrial fibrillation", "49436004", "Atrial fibrillation (disorder)"),
    CKD_STAGE_3(
        "N18.30",
        "Chronic kidney disease, stage 3 unspecified",
        "433144002",
        "Chronic kidney disease stage 3 (disorder)");

    private static final Diagnosis[] STEMI = {
      STEMI_ANTERIOR, STEMI_INFERIOR, STEMI_OTHER, STEMI_UNSPECIFIED
    };

    final String icd10cm;
    final String icd10cmDisplay;
    final String snomed;
    final String snomedDisplay;

    Diagnosis(String icd10cm, String icd10cmDisplay, String snomed, String snomedDisplay) {
      this.icd10cm = icd10cm;
      this.icd10cmDisplay = icd10cmDisplay;
      this.snomed = snomed;
      this.snomedDisplay = snomedDisplay;
    }

    Coding coding(boolean inSnomed) {
      return inSnomed
          ? new Coding(SNOMED, snomed, snomedDisplay)
          : new Coding(ICD10CM, icd10cm, icd10cmDisplay);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // One patient: the clinical course first, then the resources the site's EHR would send for it.

  private static final class PatientRecord {
    private final Site site;
    private final int number;
    private final SplittableRandom rng;
    private final SourceResourceSink sink;
    private final String patientRef;
    private final String stayId;
    private final String icuId;
    private final String stayRef;
    private final String icuRef;
    private int observationSeq;
    private int conditionSeq;
    private int procedureSeq;

    // Clinical course; instants are epoch milliseconds on whole minutes.
    private boolean male;
    private int ageAtShock;
    private Etiology etiology;
    private boolean dead;
    private boolean diedInHospital;
    private long shockAt;
    private long admitAt;
    private long icuAt;
    private long icuEndAt;
    private long dischargeAt;
    private long deathAt;
    private long followUpAt;
    private long measurementsEndAt;
    private HeartReplacement heartReplacement = HeartReplacement.NONE;
    private long heartReplacementAt;
    private Device firstDevice;
    private Device secondDevice;
    private long firstStart;
    private long firstEnd;
    private long secondStart;
    private long secondEnd;

    PatientRecord(Site site, int number, SplittableRandom rng, SourceResourceSink sink) {
      this.site = site;
      this.number = number;
      this.rng = rng;
      this.sink = sink;
      this.patientRef = "Patient/" + id("pat", number, -1, 0);
      this.stayId = id("enc", number, 1, 2);
      this.icuId = id("enc", number, 2, 2);
      this.stayRef = "Encounter/" + stayId;
      this.icuRef = "Encounter/" + icuId;
    }

    void emit() {
      planCourse();
      planDevices();
      emitPatient();
      emitEncounters();
      emitConditions();
      emitVitalSigns();
      emitLabs();
      emitEchocardiography();
      emitProcedures();
    }

    // --- clinical course ---------------------------------------------------------------------

    private void planCourse() {
      male = chance(0.70);
      // Altshock: median 60, IQR ~50-69 -> normal(60, 14) truncated to the adult range.
      ageAtShock = (int) Math.round(truncatedGaussian(60, 14, 18, 90));
      double e = rng.nextDouble();
      etiology = e < 0.55 ? Etiology.AMI_CS : e < 0.85 ? Etiology.HF_CS : Etiology.OTHER;

      shockAt = BASE + floorMinute((long) (rng.nextDouble() * 365 * DAY));
      // Most shocks are diagnosed on the day of admission; some develop days into the stay.
      admitAt =
          shockAt - (chance(0.7) ? between(20 * MINUTE, 6 * HOUR) : between(6 * HOUR, 5 * DAY));
      icuAt = Math.max(admitAt + 15 * MINUTE, shockAt + between(-3 * HOUR, 4 * HOUR));
      icuEndAt = icuAt + between(2 * DAY, 12 * DAY);

      double h = rng.nextDouble();
      double lvadShare = etiology == Etiology.HF_CS ? 0.10 : 0.02;
      double transplantShare = etiology == Etiology.HF_CS ? 0.05 : 0.01;
      if (h < lvadShare) {
        heartReplacement = HeartReplacement.DURABLE_LVAD;
      } else if (h < lvadShare + transplantShare) {
        heartReplacement = HeartReplacement.TRANSPLANT;
      }
      if (heartReplacement != HeartReplacement.NONE) {
        heartReplacementAt = shockAt + between(4 * DAY, 25 * DAY);
        icuEndAt = Math.max(icuEndAt, heartReplacementAt + between(3 * DAY, 10 * DAY));
      }

      double deathRisk =
          switch (etiology) {
            case AMI_CS -> 0.40;
            case HF_CS -> 0.25;
            case OTHER -> 0.35;
          };
      dead = chance(heartReplacement == HeartReplacement.NONE ? deathRisk : 0.15);
      // Heart replacement patients survive the index stay; late deaths happen after discharge.
      diedInHospital = dead && heartReplacement == HeartReplacement.NONE && chance(0.75);
      if (diedInHospital) {
        deathAt = shockAt + 12 * HOUR + between(0, icuEndAt - shockAt - 12 * HOUR);
        icuEndAt = deathAt;
        dischargeAt = deathAt;
      } else {
        dischargeAt = icuEndAt + between(2 * DAY, 12 * DAY);
        if (dead) {
          deathAt = dischargeAt + between(DAY, 150 * DAY);
        } else if (chance(0.85)) {
          // Survivors are seen at a day-60 to day-120 visit; the rest are lost to follow-up.
          followUpAt = Math.max(dischargeAt + 7 * DAY, shockAt + between(60 * DAY, 120 * DAY));
        }
      }
      measurementsEndAt =
          diedInHospital
              ? Math.min(shockAt + 48 * HOUR, deathAt - 15 * MINUTE)
              : shockAt + 48 * HOUR;
    }

    private void planDevices() {
      // Shares of all patients: IABP 40%, Impella 17%, VA-ECMO 12%, any tMCS 59%, two devices 10%.
      double d = rng.nextDouble();
      if (d < 0.32) {
        firstDevice = Device.IABP;
      } else if (d < 0.43) {
        firstDevice = Device.IMPELLA;
      } else if (d < 0.49) {
        firstDevice = Device.VA_ECMO;
      } else if (d < 0.53) {
        firstDevice = Device.IABP;
        secondDevice = Device.IMPELLA;
      } else if (d < 0.57) {
        firstDevice = Device.IABP;
        secondDevice = Device.VA_ECMO;
      } else if (d < 0.59) {
        // ECMO first, Impella added to unload the left ventricle.
        firstDevice = Device.VA_ECMO;
        secondDevice = Device.IMPELLA;
      } else {
        return;
      }
      long limit = diedInHospital ? deathAt : icuEndAt - HOUR;
      firstStart = shockAt + between(30 * MINUTE, 6 * HOUR);
      firstEnd = Math.min(firstStart + runTime(firstDevice), limit);
      if (secondDevice != null) {
        long latest = Math.min(firstStart + 36 * HOUR, limit - HOUR);
        long earliest = firstStart + (firstDevice == Device.VA_ECMO ? HOUR : 2 * HOUR);
        if (firstDevice == Device.VA_ECMO) {
          latest = Math.min(latest, firstStart + 12 * HOUR);
        }
        secondStart = earliest + between(0, latest - earliest);
        secondEnd = Math.min(secondStart + runTime(secondDevice), limit);
        // An IABP is often pulled when the patient is escalated to an Impella.
        if (firstDevice == Device.IABP && secondDevice == Device.IMPELLA && chance(0.6)) {
          firstEnd = Math.min(firstEnd, secondStart);
        }
      }
    }

    private long runTime(Device device) {
      return switch (device) {
        case IABP -> between(36 * HOUR, 6 * DAY);
        case IMPELLA -> between(2 * DAY, 7 * DAY);
        case VA_ECMO -> between(3 * DAY, 9 * DAY);
      };
    }

    // --- Patient -----------------------------------------------------------------------------

    private void emitPatient() {
      Patient patient = new Patient();
      patient.setId(id("pat", number, -1, 0));
      stamp(patient, dead ? deathAt + 6 * HOUR : admitAt + 30 * MINUTE);
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
      LocalDate shockDate =
          LocalDate.ofInstant(Instant.ofEpochMilli(shockAt), site.zone.toZoneId());
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
      if (site == Site.BOSTON) {
        address.setState("MA");
      }
      if (dead) {
        patient.setDeceased(dateTime(deathAt));
      }
      sink.accept(site.id, patient);
    }

    /** Unique per site: 7919 is coprime with the 90,000,000 values in range. */
    private String medicalRecordNumber() {
      return Long.toString(10_000_000L + Math.floorMod(number * 7919L + 1_234_567L, 90_000_000L));
    }

    // --- Encounters --------------------------------------------------------------------------

    private void emitEncounters() {
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

      // The intensive-care stay: its start is the CICU arrival the registry derives.
      Encounter icu = new Encounter();
      icu.setId(icuId);
      stamp(icu, icuEndAt + HOUR);
      icu.setStatus(Encounter.EncounterStatus.FINISHED);
      icu.setClass_(
          site == Site.BOSTON
              ? new Coding(ACT_CODE, "ACUTE", "inpatient acute")
              : new Coding(ACT_CODE, "IMP", "inpatient encounter"));
      icu.addType(
          site == Site.PARIS
              ? concept(ROLE_CODE, "ICU", "intensive care unit")
              : concept(ROLE_CODE, "CCU", "coronary care unit"));
      icu.setSubject(new Reference(patientRef));
      icu.setPeriod(period(icuAt, icuEndAt));
      icu.setPartOf(new Reference(stayRef));
      sink.accept(site.id, icu);

      if (followUpAt != 0) {
        // Tells the registry the patient was alive at day 60+ (primary endpoint).
        Encounter visit = new Encounter();
        visit.setId(id("enc", number, 3, 2));
        stamp(visit, followUpAt + 2 * HOUR);
        visit.setStatus(Encounter.EncounterStatus.FINISHED);
        visit.setClass_(new Coding(ACT_CODE, "AMB", "ambulatory"));
        visit.addType(concept(SNOMED, "185389009", "Follow-up visit (procedure)"));
        visit.setSubject(new Reference(patientRef));
        visit.setPeriod(period(followUpAt, followUpAt + 30 * MINUTE));
        sink.accept(site.id, visit);
      }
    }

    // --- Conditions --------------------------------------------------------------------------

    private void emitConditions() {
      boolean snomed = site.diagnosesInSnomed();
      condition(
          Diagnosis.CARDIOGENIC_SHOCK.coding(site.shockInSnomed()),
          shockAt,
          false,
          shockAt + between(10 * MINUTE, 6 * HOUR),
          true);
      switch (etiology) {
        case AMI_CS -> {
          Diagnosis mi = chance(0.65) ? Diagnosis.STEMI[rng.nextInt(4)] : Diagnosis.NSTEMI;
          // Mostly hours before the shock; late presenters up to 5 days (rule: 7 days).
          long onset =
              shockAt - (chance(0.9) ? between(0, 36 * HOUR) : between(36 * HOUR, 5 * DAY));
          condition(mi.coding(snomed), onset, false, onset + between(HOUR, 8 * HOUR), true);
          if (chance(0.2)) {
            // Acute HF coded alongside the infarct: etiology must still come out as AMI-CS.
            condition(
                Diagnosis.ACUTE_SYSTOLIC_HF.coding(snomed),
                shockAt,
                false,
                shockAt + between(HOUR, DAY),
                true);
          }
          if (chance(0.15)) {
            chronicCondition(Diagnosis.OLD_MI, snomed, between(2 * 365 * DAY, 15 * 365 * DAY));
          }
        }
        case HF_CS -> emitHeartFailureHistory(snomed);
        case OTHER -> {
          double o = rng.nextDouble();
          Diagnosis cause =
              o < 0.35
                  ? Diagnosis.MYOCARDITIS
                  : o < 0.70 ? Diagnosis.AORTIC_STENOSIS : Diagnosis.VENTRICULAR_TACHYCARDIA;
          long onset = shockAt - between(0, 3 * DAY);
          condition(cause.coding(snomed), onset, false, onset + between(HOUR, DAY), true);
        }
      }
      if (chance(0.02)) {
        // Mixed shock happens; the trial screening must exclude it.
        long onset = shockAt + between(6 * HOUR, 48 * HOUR);
        condition(
            Diagnosis.SEPTIC_SHOCK.coding(snomed),
            onset,
            false,
            onset + between(HOUR, 6 * HOUR),
            true);
      }
      if (chance(0.30)) {
        chronicCondition(Diagnosis.TYPE_2_DIABETES, snomed, between(365 * DAY, 20 * 365 * DAY));
      }
      if (chance(0.45)) {
        chronicCondition(Diagnosis.HYPERTENSION, snomed, between(365 * DAY, 25 * 365 * DAY));
      }
      if (chance(0.20)) {
        chronicCondition(Diagnosis.ATRIAL_FIBRILLATION, snomed, between(60 * DAY, 10 * 365 * DAY));
      }
      if (chance(0.12)) {
        chronicCondition(Diagnosis.CKD_STAGE_3, snomed, between(365 * DAY, 8 * 365 * DAY));
      }
    }

    private void emitHeartFailureHistory(boolean snomed) {
      if (chance(0.55)) {
        // Known chronic HF: diagnosed months to years earlier, so the episode is not de novo.
        Diagnosis chronic = chance(0.6) ? Diagnosis.CHRONIC_SYSTOLIC_HF : Diagnosis.HF_UNSPECIFIED;
        chronicCondition(chronic, snomed, between(60 * DAY, 6 * 365 * DAY));
        if (chance(0.5)) {
          condition(
              Diagnosis.ACUTE_ON_CHRONIC_SYSTOLIC_HF.coding(snomed),
              shockAt - between(0, 12 * HOUR),
              false,
              shockAt + between(HOUR, DAY),
              true);
        }
      } else {
        Diagnosis acute = chance(0.7) ? Diagnosis.ACUTE_SYSTOLIC_HF : Diagnosis.HF_UNSPECIFIED;
        long onset = shockAt - between(0, 24 * HOUR);
        condition(acute.coding(snomed), onset, false, onset + between(HOUR, DAY), true);
      }
      double cause = rng.nextDouble();
      if (cause < 0.22) {
        chronicCondition(
            Diagnosis.ISCHEMIC_CARDIOMYOPATHY, snomed, between(180 * DAY, 8 * 365 * DAY));
      } else if (cause < 0.40) {
        chronicCondition(Diagnosis.OLD_MI, snomed, between(365 * DAY, 15 * 365 * DAY));
      } else if (cause < 0.60) {
        chronicCondition(
            Diagnosis.DILATED_CARDIOMYOPATHY, snomed, between(180 * DAY, 8 * 365 * DAY));
      }
    }

    /** A problem-list entry with a date-only onset, as EHRs send for old diagnoses. */
    private void chronicCondition(Diagnosis diagnosis, boolean snomed, long yearsAgo) {
      long onset = shockAt - yearsAgo;
      condition(diagnosis.coding(snomed), onset, true, onset + between(0, 30 * DAY), false);
    }

    private void condition(
        Coding code, long onsetAt, boolean dateOnly, long recordedAt, boolean encounterDiagnosis) {
      Condition condition = new Condition();
      condition.setId(id("cond", number, ++conditionSeq, 2));
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

    // --- Observations ------------------------------------------------------------------------

    private void emitVitalSigns() {
      int points = 4 + rng.nextInt(5);
      long slot = (measurementsEndAt - shockAt) / points;
      double sbpAtShock = truncatedGaussian(85, 11, 55, 125);
      double hrAtShock = truncatedGaussian(102, 18, 45, 165);
      for (int k = 0; k < points; k++) {
        long at =
            k == 0
                ? shockAt + between(-30 * MINUTE, 15 * MINUTE)
                : shockAt + k * slot + between(0, slot * 8 / 10);
        double f = Math.max(0, (double) (at - shockAt) / (48 * HOUR));
        // Survivors recover their pressure and slow down; non-survivors do not.
        int sbp = clamp(sbpAtShock + (dead ? -8 : 22) * f + 6 * gaussian(), 45, 180);
        int dbp = clamp(sbp * (0.55 + 0.12 * rng.nextDouble()), 25, 110);
        int map = Math.round((sbp + 2f * dbp) / 3f);
        int hr = clamp(hrAtShock + (dead ? 6 : -18) * f + 7 * gaussian(), 40, 180);
        boolean withMap = chance(0.45);
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
        Observation heartRate = observation("vital-signs", at, false);
        heartRate.getCode().addCoding(new Coding(LOINC, "8867-4", "Heart rate"));
        heartRate.setValue(
            quantity(BigDecimal.valueOf(hr), site == Site.BOSTON ? "beats/min" : "/min", "/min"));
        sink.accept(site.id, heartRate);
        if (k == 0 || k == points - 1 || chance(0.3)) {
          emitOxygenSaturation(at);
        }
      }
    }

    /** Panel 85354-9 with no value of its own, like Synthea and most US EHRs send it. */
    private void emitBloodPressurePanel(long at, int sbp, int dbp, int map) {
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

    private void emitPressure(long at, String code, String display, int mmHg, String unit) {
      Observation pressure = observation("vital-signs", at, false);
      pressure.getCode().addCoding(new Coding(LOINC, code, display));
      pressure.setValue(quantity(BigDecimal.valueOf(mmHg), unit, "mm[Hg]"));
      sink.accept(site.id, pressure);
    }

    private void emitOxygenSaturation(long at) {
      Observation spo2 = observation("vital-signs", at, false);
      spo2.getCode().addCoding(new Coding(LOINC, "2708-6", "Oxygen saturation in Arterial blood"));
      if (site == Site.BOSTON) {
        // Synthea-style second coding; neither code feeds a registry variable.
        spo2.getCode()
            .addCoding(
                new Coding(
                    LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"));
      }
      spo2.setValue(quantity(BigDecimal.valueOf(clamp(94 + 3 * gaussian(), 78, 100)), "%", "%"));
      sink.accept(site.id, spo2);
    }

    private void emitLabs() {
      // Lactate: HF-CS often starts below 2 mmol/L, AMI-CS around 4.
      double median =
          switch (etiology) {
            case HF_CS -> dead ? 2.3 : 1.7;
            case AMI_CS -> dead ? 4.8 : 3.6;
            case OTHER -> dead ? 3.8 : 2.8;
          };
      double lactateAtShock = median * Math.exp(0.55 * gaussian());
      int lactates = 2 + rng.nextInt(3);
      long labStart = shockAt + 2 * HOUR;
      long slot = (measurementsEndAt - labStart) / (lactates - 1);
      for (int k = 0; k < lactates; k++) {
        long at =
            k == 0
                ? shockAt + between(-HOUR, 90 * MINUTE)
                : labStart + (k - 1) * slot + between(0, slot * 8 / 10);
        double f = Math.max(0, (double) (at - shockAt) / (48 * HOUR));
        // Clearing in survivors, rising in those who die.
        double trend = Math.exp((dead ? 0.5 : -1.0) * f + 0.08 * gaussian());
        emitLactate(at, bounded(lactateAtShock * trend, 0.4, 25));
      }

      double creatinineAtShock =
          (etiology == Etiology.HF_CS ? 1.6 : 1.3) * Math.exp(0.4 * gaussian());
      long firstCreatinine = shockAt + between(-HOUR, 2 * HOUR);
      emitCreatinine(firstCreatinine, bounded(creatinineAtShock, 0.4, 8));
      long later = shockAt + between(20 * HOUR, 46 * HOUR);
      if (chance(0.5) && later < measurementsEndAt) {
        double trend = 0.85 + 0.55 * rng.nextDouble();
        emitCreatinine(later, bounded(creatinineAtShock * trend, 0.4, 8));
      }

      if (chance(0.6)) {
        // Not a registry variable: it must end up in the unmapped-codes report.
        double ntProBnpMedian = etiology == Etiology.HF_CS ? 9000 : 3500;
        Observation ntProBnp = observation("laboratory", firstCreatinine, true);
        ntProBnp.getCode().addCoding(new Coding(LOINC, "33762-6", NT_PROBNP_DISPLAY));
        long value = Math.round(ntProBnpMedian * Math.exp(0.6 * gaussian()));
        ntProBnp.setValue(quantity(BigDecimal.valueOf(value), "pg/mL", "pg/mL"));
        sink.accept(site.id, ntProBnp);
      }
    }

    private void emitLactate(long at, double mmolPerL) {
      Observation lactate = observation("laboratory", at, true);
      switch (site) {
        case MILANO, PARIS -> {
          // Central lab (serum) or blood gas analyser (whole blood), both in mmol/L.
          boolean bloodGas = chance(site == Site.PARIS ? 0.7 : 0.3);
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

    private void emitCreatinine(long at, double mgPerDl) {
      Observation creatinine = observation("laboratory", at, true);
      if (site == Site.PARIS) {
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

    private void emitEchocardiography() {
      double median =
          switch (etiology) {
            case HF_CS -> 20;
            case AMI_CS -> 30;
            case OTHER -> 35;
          };
      int lvef = clamp(median * Math.exp(0.28 * gaussian()), 8, 65);
      // Usually the admission echo falls in the first hours; sometimes it comes later.
      long first = Math.min(shockAt + between(-2 * HOUR, 8 * HOUR), measurementsEndAt);
      emitLvef(first, lvef);
      long second = shockAt + between(20 * HOUR, 48 * HOUR);
      if (chance(0.4) && second < measurementsEndAt) {
        emitLvef(second, clamp(lvef + 3 * gaussian(), 8, 65));
      }
    }

    private void emitLvef(long at, int percent) {
      // Boston files echo results under laboratory, like Synthea; the others under exam.
      Observation lvef = observation(site == Site.BOSTON ? "laboratory" : "exam", at, false);
      lvef.getCode()
          .addCoding(
              chance(0.2)
                  ? new Coding(LOINC, "18043-0", "Left ventricular Ejection fraction by US")
                  : new Coding(LOINC, "10230-1", "Left ventricular Ejection fraction"));
      double shape = rng.nextDouble();
      if (shape < 0.78) {
        Quantity value = new Quantity().setValue(BigDecimal.valueOf(percent));
        if (site != Site.PARIS || !chance(0.1)) {
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

    private Observation observation(String category, long at, boolean laboratory) {
      Observation observation = new Observation();
      observation.setId(id("obs", number, ++observationSeq, 4));
      // Point-of-care and early lab results sometimes arrive before validation.
      observation.setStatus(
          laboratory && chance(0.04) ? ObservationStatus.PRELIMINARY : ObservationStatus.FINAL);
      observation.addCategory(concept(OBSERVATION_CATEGORY, category, categoryDisplay(category)));
      observation.setSubject(new Reference(patientRef));
      observation.setEncounter(new Reference(at < icuAt ? stayRef : icuRef));
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

    // --- Procedures --------------------------------------------------------------------------

    private void emitProcedures() {
      if (firstDevice != null) {
        emitDeviceTherapy(firstDevice, firstStart, firstEnd);
      }
      if (secondDevice != null) {
        emitDeviceTherapy(secondDevice, secondStart, secondEnd);
      }
      if (heartReplacement != HeartReplacement.NONE) {
        Procedure procedure = procedure(heartReplacementAt, heartReplacementAt + 4 * HOUR);
        procedure.setEncounter(new Reference(stayRef));
        procedure
            .getCode()
            .addCoding(
                heartReplacement == HeartReplacement.DURABLE_LVAD
                    ? new Coding(
                        SNOMED,
                        "232967006",
                        "Implantation of left ventricular assist device (procedure)")
                    : new Coding(SNOMED, "32413006", "Transplantation of heart (procedure)"));
        procedure.setPerformed(dateTime(heartReplacementAt));
        sink.accept(site.id, procedure);
      }
    }

    private void emitDeviceTherapy(Device device, long start, long end) {
      boolean endedByDeath = diedInHospital && end == deathAt;
      // ~20% of IABP therapies: the removal is its own procedure (CPT 33968) days later.
      boolean separateRemoval = device == Device.IABP && !endedByDeath && chance(0.25);
      Procedure therapy = procedure(start, end);
      therapy.getCode().addCoding(deviceCoding(device));
      if (device == Device.VA_ECMO && site == Site.PARIS) {
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

    private Coding deviceCoding(Device device) {
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
            site == Site.BOSTON
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
            site == Site.MILANO
                ? new Coding(SNOMED, "233573008", "Extracorporeal membrane oxygenation (procedure)")
                : new Coding(
                    ICD10PCS,
                    "5A1522G",
                    "Extracorporeal Oxygenation, Membrane, Peripheral Veno-arterial");
      };
    }

    private Procedure procedure(long at, long updatedAfter) {
      Procedure procedure = new Procedure();
      procedure.setId(id("proc", number, ++procedureSeq, 2));
      stamp(procedure, updatedAfter + HOUR);
      procedure.setStatus(Procedure.ProcedureStatus.COMPLETED);
      procedure.setSubject(new Reference(patientRef));
      procedure.setEncounter(new Reference(at < icuAt ? stayRef : icuRef));
      return procedure;
    }

    // --- helpers -----------------------------------------------------------------------------

    private void stamp(Resource resource, long lastUpdatedAt) {
      resource.getMeta().setLastUpdatedElement(instant(lastUpdatedAt));
    }

    /** Local time with the site's offset, as EHRs send it (DST included). */
    private DateTimeType dateTime(long at) {
      return new DateTimeType(new Date(at), TemporalPrecisionEnum.SECOND, site.zone);
    }

    private DateTimeType date(long at) {
      return new DateTimeType(new Date(at), TemporalPrecisionEnum.DAY, site.zone);
    }

    private Period period(long start, long end) {
      return new Period().setStartElement(dateTime(start)).setEndElement(dateTime(end));
    }

    private boolean chance(double p) {
      return rng.nextDouble() < p;
    }

    /** Uniform in [lo, hi], on whole minutes; lo when the interval is empty. */
    private long between(long lo, long hi) {
      return hi <= lo ? lo : lo + floorMinute((long) (rng.nextDouble() * (hi - lo)));
    }

    private <T> T pick(T[] values) {
      return values[rng.nextInt(values.length)];
    }

    /** Box-Muller from the stream's doubles, so results never depend on JDK Gaussian code. */
    private double gaussian() {
      double u = 1.0 - rng.nextDouble();
      double v = rng.nextDouble();
      return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
    }

    private double truncatedGaussian(double mean, double sd, double min, double max) {
      for (int attempt = 0; attempt < 16; attempt++) {
        double x = mean + sd * gaussian();
        if (x >= min && x <= max) {
          return x;
        }
      }
      return mean;
    }
  }

  private static InstantType instant(long at) {
    InstantType instant = new InstantType(new Date(at), TemporalPrecisionEnum.MILLI, UTC);
    instant.setTimeZoneZulu(true);
    return instant;
  }

  private static CodeableConcept concept(String system, String code, String display) {
    return new CodeableConcept().addCoding(new Coding(system, code, display));
  }

  private static Quantity quantity(BigDecimal value, String unit, String ucumCode) {
    return new Quantity().setValue(value).setUnit(unit).setSystem(UCUM).setCode(ucumCode);
  }

  private static BigDecimal decimal(double value, int scale) {
    long unscaled = Math.round(value * Math.pow(10, scale));
    return BigDecimal.valueOf(unscaled, scale);
  }

  private static double bounded(double value, double min, double max) {
    return Math.max(min, Math.min(max, value));
  }

  private static int clamp(double value, int min, int max) {
    return (int) Math.max(min, Math.min(max, Math.round(value)));
  }

  private static long floorMinute(long millis) {
    return Math.floorDiv(millis, MINUTE) * MINUTE;
  }

  private static String twoDigits(int value) {
    return value < 10 ? "0" + value : Integer.toString(value);
  }

  /** {@code prefix-000123} or {@code prefix-000123-0007}: only [A-Za-z0-9-], well under 64. */
  private static String id(String prefix, int patient, int seq, int seqDigits) {
    StringBuilder sb = new StringBuilder(24).append(prefix).append('-');
    zeroPad(sb, patient, 6);
    if (seq >= 0) {
      zeroPad(sb.append('-'), seq, seqDigits);
    }
    return sb.toString();
  }

  private static void zeroPad(StringBuilder sb, int value, int digits) {
    String text = Integer.toString(value);
    for (int i = text.length(); i < digits; i++) {
      sb.append('0');
    }
    sb.append(text);
  }
}
