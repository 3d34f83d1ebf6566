package org.shockreg.registry.store;

import static org.shockreg.registry.store.FactColumns.curatedColumns;
import static org.shockreg.registry.store.FactColumns.precisions;
import static org.shockreg.registry.store.FactColumns.texts;
import static org.shockreg.registry.store.FactColumns.times;
import static org.shockreg.registry.store.FactStatements.batchUpsert;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.shockreg.registry.curated.EncounterFact;
import org.springframework.jdbc.core.JdbcTemplate;

/** The encounter table: inpatient and intensive-care stays. */
final class EncounterRows {

  private EncounterRows() {}

  static void upsert(JdbcTemplate jdbc, ObjectMapper json, List<EncounterFact> encounters) {
    batchUpsert(
        jdbc,
        // One line of SQL as before: each \ joins the next line.
        """
        INSERT INTO encounter (encounter_id, patient_id, site_id, status, encounter_class,\
         intensive_care, period_start, period_end, types, flags, source_type, source_id,\
         source_version, raw_id, period_start_precision, period_end_precision)\
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)\
         ON CONFLICT (encounter_id) DO UPDATE SET patient_id = EXCLUDED.patient_id,\
         status = EXCLUDED.status, encounter_class = EXCLUDED.encounter_class,\
         intensive_care = EXCLUDED.intensive_care, period_start = EXCLUDED.period_start,\
         period_end = EXCLUDED.period_end, types = EXCLUDED.types, flags = EXCLUDED.flags,\
         period_start_precision = EXCLUDED.period_start_precision,\
         period_end_precision = EXCLUDED.period_end_precision,\
         source_version = EXCLUDED.source_version, raw_id = EXCLUDED.raw_id,\
         last_updated = now()\
        """,
        encounters,
        (ps, e) -> {
          texts(
              ps,
              1,
              e.encounterId(),
              e.patientId(),
              e.source().siteId(),
              e.status(),
              e.encounterClass());
          ps.setBoolean(6, e.intensiveCare());
          times(ps, 7, e.periodStart(), e.periodEnd());
          curatedColumns(ps, 9, json, e.types(), e.flags(), e.source());
          precisions(ps, 15, e.startPrecision(), e.endPrecision());
        });
  }
}
