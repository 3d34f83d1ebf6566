package org.shockreg.registry.trial;

import static org.shockreg.registry.db.JdbcValues.instant;
import static org.shockreg.registry.db.JdbcValues.ts;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.shockreg.registry.db.JdbcValues;
import org.shockreg.registry.notify.SubscriptionOutbox;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Trial tables: randomizations (source facts) and the derived ResearchSubjects. Runs in the
 * caller's transaction, like {@link org.shockreg.registry.derive.DerivationStore}.
 */
public class TrialStore {

  private final JdbcTemplate jdbc;
  private final ObjectMapper json;
  private final SubscriptionOutbox outbox;

  public TrialStore(JdbcTemplate jdbc, ObjectMapper json) {
    this(jdbc, json, null);
  }

  /** With an outbox, every change of the subjects is matched against the subscriptions in place. */
  public TrialStore(JdbcTemplate jdbc, ObjectMapper json, SubscriptionOutbox outbox) {
    this.jdbc = jdbc;
    this.json = json;
    this.outbox = outbox;
  }

  /**
   * Randomizations of these patients; for the randomized ones also death and the time of the last
   * fact known about them (what the day-60 endpoint needs). Two queries for a batch without any.
   */
  public Map<String, PatientFollowUp> loadFollowUp(Collection<String> patientIds) {
    Map<String, PatientFollowUp> out = new HashMap<>();
    if (patientIds.isEmpty()) {
      return out;
    }
    Map<String, List<Randomization>> byPatient = new HashMap<>();
    query(
        "SELECT randomization_id, study_id, patient_id, arm, randomized_at, origin FROM randomization"
            + " WHERE patient_id = ANY(?) ORDER BY randomized_at, randomization_id",
        patientIds.toArray(String[]::new),
        rs ->
            byPatient
                .computeIfAbsent(rs.getString(3), k -> new ArrayList<>())
                .add(
                    new Randomization(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        instant(rs, 5),
                        rs.getString(6))));
    if (byPatient.isEmpty()) {
      return out;
    }
    String[] randomized = byPatient.keySet().toArray(String[]::new);
    Map<String, Instant> last = new HashMap<>();
    // greatest() skips nulls: every time a fact holds counts as "known about the patient then".
    query(
        "SELECT p, max(t) FROM ("
            + " SELECT patient_id AS p, max(effective_at) AS t FROM measurement WHERE patient_id = ANY(?1) GROUP BY 1"
            + " UNION ALL SELECT patient_id, max(greatest(started_at, ended_at, performed_at)) FROM device_therapy"
            + "  WHERE patient_id = ANY(?1) GROUP BY 1"
            + " UNION ALL SELECT patient_id, max(greatest(onset_at, recorded_at, abated_at)) FROM diagnosis"
            + "  WHERE patient_id = ANY(?1) GROUP BY 1"
            + " UNION ALL SELECT patient_id, max(greatest(period_start, period_end)) FROM encounter"
            + "  WHERE patient_id = ANY(?1) GROUP BY 1"
            + ") x GROUP BY p",
        randomized,
        rs -> last.put(rs.getString(1), instant(rs, 2)));
    query(
        "SELECT patient_id, deceased, deceased_at FROM patient WHERE patient_id = ANY(?)",
        randomized,
        rs -> {
          boolean d = rs.getBoolean(2);
          Boolean deceased = rs.wasNull() ? null : d;
          String p = rs.getString(1);
          out.put(
              p, new PatientFollowUp(p, byPatient.get(p), deceased, instant(rs, 3), last.get(p)));
        });
    return out;
  }

  /**
   * Replaces the subjects of these patients by the derived ones; a row's {@code last_updated} moves
   * only when something in it changed. Subscriptions are matched in the same transaction: a subject
   * that newly matches one gets its event in the outbox, or neither is committed.
   */
  public void storeSubjects(Collection<String> patientIds, List<SubjectRecord> subjects) {
    if (patientIds.isEmpty()) {
      return;
    }
    writeSubjects(patientIds, subjects);
    if (outbox != null) {
      outbox.recordTransitions(patientIds);
    }
  }

