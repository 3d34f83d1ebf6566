package org.shockreg.registry.cohort;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.shockreg.registry.cohort.CohortSummaryCalculator.MemberRow;
import org.shockreg.registry.cohort.CohortSummaryCalculator.RandomizationRow;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Cohort membership and summaries, computed live from the curated tables on every call (nothing is
 * materialized, so a cohort is always as current as the last committed intake).
 */
public final class CohortEngine {

  private final NamedParameterJdbcTemplate jdbc;
  private final CohortCatalog catalog;
  private final CohortSummaryCalculator calculator;

  public CohortEngine(
      NamedParameterJdbcTemplate jdbc, CohortCatalog catalog, List<String> tmcsDevices) {
    this.jdbc = jdbc;
    this.catalog = catalog;
    this.calculator = new CohortSummaryCalculator(tmcsDevices);
  }

  public CohortCatalog catalog() {
    return catalog;
  }

  /** The cohort with this id, templates resolved against the registered sites and studies. */
  public Optional<CohortDefinition> find(String id) {
    return catalog.resolve(id, this::exists);
  }

  /** Registered site ids in registration order (the order per-site cohorts are listed in). */
  public List<String> sites() {
    return jdbc.getJdbcTemplate()
        .queryForList("SELECT site_id FROM site ORDER BY created_at, site_id", String.class);
  }

  /**
   * Study ids (table {@code research_study}) in id order (the order per-study cohorts are listed
   * in).
   */
  public List<String> studies() {
    return jdbc.getJdbcTemplate()
        .queryForList("SELECT study_id FROM research_study ORDER BY study_id", String.class);
  }

  private boolean exists(CohortDefinition.ForEach kind, String value) {
    String sql =
        kind == CohortDefinition.ForEach.SITE
            ? "SELECT count(*) FROM site WHERE site_id = :v"
            : "SELECT count(*) FROM research_study WHERE study_id = :v";
    Integer found = jdbc.queryForObject(sql, new MapSqlParameterSource("v", value), Integer.class);
    return found != null && found > 0;
  }

  /** The members' curated patient ids, sorted. */
  public List<String> members(CohortDefinition cohort) {
    CohortSql sql = new CohortSql(cohort);
    return jdbc.queryForList(
        sql.memberSql() + " ORDER BY p.patient_id", sql.params(), String.class);
  }

  public int count(CohortDefinition cohort) {
    CohortSql sql = new CohortSql(cohort);
    Integer n =
        jdbc.queryForObject(
            "SELECT count(*) FROM patient p WHERE " + sql.memberWhere(),
            sql.params(),
            Integer.class);
    return n == null ? 0 : n;
  }

