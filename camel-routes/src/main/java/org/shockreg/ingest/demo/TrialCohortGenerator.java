package org.shockreg.ingest.demo;

import java.util.Objects;
import java.util.SplittableRandom;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.shockreg.ingest.demo.SyntheticCohortGenerator.SourceResourceSink;

/**
 * The demo's ALTSHOCK-2 trial: HF-related cardiogenic-shock patients who meet the automatable
 * criteria of {@code studies/altshock-2.yaml} and were randomized, each sent as a complete source
 * record (in its site's dialect, see {@link SourceRecord}) followed by the randomization as an
 * incoming {@code ResearchSubject}, so screening, timing and the day-60 endpoint are all derived by
 * the registry from what the hospitals send.
 *
 * <p>Figures after the trial's interim analysis (futility): age median about 60, LVEF about 20 %,
 * about 60 % non-ischemic, SBP about 88 mmHg, lactate median below 2 mmol/L; CICU arrival, shock
 * diagnosis about 4 h later, randomization about 4 h after that (always within the 6 h window);
 * IABP a median 2.5 h after randomization in the early arm, some control patients escalated to tMCS
 * (within 8 h or later); day-60 success about 78 % in both arms: 20 % die by day 60, 5 % are
 * bridged to a durable LVAD or a heart transplant, 4 % are lost to follow-up before day 60.
 *
 * <p>Deterministic like the base cohort: each subject draws from its own stream of (seed, subject
 * number), arms are permuted blocks of two, so n subjects are a prefix of n + k. Shocks fall
 * between 2025-02-01 and 2026-05-27, so every day 60 and follow-up visit lies before 2026-11.
 */
public final class TrialCohortGenerator {

  public static final String STUDY_ID = "altshock-2";
  public static final String EARLY_IABP = "early-iabp";
  public static final String STANDARD_CARE = "standard-care";

  /** Resource ids of the trial patients start with this (the base cohort's have no prefix). */
  public static final String ID_PREFIX = "trial-";

  private static final long MINUTE = SourceRecord.MINUTE;
  private static final long HOUR = SourceRecord.HOUR;
  private static final long DAY = SourceRecord.DAY;

  /** 2025-02-01T00:00:00Z, the first shock; the last one 480 days later. */
  private static final long FIRST_SHOCK = 1_738_368_000_000L;

  private static final long ENROLMENT_DAYS = 480;
  private static final long PATIENT_SALT = 0x5DEECE66DL;
  private static final long BLOCK_SALT = 0x2545F4914F6CDD1DL;
  private static final DemoSite[] SITES = DemoSite.values();

  private final long seed;

  public TrialCohortGenerator(long seed) {
    this.seed = seed;
  }

  /**
   * Emits {@code subjects} randomized patients, dealt round-robin to the demo sites. Per patient:
   * Patient, Encounters, Conditions, Observations, Procedures, then its ResearchSubject.
   */
  public void generate(int subjects, SourceResourceSink sink) {
    if (subjects < 0) {
      throw new IllegalArgumentException("subjects must not be negative: " + subjects);
    }
    Objects.requireNonNull(sink, "sink");
    for (int i = 0; i < subjects; i++) {
      int number = i + 1;
      SplittableRandom rng =
          new SplittableRandom(
              SourceRecord.mix64((seed ^ PATIENT_SALT) + 0x9E3779B97F4A7C15L * number));
      new TrialRecord(SITES[i % SITES.length], number, rng, sink, arm(i)).emit();
    }
  }

  /** Permuted blocks of two: each pair of consecutive subjects gets one of each arm. */
  String arm(int index) {
    long block = index / 2;
    boolean earlyFirst = (SourceRecord.mix64((seed ^ BLOCK_SALT) + block) & 1) == 0;
    return (index % 2 == 0) == earlyFirst ? EARLY_IABP : STANDARD_CARE;
  }

  /** How the subject's day 60 comes out, as the generator plans it (the registry derives it). */
  enum Outcome {
    ALIVE,
    FAILURE,
    RESCUE,
    INCOMPLETE
  }

  private static final class TrialRecord extends SourceRecord {
    private final String arm;
    // Clinical course; instants are epoch milliseconds on whole minutes.
    private boolean male;
    private int ageAtShock;
    private long admitAt;
    private long randomizedAt;
    private long icuEndAt;
    private long dischargeAt;
    private long measurementsEndAt;
    private Outcome outcome;
    private long deathAt;
    private long followUpAt;
    private long rescueAt;
    private boolean durableLvad;
    private boolean diedInHospital;
    private int sbpAtShock;
    private double lactateAtShock;

    TrialRecord(
        DemoSite site, int number, SplittableRandom rng, SourceResourceSink sink, String arm) {
      super(site, number, ID_PREFIX, rng, sink);
      this.arm = arm;
    }

    /** Trial MRNs differ from the base cohort's by their letter, so no two patients collide. */
    @Override
    String medicalRecordNumber() {
      return "T" + super.medicalRecordNumber();
    }

    /** Facts from the follow-up visit on are filed under that visit. */
    @Override
    String encounterAt(long at) {
      return followUpAt != 0 && at >= followUpAt
          ? "Encounter/" + ownId("enc", 3, 2)
          : super.encounterAt(at);
    }