  private void writeSubjects(Collection<String> patientIds, List<SubjectRecord> subjects) {
    String[] keep = subjects.stream().map(SubjectRecord::subjectId).toArray(String[]::new);
    jdbc.update(
        con -> {
          PreparedStatement ps =
              con.prepareStatement(
                  "DELETE FROM research_subject WHERE patient_id = ANY(?) AND NOT (subject_id = ANY(?))");
          ps.setArray(1, con.createArrayOf("text", patientIds.toArray()));
          ps.setArray(2, con.createArrayOf("text", keep));
          return ps;
        });
    if (subjects.isEmpty()) {
      return;
    }
    String columns =
        "study_id, patient_id, episode_id, status, screening_result, criteria, assigned_arm, actual_arm,"
            + " randomization_id, randomized_at, shock_diagnosis_at, window_end,"
            + " hours_diagnosis_to_randomization, hours_cicu_to_randomization,"
            + " hours_randomization_to_intervention, escalation_within_hours, deviations, endpoint, endpoint_at";
    StringBuilder set = new StringBuilder();
    StringBuilder mine = new StringBuilder();
    StringBuilder theirs = new StringBuilder();
    for (String c : columns.split(",\\s*")) {
      set.append(set.isEmpty() ? "" : ", ").append(c).append(" = EXCLUDED.").append(c);
      mine.append(mine.isEmpty() ? "" : ", ").append("research_subject.").append(c);
      theirs.append(theirs.isEmpty() ? "" : ", ").append("EXCLUDED.").append(c);
    }
    jdbc.batchUpdate(
        "INSERT INTO research_subject (subject_id, "
            + columns
            + ")"
            + " VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (subject_id) DO UPDATE SET "
            + set
            + ", last_updated = now()"
            + " WHERE ("
            + mine
            + ") IS DISTINCT FROM ("
            + theirs
            + ")",
        subjects,
        200,
        (ps, s) -> {
          int i = 1;
          ps.setString(i++, s.subjectId());
          ps.setString(i++, s.studyId());
          ps.setString(i++, s.patientId());
          ps.setString(i++, s.episodeId());
          ps.setString(i++, s.status());
          ps.setString(i++, s.screeningResult());
          ps.setString(i++, toJson(new TreeMap<>(s.criteria())));
          ps.setString(i++, s.assignedArm());
          ps.setString(i++, s.actualArm());
          ps.setString(i++, s.randomizationId());
          ps.setTimestamp(i++, ts(s.randomizedAt()));
          ps.setTimestamp(i++, ts(s.shockDiagnosisAt()));
          ps.setTimestamp(i++, ts(s.windowEnd()));
          ps.setBigDecimal(i++, s.hoursDiagnosisToRandomization());
          ps.setBigDecimal(i++, s.hoursCicuToRandomization());
          ps.setBigDecimal(i++, s.hoursRandomizationToIntervention());
          ps.setObject(i++, s.escalationWithinHours(), java.sql.Types.BOOLEAN);
          ps.setArray(i++, ps.getConnection().createArrayOf("text", s.deviations().toArray()));
          ps.setString(i++, s.endpoint());
          ps.setTimestamp(i, ts(s.endpointAt()));
        });
  }

  /** Records a randomization from the EDC. */
  public void insertRandomization(Randomization r) {
    jdbc.update(
        "INSERT INTO randomization (randomization_id, study_id, patient_id, arm, randomized_at, origin)"
            + " VALUES (?, ?, ?, ?, ?, ?)",
        r.randomizationId(),
        r.studyId(),
        r.patientId(),
        r.arm(),
        ts(r.randomizedAt()),
        r.origin());
  }

  /** The subject a randomization made on-study, when it is the one its episode counts. */
  public String subjectOfRandomization(String randomizationId) {
    List<String> ids =
        jdbc.queryForList(
            "SELECT subject_id FROM research_subject WHERE randomization_id = ?",
            String.class,
            randomizationId);
    return ids.isEmpty() ? null : ids.get(0);
  }

  /**
   * Randomizations of the patient in the study that no subject counts (a second one of an episode).
   */
  public int randomizationsWithoutSubject(String patientId, String studyId) {
    Integer n =
        jdbc.queryForObject(
            "SELECT count(*) FROM randomization r WHERE r.patient_id = ? AND r.study_id = ?"
                + " AND NOT EXISTS (SELECT 1 FROM research_subject s WHERE s.randomization_id = r.randomization_id)",
            Integer.class,
            patientId,
            studyId);
    return n == null ? 0 : n;
  }

  public boolean patientExists(String patientId) {
    Integer n =
        jdbc.queryForObject(
            "SELECT count(*) FROM patient WHERE patient_id = ?", Integer.class, patientId);
    return n != null && n > 0;
  }

  /**
   * Every patient with a shock episode, in id order, after {@code afterPatientId} (for
   * rescreening).
   */
  public List<String> patientsWithEpisodes(String afterPatientId, int limit) {
    return jdbc.queryForList(
        "SELECT DISTINCT patient_id FROM shock_episode WHERE patient_id > ? ORDER BY patient_id LIMIT ?",
        String.class,
        afterPatientId,
        limit);
  }

  private interface RowHandler {
    void handle(ResultSet rs) throws SQLException;
  }

  private void query(String sql, String[] ids, RowHandler handler) {
    // ?1 repeats the one array parameter (JDBC has no named parameters).
    int uses = sql.split("\\?1", -1).length - 1;
    String plain = sql.replace("?1", "?");
    int n = Math.max(uses, 1);
    jdbc.query(
        con -> {
          PreparedStatement ps = con.prepareStatement(plain);
          java.sql.Array a = con.createArrayOf("text", ids);
          for (int i = 1; i <= n; i++) {
            ps.setArray(i, a);
          }
          return ps;
        },
        rs -> {
          handler.handle(rs);
        });
  }

  private String toJson(Object value) {
    return JdbcValues.json(json, value);
  }
}
