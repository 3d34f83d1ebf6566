package org.shockreg.registry.store;

import static org.shockreg.registry.store.FactColumns.curatedColumns;
import static org.shockreg.registry.store.FactColumns.precisions;
import static org.shockreg.registry.store.FactColumns.texts;
import static org.shockreg.registry.store.FactColumns.times;
import static org.shockreg.registry.store.FactStatements.batchUpsert;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.shockreg.registry.curated.DiagnosisFact;
import org.springframework.jdbc.core.JdbcTemplate;

/** The diagnosis table: diagnoses curated from source Conditions. */
final class DiagnosisRows {

  private DiagnosisRows() {}

  static void upsert(JdbcTemplate jdbc, ObjectMapper json, List<DiagnosisFact> diagnoses) {
    batchUpsert(
        jdbc,
        // One line of SQL as before: each \ joins the next line.
        """
        INSERT INTO diagnosis (condition_id, patient_id, site_id, category, clinical_status,\
         verification_status, onset_at, recorded_at, abated_at, codings, flags,\
         source_type, source_id, source_version, raw_id, onset_precision, recorded_precision,\
         abated_precision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?)\
         ON CONFLICT (condition_id) DO UPDATE SET patient_id = EXCLUDED.patient_id,\
         category = EXCLUDED.category, clinical_status = EXCLUDED.clinical_status,\
         verification_status = EXCLUDED.verification_status,\
         onset_at = EXCLUDED.onset_at, recorded_at = EXCLUDED.recorded_at,\
         abated_at = EXCLUDED.abated_at, onset_precision = EXCLUDED.onset_precision,\
         recorded_precision = EXCLUDED.recorded_precision,\
         abated_precision = EXCLUDED.abated_precision, codings = EXCLUDED.codings,\
         flags = EXCLUDED.flags, source_version = EXCLUDED.source_version,\
         raw_id = EXCLUDED.raw_id, last_updated = now()\
        """,
        diagnoses,
        (ps, d) -> {
          texts(
              ps,
              1,
              d.conditionId(),
              d.patientId(),
              d.source().siteId(),
              d.category(),
              d.clinicalStatus(),
              d.verificationStatus());
          times(ps, 7, d.onsetAt(), d.recordedAt(), d.abatedAt());
          curatedColumns(ps, 10, json, d.codings(), d.flags(), d.source());
          precisions(ps, 16, d.onsetPrecision(), d.recordedPrecision(), d.abatedPrecision());
        });
  }
}
