package org.shockreg.registry.trial;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.shockreg.registry.cohort.BaselineSql;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.study.StudyDefinition;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the trial interim report reads (docs/interim-report.md): the study definition as registered,
 * the screening counts of the study's subjects and one row per randomized subject with its
 * baseline, timing and endpoint. Three statements in one read-only, repeatable-read transaction, so
 * the consort and the arms describe the same snapshot.
 */
public final class InterimReportQuery {

  static final String KIND_ISCHEMIC = "hf-cs-ischemic";
  static final String DEVICE_IABP = "iabp";

  /** Screening counts of the assessed episodes (research_subject rows with an episode). */
  public record ConsortCounts(
      int screened,
      int ineligible,
      int screening,
      int potentialCandidate,
      int randomized,
      Map<String, Integer> notMetByCriterion) {
    public ConsortCounts {
      notMetByCriterion = Map.copyOf(notMetByCriterion);
    }
  }

  /**
   * One randomized subject: arm and time; age at shock diagnosis, baseline LVEF, SBP and lactate
   * and {@code hf-cs-ischemic} of its episode (null without an episode or value); hours CICU
   * arrival to randomization (as the screening engine stored it); the first IABP start at or after
   * randomization; the day-N endpoint and when it was decided.
   */
  public record RandomizedRow(
      String subjectId,
      String arm,
      Instant randomizedAt,
      Integer ageAtDiagnosis,
      BigDecimal lvef,
      BigDecimal sbp,
      BigDecimal lactate,
      Boolean ischemic,
      BigDecimal hoursCicuToRandomization,
      Instant iabpAt,
      String endpoint,
      Instant endpointAt) {}

  private final NamedParameterJdbcTemplate jdbc;
  private final TransactionTemplate tx;

  public InterimReportQuery(
      NamedParameterJdbcTemplate jdbc, PlatformTransactionManager transactions) {
    this.jdbc = jdbc;
    this.tx = new TransactionTemplate(transactions);
    tx.setReadOnly(true);
    tx.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
  }

  /**
   * The interim report of a registered study as of {@code asOf} (inclusive; null: now), or empty
   * when no such study is registered.
   */
  public Optional<InterimReport> report(String studyId, Instant asOf) {
    return tx.execute(
        status -> {
          Optional<StudyDefinition> study = study(studyId);
          if (study.isEmpty()) {
            return Optional.<InterimReport>empty();
          }
          List<RandomizedRow> rows = randomized(studyId, asOf);
          ConsortCounts counts = consort(studyId, asOf, rows.size());
          return Optional.of(InterimReportCalculator.report(study.get(), counts, rows, asOf));
        });
  }

  /** The definition as registered in {@code research_study}. */
  public Optional<StudyDefinition> study(String studyId) {
    List<String> found =
        jdbc.queryForList(
            "SELECT definition::text FROM research_study WHERE study_id = :study",
            new MapSqlParameterSource("study", studyId),
            String.class);
    return found.isEmpty() ? Optional.empty() : Optional.of(StudyCatalog.fromJson(found.get(0)));
  }

  /**
   * Screening counts of the study's episodes (with {@code asOf}: those diagnosed by then) and the
   * not-met criteria of the ineligible ones; {@code randomized} is passed through.
   */
  public ConsortCounts consort(String studyId, Instant asOf, int randomized) {
    MapSqlParameterSource p = params(studyId, asOf);
    String episodes =
        " FROM research_subject rs JOIN shock_episode se ON se.episode_id = rs.episode_id";
    String where =
        " WHERE rs.study_id = :study" + (asOf == null ? "" : " AND se.shock_diagnosis_at <= :asOf");
    int[] counts = new int[4];
    jdbc.query(
        "SELECT count(*),"
            + " count(*) FILTER (WHERE rs.screening_result = 'ineligible'),"
            + " count(*) FILTER (WHERE rs.screening_result = 'screening'),"
            + " count(*) FILTER (WHERE rs.screening_result = 'potential-candidate')"
            + episodes
            + where,
        p,
        rs -> {
          for (int i = 0; i < 4; i++) {
            counts[i] = rs.getInt(i + 1);
          }
        });
    Map<String, Integer> notMet = new HashMap<>();
    jdbc.query(
        "SELECT c.key, count(*)"
            + episodes
            + " CROSS JOIN LATERAL jsonb_each_text(rs.criteria) AS c(key, value)"
            + where
            + " AND rs.screening_result = 'ineligible' AND c.value = 'not-met' GROUP BY c.key",
        p,
        rs -> {
          notMet.put(rs.getString(1), rs.getInt(2));
        });
    return new ConsortCounts(counts[0], counts[1], counts[2], counts[3], randomized, notMet);
  }