  /** "Table 1" of the cohort as it is now. */
  public CohortSummary summary(CohortDefinition cohort) {
    CohortSql sql = new CohortSql(cohort);
    String lvef = sql.param("lvef");
    String sbp = sql.param("sbp");
    String lactate = sql.param("lactate");
    String members =
        "WITH member AS ("
            + sql.memberSql()
            + "),"
            // index episode: the earliest qualifying one
            + " indexed AS (SELECT m.patient_id, e.episode_id, e.shock_diagnosis_at, e.window_start,"
            + " e.window_end, e.age_at_diagnosis FROM member m LEFT JOIN LATERAL (SELECT * FROM shock_episode e"
            + " WHERE e.patient_id = m.patient_id AND "
            + sql.episodeCondition()
            + " ORDER BY e.shock_diagnosis_at NULLS LAST, e.episode_id LIMIT 1) e ON TRUE)"
            + " SELECT i.patient_id, p.sex, i.episode_id, i.age_at_diagnosis,"
            + " etio.value_code AS etiology, isch.value_boolean AS ischemic, scai.value_code AS scai,"
            + " ("
            + nearest(lvef)
            + ") AS lvef, ("
            + nearest(sbp)
            + ") AS sbp, ("
            + nearest(lactate)
            + ") AS lactate,"
            + " ARRAY(SELECT DISTINCT dt.device FROM device_therapy dt WHERE dt.patient_id = i.patient_id"
            + " AND (i.episode_id IS NULL OR (COALESCE(dt.started_at, dt.performed_at) <= i.window_end"
            + " AND (dt.ended_at IS NULL OR dt.ended_at >= i.window_start)))) AS devices"
            + " FROM indexed i JOIN patient p ON p.patient_id = i.patient_id"
            + " LEFT JOIN derived_fact etio ON etio.episode_id = i.episode_id AND etio.kind = "
            + sql.param(CohortSql.KIND_ETIOLOGY)
            + " LEFT JOIN derived_fact isch ON isch.episode_id = i.episode_id AND isch.kind = "
            + sql.param(CohortSql.KIND_ISCHEMIC)
            + " LEFT JOIN derived_fact scai ON scai.episode_id = i.episode_id AND scai.kind = "
            + sql.param(CohortSql.KIND_SCAI_AT_DIAGNOSIS)
            + " ORDER BY i.patient_id";
    List<MemberRow> rows = jdbc.query(members, sql.params(), (rs, i) -> member(rs));

    CohortSql rsql = new CohortSql(cohort);
    String iabp = rsql.param("iabp");
    String study = cohort.study() == null ? "" : " AND rs.study_id = " + rsql.param(cohort.study());
    // CICU arrival of the subject's episode, else of the patient's episode whose window holds the
    // randomization.
    String randomized =
        "SELECT rs.patient_id, rs.assigned_arm, rs.randomized_at,"
            + " COALESCE(se.cicu_arrival_at, (SELECT w.cicu_arrival_at FROM shock_episode w"
            + " WHERE w.patient_id = rs.patient_id AND rs.randomized_at BETWEEN w.window_start AND w.window_end"
            + " ORDER BY w.shock_diagnosis_at LIMIT 1)) AS cicu_arrival_at,"
            + " (SELECT min(COALESCE(dt.started_at, dt.performed_at)) FROM device_therapy dt"
            + " WHERE dt.patient_id = rs.patient_id AND dt.device = "
            + iabp
            + " AND COALESCE(dt.started_at, dt.performed_at) >= rs.randomized_at) AS iabp_at"
            + " FROM research_subject rs LEFT JOIN shock_episode se ON se.episode_id = rs.episode_id"
            + " WHERE rs.randomized_at IS NOT NULL"
            + study
            + " AND rs.patient_id IN ("
            + rsql.memberSql()
            + ") ORDER BY rs.patient_id, rs.study_id";
    List<RandomizationRow> randomizations =
        jdbc.query(
            randomized,
            rsql.params(),
            (rs, i) ->
                new RandomizationRow(
                    rs.getString("patient_id"),
                    rs.getString("assigned_arm"),
                    instant(rs, "randomized_at"),
                    instant(rs, "cicu_arrival_at"),
                    instant(rs, "iabp_at")));
    return calculator.summarize(rows, cohort.study(), randomizations);
  }

  /** The member's baseline value of a variable within its index episode ({@link BaselineSql}). */
  private static String nearest(String variable) {
    return BaselineSql.nearest(
        variable, "i.patient_id", "i.window_start", "i.window_end", "i.shock_diagnosis_at");
  }

  private static MemberRow member(ResultSet rs) throws SQLException {
    Set<String> devices = new HashSet<>();
    Array array = rs.getArray("devices");
    if (array != null) {
      for (Object d : (Object[]) array.getArray()) {
        devices.add((String) d);
      }
    }
    int age = rs.getInt("age_at_diagnosis");
    Integer ageAtDiagnosis = rs.wasNull() ? null : age;
    boolean ischemic = rs.getBoolean("ischemic");
    Boolean isch = rs.wasNull() ? null : ischemic;
    return new MemberRow(
        rs.getString("patient_id"),
        rs.getString("sex"),
        rs.getString("episode_id") != null,
        ageAtDiagnosis,
        rs.getString("etiology"),
        isch,
        rs.getString("scai"),
        rs.getBigDecimal("lvef"),
        rs.getBigDecimal("sbp"),
        rs.getBigDecimal("lactate"),
        devices);
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }
}
