package org.shockreg.registry.store;

import static org.shockreg.registry.store.FactColumns.precision;
import static org.shockreg.registry.store.FactColumns.setBoolean;
import static org.shockreg.registry.store.FactColumns.setInt;
import static org.shockreg.registry.store.FactColumns.setSource;
import static org.shockreg.registry.store.FactColumns.texts;
import static org.shockreg.registry.store.FactColumns.ts;
import static org.shockreg.registry.store.FactStatements.batchUpsert;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.shockreg.registry.curated.CuratedFact;
import org.shockreg.registry.curated.PatientFact;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The patient and patient_source_link tables: a patient's demographics and death, and which source
 * records (a site's own, or merged ones) it is curated from.
 */
final class PatientRows {

  private PatientRows() {}

  /** A placeholder row for each patient named by these facts. */
  static void ensurePatients(JdbcTemplate jdbc, List<CuratedFact> facts) {
    Map<String, String> patientSites = new LinkedHashMap<>();
    for (CuratedFact f : facts) {
      patientSites.putIfAbsent(f.patientId(), f.source().siteId());
    }
    if (patientSites.isEmpty()) {
      return;
    }
    List<Object[]> rows = new ArrayList<>();
    patientSites.forEach((p, s) -> rows.add(new Object[] {p, s}));
    // Facts can arrive before their Patient: a placeholder row keeps the foreign keys whole.
    jdbc.batchUpdate(
        "INSERT INTO patient (patient_id, site_id) VALUES (?, ?) ON CONFLICT DO NOTHING", rows);
  }

  static void upsert(JdbcTemplate jdbc, PatientMerges merges, List<PatientFact> patients) {
    if (patients.isEmpty()) {
      return;
    }
    // The link first: it says whether this source record is the patient's own or a merged one.
    batchUpsert(
        jdbc,
        "INSERT INTO patient_source_link (site_id, source_patient_id, patient_id, birth_date, deceased,"
            + " deceased_at, deceased_precision) VALUES (?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (site_id, source_patient_id) DO UPDATE SET"
            + " patient_id = EXCLUDED.patient_id, birth_date = EXCLUDED.birth_date,"
            + " deceased = EXCLUDED.deceased, deceased_at = EXCLUDED.deceased_at,"
            + " deceased_precision = EXCLUDED.deceased_precision",
        patients,
        (ps, p) -> {
          texts(ps, 1, p.siteId(), p.sourcePatientId(), p.patientId());
          ps.setObject(4, p.birthDate());
          setBoolean(ps, 5, p.deceased());
          ps.setTimestamp(6, ts(p.deceasedAt()));
          precision(ps, 7, p.deceasedPrecision());
        });
    // The survivor's own record sets the demographics; a merged record (Patient.link) only fills
    // gaps, and its death is kept by keepDeaths below.
    batchUpsert(
        jdbc,
        "UPDATE patient SET sex = ?, birth_year = ?, deceased = ?, deceased_at = ?,"
            + " source_type = ?, source_id = ?, source_version = ?, raw_id = ?, last_updated = now(),"
            + " deceased_precision = ?"
            + " WHERE patient_id = ? AND NOT EXISTS (SELECT 1 FROM patient_source_link l"
            + " WHERE l.site_id = ? AND l.source_patient_id = ? AND l.merged)",
        patients,
        (ps, p) -> {
          ps.setString(1, p.sex());
          setInt(ps, 2, p.birthYear());
          setBoolean(ps, 3, p.deceased());
          ps.setTimestamp(4, ts(p.deceasedAt()));
          setSource(ps, 5, p.source());
          precision(ps, 9, p.deceasedPrecision());
          texts(ps, 10, p.patientId(), p.siteId(), p.sourcePatientId());
        });
    batchUpsert(
        jdbc,
        "UPDATE patient SET sex = COALESCE(sex, ?), birth_year = COALESCE(birth_year, ?), last_updated = now()"
            + " WHERE patient_id = ? AND (sex IS NULL OR birth_year IS NULL) AND EXISTS (SELECT 1"
            + " FROM patient_source_link l WHERE l.site_id = ? AND l.source_patient_id = ? AND l.merged)",
        patients,
        (ps, p) -> {
          ps.setString(1, p.sex());
          setInt(ps, 2, p.birthYear());
          texts(ps, 3, p.patientId(), p.siteId(), p.sourcePatientId());
        });
    Set<String> ids = new HashSet<>();
    for (PatientFact p : patients) {
      ids.add(p.patientId());
      if (p.replacesPatientId() != null && !p.replacesPatientId().equals(p.patientId())) {
        // Facts filed before their Patient came (under its logical id's pseudonym, or a site
        // pseudonym now linked across sites) move to it.
        merges.merge(p.siteId(), p.replacesPatientId(), p.patientId(), "placeholder", false);
      }
    }
    merges.keepDeaths(ids);
  }
}
