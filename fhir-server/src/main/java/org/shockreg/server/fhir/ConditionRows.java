package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.RegistryCodeSystems.DIAGNOSIS_CATEGORY;

import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.mappings.rules.RuleFiles.DiagnosisCategoryRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.server.profile.RegistryProfiles;
import org.springframework.jdbc.core.RowMapper;

/**
 * Diagnosis rows ({@code diagnosis}) as FHIR Condition: the category coding first, clinical and
 * verification status, times.
 */
final class ConditionRows {

  static final String COLUMNS =
      "condition_id, patient_id, category, clinical_status, verification_status,"
          + " onset_at, recorded_at, abated_at, codings::text AS codings, flags, last_updated,"
          + " site_id, onset_precision, recorded_precision, abated_precision";

  private final RuleSet rules;
  private final CuratedRowValues values;

  ConditionRows(RuleSet rules, CuratedRowValues values) {
    this.rules = rules;
    this.values = values;
  }

  RowMapper<Condition> rows() {
    return (rs, i) -> {
      Condition c = new Condition();
      c.setId(rs.getString("condition_id"));
      CuratedRowValues.meta(c, rs, rs.getArray("flags"));
      c.getMeta().addProfile(RegistryProfiles.DIAGNOSIS);
      String clinical = rs.getString("clinical_status");
      if (clinical != null) {
        c.getClinicalStatus()
            .addCoding(
                CuratedRowValues.coding(
                    "http://terminology.hl7.org/CodeSystem/condition-clinical", clinical, null));
      }
      String verification = rs.getString("verification_status");
      if (verification != null) {
        c.getVerificationStatus()
            .addCoding(
                CuratedRowValues.coding(
                    "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    verification,
                    null));
      }
      String category = rs.getString("category");
      String display =
          rules.diagnosisCategories().stream()
              .filter(r -> r.category().equals(category))
              .map(DiagnosisCategoryRule::display)
              .findFirst()
              .orElse(null);
      c.getCode().addCoding(CuratedRowValues.coding(DIAGNOSIS_CATEGORY, category, display));
      values.addCodings(c.getCode(), rs.getString("codings"));
      c.setSubject(new Reference("Patient/" + rs.getString("patient_id")));
      DateTimeType onset = values.time(rs, "onset_at", "onset_precision");
      if (onset != null) {
        c.setOnset(onset);
      }
      DateTimeType recorded = values.time(rs, "recorded_at", "recorded_precision");
      if (recorded != null) {
        c.setRecordedDateElement(recorded);
      }
      DateTimeType abated = values.time(rs, "abated_at", "abated_precision");
      if (abated != null) {
        c.setAbatement(abated);
      }
      return c;
    };
  }
}
