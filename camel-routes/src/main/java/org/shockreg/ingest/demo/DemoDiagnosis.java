package org.shockreg.ingest.demo;

import static org.shockreg.ingest.demo.SourceRecord.ICD10CM;
import static org.shockreg.ingest.demo.SourceRecord.SNOMED;

import org.hl7.fhir.r4.model.Coding;

/** A diagnosis as ICD-10-CM and as SNOMED CT; the site decides which one it sends. */
enum DemoDiagnosis {
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
  SEPTIC_SHOCK("R65.21", "Severe sepsis with septic shock", "76571007", "Septic shock (disorder)"),
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

  static final DemoDiagnosis[] STEMI = {
    STEMI_ANTERIOR, STEMI_INFERIOR, STEMI_OTHER, STEMI_UNSPECIFIED
  };

  final String icd10cm;
  final String icd10cmDisplay;
  final String snomed;
  final String snomedDisplay;

  DemoDiagnosis(String icd10cm, String icd10cmDisplay, String snomed, String snomedDisplay) {
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
