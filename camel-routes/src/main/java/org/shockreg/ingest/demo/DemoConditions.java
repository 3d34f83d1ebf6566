package org.shockreg.ingest.demo;

import static org.shockreg.ingest.demo.SourceRecord.CONDITION_CATEGORY;
import static org.shockreg.ingest.demo.SourceRecord.CONDITION_CLINICAL;
import static org.shockreg.ingest.demo.SourceRecord.CONDITION_VERIFICATION;
import static org.shockreg.ingest.demo.SourceRecord.DAY;
import static org.shockreg.ingest.demo.SourceRecord.HOUR;
import static org.shockreg.ingest.demo.SourceRecord.MINUTE;
import static org.shockreg.ingest.demo.SourceRecord.concept;

import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Reference;

/**
 * Conditions of one synthetic patient's source record: the shock, its cause and the problem list,
 * coded in the site's dialect (SNOMED CT or ICD-10-CM).
 */
final class DemoConditions {

  private final SourceRecord r;
  private int conditionSeq;

  DemoConditions(SourceRecord record) {
    this.r = record;
  }

  /**
   * The cardiogenic shock itself: an encounter diagnosis recorded within {@code recordedWithin}.
   */
  void emitCardiogenicShock(long recordedWithin) {
    condition(
        DemoDiagnosis.CARDIOGENIC_SHOCK.coding(r.site.shockInSnomed()),
        r.shockAt,
        false,
        r.shockAt + r.between(10 * MINUTE, recordedWithin),
        true);
  }

  /**
   * Heart failure as the cause of the shock: known chronic HF (55%, sometimes decompensated) or
   * acute HF, and its cause on the problem list: ischemic cardiomyopathy 22%, prior MI 18% (so 40%
   * ischemic), dilated cardiomyopathy 20%, none recorded 20%.
   */
  void emitHeartFailureHistory(boolean snomed) {
    if (r.chance(0.55)) {
      // Known chronic HF: diagnosed months to years earlier, so the episode is not de novo.
      DemoDiagnosis chronic =
          r.chance(0.6) ? DemoDiagnosis.CHRONIC_SYSTOLIC_HF : DemoDiagnosis.HF_UNSPECIFIED;
      chronicCondition(chronic, snomed, r.between(60 * DAY, 6 * 365 * DAY));
      if (r.chance(0.5)) {
        condition(
            DemoDiagnosis.ACUTE_ON_CHRONIC_SYSTOLIC_HF.coding(snomed),
            r.shockAt - r.between(0, 12 * HOUR),
            false,
            r.shockAt + r.between(HOUR, DAY),
            true);
      }
    } else {
      DemoDiagnosis acute =
          r.chance(0.7) ? DemoDiagnosis.ACUTE_SYSTOLIC_HF : DemoDiagnosis.HF_UNSPECIFIED;
      long onset = r.shockAt - r.between(0, 24 * HOUR);
      condition(acute.coding(snomed), onset, false, onset + r.between(HOUR, DAY), true);
    }
    double cause = r.rng.nextDouble();
    if (cause < 0.22) {
      chronicCondition(
          DemoDiagnosis.ISCHEMIC_CARDIOMYOPATHY, snomed, r.between(180 * DAY, 8 * 365 * DAY));
    } else if (cause < 0.40) {
      chronicCondition(DemoDiagnosis.OLD_MI, snomed, r.between(365 * DAY, 15 * 365 * DAY));
    } else if (cause < 0.60) {
      chronicCondition(
          DemoDiagnosis.DILATED_CARDIOMYOPATHY, snomed, r.between(180 * DAY, 8 * 365 * DAY));
    }
  }

  /** Common comorbidities the registry does not map (they land in the unmapped-codes report). */
  void emitComorbidities(boolean snomed) {
    if (r.chance(0.30)) {
      chronicCondition(DemoDiagnosis.TYPE_2_DIABETES, snomed, r.between(365 * DAY, 20 * 365 * DAY));
    }
    if (r.chance(0.45)) {
      chronicCondition(DemoDiagnosis.HYPERTENSION, snomed, r.between(365 * DAY, 25 * 365 * DAY));
    }
    if (r.chance(0.20)) {
      chronicCondition(
          DemoDiagnosis.ATRIAL_FIBRILLATION, snomed, r.between(60 * DAY, 10 * 365 * DAY));
    }
    if (r.chance(0.12)) {
      chronicCondition(DemoDiagnosis.CKD_STAGE_3, snomed, r.between(365 * DAY, 8 * 365 * DAY));
    }
  }

  /** A problem-list entry with a date-only onset, as EHRs send for old diagnoses. */
  void chronicCondition(DemoDiagnosis diagnosis, boolean snomed, long yearsAgo) {
    long onset = r.shockAt - yearsAgo;
    condition(diagnosis.coding(snomed), onset, true, onset + r.between(0, 30 * DAY), false);
  }

  void condition(
      Coding code, long onsetAt, boolean dateOnly, long recordedAt, boolean encounterDiagnosis) {
    Condition condition = new Condition();
    condition.setId(r.ownId("cond", ++conditionSeq, 2));
    r.stamp(condition, recordedAt + HOUR);
    condition.setClinicalStatus(concept(CONDITION_CLINICAL, "active", "Active"));
    condition.setVerificationStatus(concept(CONDITION_VERIFICATION, "confirmed", "Confirmed"));
    condition.addCategory(
        encounterDiagnosis
            ? concept(CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")
            : concept(CONDITION_CATEGORY, "problem-list-item", "Problem List Item"));
    condition.getCode().addCoding(code);
    condition.setSubject(new Reference(r.patientRef));
    if (encounterDiagnosis) {
      condition.setEncounter(new Reference(r.stayRef));
    }
    condition.setOnset(dateOnly ? r.date(onsetAt) : r.dateTime(onsetAt));
    condition.setRecordedDateElement(r.dateTime(recordedAt));
    r.sink.accept(r.site.id, condition);
  }
}
