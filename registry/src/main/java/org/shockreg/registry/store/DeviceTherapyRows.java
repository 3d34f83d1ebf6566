package org.shockreg.registry.store;

import static org.shockreg.registry.store.FactColumns.curatedColumns;
import static org.shockreg.registry.store.FactColumns.precision;
import static org.shockreg.registry.store.FactColumns.precisions;
import static org.shockreg.registry.store.FactColumns.setSource;
import static org.shockreg.registry.store.FactColumns.texts;
import static org.shockreg.registry.store.FactColumns.times;
import static org.shockreg.registry.store.FactColumns.ts;
import static org.shockreg.registry.store.FactStatements.batchUpsert;
import static org.shockreg.registry.store.FactStatements.updatePatients;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.shockreg.registry.curated.CurationBatch;
import org.shockreg.registry.curated.DeviceRemovalFact;
import org.shockreg.registry.curated.DeviceTherapyFact;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The device_therapy and device_removal tables: MCS device therapies from source Procedures, and
 * the removals that close them.
 */
final class DeviceTherapyRows {

  private DeviceTherapyRows() {}

  /**
   * Therapies by procedure id. A removal may have closed a therapy: a new version without an end
   * keeps that close (ended_at).
   */
  static void upsertTherapies(
      JdbcTemplate jdbc, ObjectMapper json, List<DeviceTherapyFact> therapies) {
    batchUpsert(
        jdbc,
        // One line of SQL as before: each \ joins the next line.
        """
        INSERT INTO device_therapy (procedure_id, patient_id, site_id, device, status,\
         started_at, ended_at, performed_at, codings, flags, source_type, source_id,\
         source_version, raw_id, started_precision, ended_precision, performed_precision)\
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?)\
         ON CONFLICT (procedure_id) DO UPDATE SET patient_id = EXCLUDED.patient_id,\
         device = EXCLUDED.device, status = EXCLUDED.status,\
         started_at = EXCLUDED.started_at, started_precision = EXCLUDED.started_precision,\
         ended_at = COALESCE(EXCLUDED.ended_at, CASE WHEN device_therapy.removal_source_id\
         IS NOT NULL THEN device_therapy.ended_at END),\
         ended_precision = CASE WHEN EXCLUDED.ended_at IS NOT NULL THEN EXCLUDED.ended_precision\
         WHEN device_therapy.removal_source_id IS NOT NULL THEN device_therapy.ended_precision END,\
         performed_at = EXCLUDED.performed_at, performed_precision = EXCLUDED.performed_precision,\
         codings = EXCLUDED.codings,\
         flags = EXCLUDED.flags, source_version = EXCLUDED.source_version,\
         raw_id = EXCLUDED.raw_id, last_updated = now()\
        """,
        therapies,
        (ps, d) -> {
          texts(ps, 1, d.procedureId(), d.patientId(), d.source().siteId(), d.device(), d.status());
          times(ps, 6, d.startedAt(), d.endedAt(), d.performedAt());
          curatedColumns(ps, 9, json, d.codings(), d.flags(), d.source());
          precisions(ps, 15, d.startedPrecision(), d.endedPrecision(), d.performedPrecision());
        });
  }

  static void upsertRemovals(JdbcTemplate jdbc, List<DeviceRemovalFact> removals) {
    batchUpsert(
        jdbc,
        "INSERT INTO device_removal (site_id, source_type, source_id, source_version, raw_id,"
            + " patient_id, device, removed_at, removed_precision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (site_id, source_type, source_id) DO UPDATE SET"
            + " source_version = EXCLUDED.source_version, raw_id = EXCLUDED.raw_id,"
            + " patient_id = EXCLUDED.patient_id, device = EXCLUDED.device,"
            + " removed_at = EXCLUDED.removed_at, removed_precision = EXCLUDED.removed_precision,"
            + " last_updated = now()",
        removals,
        (ps, r) -> {
          ps.setString(1, r.source().siteId());
          setSource(ps, 2, r.source());
          texts(ps, 6, r.patientId(), r.device());
          ps.setTimestamp(8, ts(r.removedAt()));
          precision(ps, 9, r.removedPrecision());
        });
  }

  /**
   * Closes open therapies with the earliest removal of the same device at or after their start,
   * whichever of the two arrived first.
   */
  static void closeTherapiesByRemovals(JdbcTemplate jdbc, CurationBatch batch) {
    Set<String> patients = new HashSet<>();
    for (DeviceRemovalFact r : batch.factsOf(DeviceRemovalFact.class)) {
      patients.add(r.patientId());
    }
    for (DeviceTherapyFact t : batch.factsOf(DeviceTherapyFact.class)) {
      if (t.endedAt() == null) {
        patients.add(t.patientId());
      }
    }
    if (patients.isEmpty()) {
      return;
    }
    updatePatients(
        jdbc,
        "UPDATE device_therapy t SET ended_at = r.removed_at, ended_precision = r.removed_precision,"
            + " removal_source_id = r.source_id, last_updated = now()"
            + " FROM device_removal r"
            + " WHERE t.patient_id = ANY(?) AND t.ended_at IS NULL"
            + " AND r.patient_id = t.patient_id AND r.device = t.device"
            + " AND r.removed_at >= COALESCE(t.started_at, t.performed_at)"
            + " AND r.removed_at = (SELECT min(r2.removed_at) FROM device_removal r2"
            + "   WHERE r2.patient_id = t.patient_id AND r2.device = t.device"
            + "   AND r2.removed_at >= COALESCE(t.started_at, t.performed_at))",
        patients);
  }
}
