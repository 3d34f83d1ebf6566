package org.shockreg.registry.store;

import java.sql.PreparedStatement;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Merges of curated patients: a source Patient.link ({@code replaced-by}, {@code replaces}), or a
 * placeholder absorbed when its Patient arrives (facts filed under a logical id's pseudonym, a site
 * pseudonym linked across sites). All facts move to the survivor, the merged id is recorded with
 * its survivor (chains resolved, so one lookup answers), and the merged source patients' links
 * point at the survivor, so their later facts and re-sends land there. Runs in the caller's
 * transaction, after the caller took the per-patient locks of both.
 */
public class PatientMerges {

  private final JdbcTemplate jdbc;

  public PatientMerges(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** The survivors of those ids that were merged into another patient. */
  public Map<String, String> survivors(Collection<String> patientIds) {
    Map<String, String> out = new HashMap<>();
    if (patientIds.isEmpty()) {
      return out;
    }
    jdbc.query(
        con -> {
          PreparedStatement ps =
              con.prepareStatement(
                  "SELECT merged_patient_id, surviving_patient_id FROM patient_merge"
                      + " WHERE merged_patient_id = ANY(?)");
          ps.setArray(1, con.createArrayOf("text", patientIds.toArray()));
          return ps;
        },
        rs -> {
          out.put(rs.getString(1), rs.getString(2));
        });
    return out;
  }

  /** Where these source patients of a site are filed now (those that are linked). */
  public Map<String, String> linked(String siteId, Collection<String> sourcePatientIds) {
    Map<String, String> out = new HashMap<>();
    if (sourcePatientIds.isEmpty()) {
      return out;
    }
    jdbc.query(
        con -> {
          PreparedStatement ps =
              con.prepareStatement(
                  "SELECT source_patient_id, patient_id FROM patient_source_link"
                      + " WHERE site_id = ? AND source_patient_id = ANY(?)");
          ps.setString(1, siteId);
          ps.setArray(2, con.createArrayOf("text", sourcePatientIds.toArray()));
          return ps;
        },
        rs -> {
          out.put(rs.getString(1), rs.getString(2));
        });
    return out;
  }

  /**
   * Merges {@code from} into {@code to} (each first resolved to its own survivor). Returns the
   * survivor, or null when the two are already one patient. {@code record}: also record a merge
   * that moved nothing ({@code from} never held data), so facts computed later for {@code from}
   * still find the survivor; placeholder merges only record what they moved.
   */
  public String merge(String siteId, String from, String to, String linkType, boolean record) {
    String source = survivorOf(from);
    String target = survivorOf(to);
    if (source.equals(target)) {
      return null;
    }
    Integer exists =
        jdbc.queryForObject(
            "SELECT count(*) FROM patient WHERE patient_id = ?", Integer.class, source);
    boolean moves = exists != null && exists > 0;
    if (!moves && !record) {
      return null;
    }
    jdbc.update(
        "INSERT INTO patient (patient_id, site_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        target,
        siteId);
    if (moves) {
      moveFacts(source, target);
    }
    jdbc.update(
        "INSERT INTO patient_merge (merged_patient_id, surviving_patient_id, site_id, link_type)"
            + " VALUES (?, ?, ?, ?) ON CONFLICT (merged_patient_id) DO UPDATE SET"
            + " surviving_patient_id = EXCLUDED.surviving_patient_id, link_type = EXCLUDED.link_type,"
            + " merged_at = now()",
        source,
        target,
        siteId,
        linkType);
    // A -> B then B -> C: A answers with C in one lookup.
    jdbc.update(
        "UPDATE patient_merge SET surviving_patient_id = ? WHERE surviving_patient_id = ?",
        target,
        source);
    return target;
  }

  /**
   * Files a source patient under a survivor as a merged record (a {@code replaces} link's other).
   */
  public void linkMerged(String siteId, String sourcePatientId, String survivor) {
    jdbc.update(
        "INSERT INTO patient_source_link (site_id, source_patient_id, patient_id, merged) VALUES (?, ?, ?, true)"
            + " ON CONFLICT (site_id, source_patient_id) DO UPDATE SET patient_id = EXCLUDED.patient_id,"
            + " merged = true",
        siteId,
        sourcePatientId,
        survivor);
  }

  /**
   * A death recorded on any merged record of these patients is kept on the patient: the survivor's
   * own record sets its demographics, but never takes a death away.
   */
  public void keepDeaths(Collection<String> patientIds) {
    if (patientIds.isEmpty()) {
      return;
    }
    FactStatements.updatePatients(
        jdbc,
        "UPDATE patient p SET deceased = true, deceased_at = COALESCE(p.deceased_at, d.at),"
            + " deceased_precision = CASE WHEN p.deceased_at IS NULL THEN d.precision"
            + " ELSE p.deceased_precision END, last_updated = now()"
            + " FROM (SELECT DISTINCT ON (patient_id) patient_id, deceased_at AS at,"
            + "   deceased_precision AS precision FROM patient_source_link"
            + "   WHERE patient_id = ANY(?) AND merged AND deceased"
            + "   ORDER BY patient_id, deceased_at NULLS LAST) d"
            + " WHERE p.patient_id = d.patient_id"
            + " AND (p.deceased IS NOT TRUE OR (p.deceased_at IS NULL AND d.at IS NOT NULL))",
        patientIds);
  }

  private String survivorOf(String patientId) {
    List<String> s =
        jdbc.queryForList(
            "SELECT surviving_patient_id FROM patient_merge WHERE merged_patient_id = ?",
            String.class,
            patientId);
    return s.isEmpty() ? patientId : s.get(0);
  }

  /**
   * Moves everything filed under {@code from} to {@code to}; the survivor's demographics win, gaps
   * are filled from the merged record, a death on either is kept. Derived facts of {@code from} go
   * (the caller recomputes them for {@code to}).
   */
  private void moveFacts(String from, String to) {
    jdbc.update(
        "UPDATE patient t SET sex = COALESCE(t.sex, f.sex), birth_year = COALESCE(t.birth_year, f.birth_year),"
            + " deceased = CASE WHEN t.deceased OR f.deceased THEN true ELSE COALESCE(t.deceased, f.deceased) END,"
            + " deceased_at = COALESCE(t.deceased_at, f.deceased_at),"
            + " deceased_precision = CASE WHEN t.deceased_at IS NULL THEN f.deceased_precision"
            + " ELSE t.deceased_precision END,"
            + " source_type = COALESCE(t.source_type, f.source_type), source_id = COALESCE(t.source_id, f.source_id),"
            + " source_version = CASE WHEN t.source_id IS NULL THEN f.source_version ELSE t.source_version END,"
            + " raw_id = COALESCE(t.raw_id, f.raw_id), last_updated = now()"
            + " FROM patient f WHERE t.patient_id = ? AND f.patient_id = ?",
        to,
        from);
    jdbc.update("DELETE FROM derived_fact WHERE patient_id = ?", from);
    for (String table : new String[] {"measurement", "device_therapy", "diagnosis"}) {
      jdbc.update(
          "UPDATE " + table + " SET patient_id = ?, last_updated = now() WHERE patient_id = ?",
          to,
          from);
    }
    jdbc.update("UPDATE research_subject SET episode_id = NULL WHERE patient_id = ?", from);
    jdbc.update("DELETE FROM shock_episode WHERE patient_id = ?", from);
    for (String table :
        new String[] {
          "encounter", "device_removal", "research_subject", "randomization", "subscription_match"
        }) {
      jdbc.update("UPDATE " + table + " SET patient_id = ? WHERE patient_id = ?", to, from);
    }
    jdbc.update(
        "UPDATE patient_source_link SET patient_id = ?, merged = true WHERE patient_id = ?",
        to,
        from);
    jdbc.update("DELETE FROM patient WHERE patient_id = ?", from);
  }
}