    void emit() {
      planCourse();
      planOutcome();
      emitPatient(male, ageAtShock, deathAt != 0, deathAt, Math.max(dischargeAt, deathAt) + HOUR);
      emitStay(admitAt, dischargeAt, diedInHospital);
      emitIcuStay(icuEndAt);
      emitConditions();
      emitBaseline();
      emitAfterRandomization();
      emitDevices();
      if (followUpAt != 0) {
        emitFollowUpVisit(followUpAt);
        // The visit's vitals are what tells the registry the patient was alive then.
        int sbp = clamp(truncatedGaussian(108, 12, 85, 140), 85, 140);
        observations.emitBloodPressure(
            followUpAt + 10 * MINUTE, sbp, clamp(sbp * 0.62, 50, 90), -1, false);
        observations.emitHeartRate(
            followUpAt + 10 * MINUTE, clamp(truncatedGaussian(76, 10, 50, 110), 50, 110));
      }
      emitResearchSubject();
    }

    // --- clinical course ---------------------------------------------------------------------

    private void planCourse() {
      male = chance(0.78);
      // 18-75 at diagnosis by the registry's (UTC) calendar, whatever the site's offset.
      ageAtShock = (int) Math.round(truncatedGaussian(60, 10, 19, 74));
      shockAt = FIRST_SHOCK + floorMinute((long) (rng.nextDouble() * ENROLMENT_DAYS * DAY));
      // CICU arrival, then shock diagnosed ~4 h later, randomized ~4 h after that (window: 6 h).
      icuAt =
          shockAt - floorMinute((long) (bounded(4 * Math.exp(0.45 * gaussian()), 1, 10) * HOUR));
      admitAt = icuAt - between(20 * MINUTE, 8 * HOUR);
      randomizedAt =
          shockAt + floorMinute((long) (bounded(4 * Math.exp(0.3 * gaussian()), 1, 5.75) * HOUR));
      icuEndAt = randomizedAt + between(2 * DAY, 10 * DAY);
      dischargeAt = icuEndAt + between(2 * DAY, 12 * DAY);
    }

    /** The day-60 fate: every later time is fitted to it (death, rescue, last follow-up). */
    private void planOutcome() {
      long day60 = randomizedAt + 60 * DAY;
      double u = rng.nextDouble();
      outcome =
          u < 0.04
              ? Outcome.INCOMPLETE
              : u < 0.09 ? Outcome.RESCUE : u < 0.29 ? Outcome.FAILURE : Outcome.ALIVE;
      switch (outcome) {
        case FAILURE -> {
          deathAt = randomizedAt + between(12 * HOUR, 58 * DAY);
          diedInHospital = deathAt <= dischargeAt || chance(0.6);
          if (diedInHospital) {
            icuEndAt = Math.min(icuEndAt, deathAt);
            dischargeAt = deathAt;
          }
        }
        case RESCUE -> {
          durableLvad = chance(0.65);
          rescueAt = randomizedAt + between(5 * DAY, 40 * DAY);
          icuEndAt = Math.max(icuEndAt, rescueAt + between(3 * DAY, 8 * DAY));
          dischargeAt = icuEndAt + between(5 * DAY, 15 * DAY);
          if (chance(0.25)) {
            // Dies later all the same: still a success, the rescue came first.
            deathAt = Math.max(dischargeAt, rescueAt + 2 * DAY) + between(DAY, 60 * DAY);
          } else {
            followUpAt = Math.max(dischargeAt, day60) + between(DAY, 30 * DAY);
          }
        }
        case INCOMPLETE -> {
          // Lost to follow-up: nothing known from before day 60 on, and no death recorded.
          dischargeAt = Math.min(dischargeAt, day60 - 20 * DAY);
          icuEndAt = Math.min(icuEndAt, dischargeAt - DAY);
        }
        case ALIVE -> {
          followUpAt = day60 + between(DAY, 40 * DAY);
          if (chance(0.08)) {
            deathAt = followUpAt + between(5 * DAY, 60 * DAY);
          }
        }
      }
      measurementsEndAt = shockAt + 48 * HOUR;
      if (deathAt != 0) {
        measurementsEndAt = Math.min(measurementsEndAt, deathAt - 15 * MINUTE);
      }
    }

    // --- resources ---------------------------------------------------------------------------

    private void emitConditions() {
      boolean snomed = site.diagnosesInSnomed();
      conditions.emitCardiogenicShock(2 * HOUR);
      conditions.emitHeartFailureHistory(snomed);
      conditions.emitComorbidities(snomed);
    }