  /**
   * The subjects randomized (with {@code asOf}: by then), in subject id order. With {@code asOf},
   * baseline measurements and IABP starts dated after it do not count.
   */
  public List<RandomizedRow> randomized(String studyId, Instant asOf) {
    MapSqlParameterSource p = params(studyId, asOf);
    p.addValue("lvef", "lvef").addValue("sbp", "sbp").addValue("lactate", "lactate");
    p.addValue("ischemic", KIND_ISCHEMIC).addValue("iabp", DEVICE_IABP);
    String windowEnd = asOf == null ? "se.window_end" : "LEAST(se.window_end, :asOf)";
    String start = "COALESCE(dt.started_at, dt.performed_at)";
    String sql =
        "SELECT rs.subject_id, rs.assigned_arm, rs.randomized_at, se.age_at_diagnosis,"
            + " ("
            + nearest(":lvef", windowEnd)
            + ") AS lvef,"
            + " ("
            + nearest(":sbp", windowEnd)
            + ") AS sbp,"
            + " ("
            + nearest(":lactate", windowEnd)
            + ") AS lactate,"
            + " isch.value_boolean AS ischemic, rs.hours_cicu_to_randomization,"
            + " (SELECT min("
            + start
            + ") FROM device_therapy dt WHERE dt.patient_id = rs.patient_id"
            + " AND dt.device = :iabp AND "
            + start
            + " >= rs.randomized_at"
            + (asOf == null ? "" : " AND " + start + " <= :asOf")
            + ") AS iabp_at,"
            + " rs.endpoint, rs.endpoint_at"
            + " FROM research_subject rs LEFT JOIN shock_episode se ON se.episode_id = rs.episode_id"
            + " LEFT JOIN derived_fact isch ON isch.episode_id = rs.episode_id AND isch.kind = :ischemic"
            + " WHERE rs.study_id = :study AND rs.randomized_at IS NOT NULL"
            + (asOf == null ? "" : " AND rs.randomized_at <= :asOf")
            + " ORDER BY rs.subject_id";
    return jdbc.query(sql, p, (rs, i) -> row(rs));
  }

  private static String nearest(String variable, String windowEnd) {
    return BaselineSql.nearest(
        variable, "rs.patient_id", "se.window_start", windowEnd, "se.shock_diagnosis_at");
  }

  private static MapSqlParameterSource params(String studyId, Instant asOf) {
    MapSqlParameterSource p = new MapSqlParameterSource("study", studyId);
    if (asOf != null) {
      p.addValue("asOf", OffsetDateTime.ofInstant(asOf, ZoneOffset.UTC));
    }
    return p;
  }

  private static RandomizedRow row(ResultSet rs) throws SQLException {
    int age = rs.getInt("age_at_diagnosis");
    Integer ageAtDiagnosis = rs.wasNull() ? null : age;
    boolean ischemic = rs.getBoolean("ischemic");
    Boolean isch = rs.wasNull() ? null : ischemic;
    return new RandomizedRow(
        rs.getString("subject_id"),
        rs.getString("assigned_arm"),
        instant(rs, "randomized_at"),
        ageAtDiagnosis,
        rs.getBigDecimal("lvef"),
        rs.getBigDecimal("sbp"),
        rs.getBigDecimal("lactate"),
        isch,
        rs.getBigDecimal("hours_cicu_to_randomization"),
        instant(rs, "iabp_at"),
        rs.getString("endpoint"),
        instant(rs, "endpoint_at"));
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }
}
