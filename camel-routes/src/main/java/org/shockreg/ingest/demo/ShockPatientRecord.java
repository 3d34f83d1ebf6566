package org.shockreg.ingest.demo;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.shockreg.ingest.demo.SyntheticCohortGenerator.SourceResourceSink;

/**
 * One patient of the synthetic cardiogenic-shock cohort ({@link SyntheticCohortGenerator}): plans
 * the clinical course from the patient's own random stream, then emits the resources its site's EHR
 * would send for it.
 */
final class ShockPatientRecord extends SourceRecord {

  private static final String NT_PROBNP_DISPLAY =
      "Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma";

  /** 2025-01-01T00:00:00Z: shocks fall within the year after it, follow-up at most mid-2026. */
  private static final long BASE = 1_735_689_600_000L;

  private enum Etiology {
    AMI_CS,
    HF_CS,
    OTHER
  }

  private enum HeartReplacement {
    NONE,
    DURABLE_LVAD,
    TRANSPLANT
  }

  // Clinical course (shockAt and icuAt are SourceRecord's); instants on whole minutes.
  private boolean male;
  private int ageAtShock;
  private Etiology etiology;
  private boolean dead;
  private boolean diedInHospital;
  private long admitAt;
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

  ShockPatientRecord(DemoSite site, int number, SplittableRandom rng, SourceResourceSink sink) {
    super(site, number, "", rng, sink);
  }

  void emit() {
    planCourse();
    planDevices();
    emitPatient(male, ageAtShock, dead, deathAt, dead ? deathAt + 6 * HOUR : admitAt + 30 * MINUTE);
    emitStay(admitAt, dischargeAt, diedInHospital);
    emitIcuStay(icuEndAt);
    if (followUpAt != 0) {
      // Tells the registry the patient was alive at day 60+ (primary endpoint).
      emitFollowUpVisit(followUpAt);
    }
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
    admitAt = shockAt - (chance(0.7) ? between(20 * MINUTE, 6 * HOUR) : between(6 * HOUR, 5 * DAY));
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
        diedInHospital ? Math.min(shockAt + 48 * HOUR, deathAt - 15 * MINUTE) : shockAt + 48 * HOUR;
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

  // --- Conditions --------------------------------------------------------------------------

  private void emitConditions() {
    boolean snomed = site.diagnosesInSnomed();
    conditions.emitCardiogenicShock(6 * HOUR);
    switch (etiology) {
      case AMI_CS -> {
        DemoDiagnosis mi =
            chance(0.65) ? DemoDiagnosis.STEMI[rng.nextInt(4)] : DemoDiagnosis.NSTEMI;
        // Mostly hours before the shock; late presenters up to 5 days (rule: 7 days).
        long onset = shockAt - (chance(0.9) ? between(0, 36 * HOUR) : between(36 * HOUR, 5 * DAY));
        conditions.condition(
            mi.coding(snomed), onset, false, onset + between(HOUR, 8 * HOUR), true);
        if (chance(0.2)) {
          // Acute HF coded alongside the infarct: etiology must still come out as AMI-CS.
          conditions.condition(
              DemoDiagnosis.ACUTE_SYSTOLIC_HF.coding(snomed),
              shockAt,
              false,
              shockAt + between(HOUR, DAY),
              true);
        }
        if (chance(0.15)) {
          conditions.chronicCondition(
              DemoDiagnosis.OLD_MI, snomed, between(2 * 365 * DAY, 15 * 365 * DAY));
        }
      }
      case HF_CS -> conditions.emitHeartFailureHistory(snomed);
      case OTHER -> {
        double o = rng.nextDouble();
        DemoDiagnosis cause =
            o < 0.35
                ? DemoDiagnosis.MYOCARDITIS
                : o < 0.70 ? DemoDiagnosis.AORTIC_STENOSIS : DemoDiagnosis.VENTRICULAR_TACHYCARDIA;
        long onset = shockAt - between(0, 3 * DAY);
        conditions.condition(cause.coding(snomed), onset, false, onset + between(HOUR, DAY), true);
      }
    }
    if (chance(0.02)) {
      // Mixed shock happens; the trial screening must exclude it.
      long onset = shockAt + between(6 * HOUR, 48 * HOUR);
      conditions.condition(
          DemoDiagnosis.SEPTIC_SHOCK.coding(snomed),
          onset,
          false,
          onset + between(HOUR, 6 * HOUR),
          true);
    }
    conditions.emitComorbidities(snomed);
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
      observations.emitBloodPressure(at, sbp, dbp, map, withMap);
      observations.emitHeartRate(at, hr);
      if (k == 0 || k == points - 1 || chance(0.3)) {
        observations.emitOxygenSaturation(at);
      }
    }
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
      observations.emitLactate(at, bounded(lactateAtShock * trend, 0.4, 25));
    }

    double creatinineAtShock =
        (etiology == Etiology.HF_CS ? 1.6 : 1.3) * Math.exp(0.4 * gaussian());
    long firstCreatinine = shockAt + between(-HOUR, 2 * HOUR);
    observations.emitCreatinine(firstCreatinine, bounded(creatinineAtShock, 0.4, 8));
    long later = shockAt + between(20 * HOUR, 46 * HOUR);
    if (chance(0.5) && later < measurementsEndAt) {
      double trend = 0.85 + 0.55 * rng.nextDouble();
      observations.emitCreatinine(later, bounded(creatinineAtShock * trend, 0.4, 8));
    }

    if (chance(0.6)) {
      // Not a registry variable: it must end up in the unmapped-codes report.
      double ntProBnpMedian = etiology == Etiology.HF_CS ? 9000 : 3500;
      Observation ntProBnp = observations.observation("laboratory", firstCreatinine, true);
      ntProBnp.getCode().addCoding(new Coding(LOINC, "33762-6", NT_PROBNP_DISPLAY));
      long value = Math.round(ntProBnpMedian * Math.exp(0.6 * gaussian()));
      ntProBnp.setValue(quantity(BigDecimal.valueOf(value), "pg/mL", "pg/mL"));
      sink.accept(site.id, ntProBnp);
    }
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
    observations.emitLvef(first, lvef);
    long second = shockAt + between(20 * HOUR, 48 * HOUR);
    if (chance(0.4) && second < measurementsEndAt) {
      observations.emitLvef(second, clamp(lvef + 3 * gaussian(), 8, 65));
    }
  }

  // --- Procedures --------------------------------------------------------------------------

  private boolean endedByDeath(long end) {
    return diedInHospital && end == deathAt;
  }

  private void emitProcedures() {
    if (firstDevice != null) {
      procedures.emitDeviceTherapy(firstDevice, firstStart, firstEnd, endedByDeath(firstEnd));
    }
    if (secondDevice != null) {
      procedures.emitDeviceTherapy(secondDevice, secondStart, secondEnd, endedByDeath(secondEnd));
    }
    if (heartReplacement != HeartReplacement.NONE) {
      procedures.emitHeartReplacement(
          heartReplacement == HeartReplacement.DURABLE_LVAD, heartReplacementAt);
    }
  }
}