    /**
     * Up to randomization: vitals at CICU arrival, at diagnosis (the baseline) and halfway to
     * randomization; lactate, creatinine and the echo around diagnosis. Hypotension (SBP < 90) or
     * lactate > 2 always holds, SCAI stays below E (SBP >= 62, lactate < 8, no device).
     */
    private void emitBaseline() {
      int sbp = clamp(truncatedGaussian(88, 9, 66, 112), 66, 112);
      double lactate = bounded(1.8 * Math.exp(0.45 * gaussian()), 0.6, 7.0);
      boolean qualifies = sbp < 90 || lactate >= 2.2;
      vitals(icuAt + between(5 * MINUTE, 20 * MINUTE), clamp(sbp + 8 + 6 * gaussian(), 70, 130));
      vitals(shockAt + between(-15 * MINUTE, 15 * MINUTE), sbp);
      long mid = shockAt + (randomizedAt - shockAt) / 2;
      vitals(mid, qualifies ? clamp(sbp + 5 * gaussian(), 64, 120) : 80 + rng.nextInt(10));
      observations.emitLactate(shockAt + between(-60 * MINUTE, 30 * MINUTE), lactate);
      double creatinine = bounded(1.5 * Math.exp(0.35 * gaussian()), 0.5, 5);
      observations.emitCreatinine(shockAt + between(-60 * MINUTE, 30 * MINUTE), creatinine);
      // LVEF <= 30 keeps even a 5-point band or "p-(p+5) %" text at <= 35 % once curated.
      int lvef = clamp(20 * Math.exp(0.22 * gaussian()), 10, 30);
      observations.emitLvef(
          shockAt + between(-2 * HOUR, randomizedAt - shockAt - 20 * MINUTE), lvef);
      lactateAtShock = lactate;
      sbpAtShock = sbp;
    }

    /** The first two days after randomization: survivors recover, those who die do not. */
    private void emitAfterRandomization() {
      boolean dies = outcome == Outcome.FAILURE;
      for (long offset : new long[] {2 * HOUR, 8 * HOUR, 20 * HOUR, 40 * HOUR}) {
        long at = randomizedAt + offset + between(0, HOUR);
        if (at >= measurementsEndAt) {
          break;
        }
        double f = (double) (at - shockAt) / (48 * HOUR);
        boolean inScaiWindow = at - shockAt <= 6 * HOUR;
        int sbp =
            clamp(sbpAtShock + (dies ? -6 : 20) * f + 5 * gaussian(), inScaiWindow ? 64 : 55, 150);
        vitals(at, sbp);
        if (offset == 8 * HOUR || offset == 40 * HOUR) {
          double trend = Math.exp((dies ? 0.4 : -0.8) * f + 0.08 * gaussian());
          observations.emitLactate(at, bounded(lactateAtShock * trend, 0.4, 20));
        }
      }
    }

    private void vitals(long at, int sbp) {
      int dbp = clamp(sbp * (0.55 + 0.12 * rng.nextDouble()), 35, 100);
      int map = Math.round((sbp + 2f * dbp) / 3f);
      observations.emitBloodPressure(at, sbp, dbp, map, chance(0.45));
      observations.emitHeartRate(at, clamp(truncatedGaussian(98, 15, 55, 150), 55, 150));
    }

    /**
     * Early arm: IABP a median 2.5 h after randomization. Control arm: 20 % escalated to tMCS
     * within 8 h, 15 % later. Some early-arm patients get an Impella on top. Heart replacement
     * last.
     */
    private void emitDevices() {
      long limit = diedInHospital ? deathAt : icuEndAt - HOUR;
      if (EARLY_IABP.equals(arm)) {
        double hours = bounded(2.5 * Math.exp(0.5 * gaussian()), 0.4, 5.5);
        long start = randomizedAt + floorMinute((long) (hours * HOUR));
        device(Device.IABP, start, limit);
        if (chance(0.10)) {
          device(Device.IMPELLA, start + between(12 * HOUR, 72 * HOUR), limit);
        }
      } else {
        double e = rng.nextDouble();
        if (e < 0.20) {
          Device rescue = chance(0.6) ? Device.IMPELLA : Device.IABP;
          device(rescue, randomizedAt + between(HOUR, 7 * HOUR + 30 * MINUTE), limit);
        } else if (e < 0.35) {
          Device late = chance(0.5) ? Device.IABP : Device.IMPELLA;
          device(late, randomizedAt + between(9 * HOUR, 72 * HOUR), limit);
        }
      }
      if (outcome == Outcome.RESCUE) {
        procedures.emitHeartReplacement(durableLvad, rescueAt);
      }
    }

    private void device(Device device, long start, long limit) {
      if (start >= limit - HOUR) {
        return;
      }
      long end = Math.min(start + between(36 * HOUR, 6 * DAY), limit);
      procedures.emitDeviceTherapy(device, start, end, diedInHospital && end == deathAt);
    }

    /** The randomization as the trial's system sends it: arm and time, on study. */
    private void emitResearchSubject() {
      ResearchSubject subject = new ResearchSubject();
      subject.setId(ownId("rs", -1, 0));
      stamp(subject, randomizedAt + 5 * MINUTE);
      subject.setStatus(ResearchSubject.ResearchSubjectStatus.ONSTUDY);
      subject.setStudy(new Reference("ResearchStudy/" + STUDY_ID));
      subject.setIndividual(new Reference(patientRef));
      subject.setAssignedArm(arm);
      subject.setPeriod(new Period().setStartElement(dateTime(randomizedAt)));
      sink.accept(site.id, subject);
    }
  }
}
