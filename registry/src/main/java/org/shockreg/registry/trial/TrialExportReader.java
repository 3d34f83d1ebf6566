package org.shockreg.registry.trial;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.study.StudyDefinition;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the trial EDC exports read (docs/edc-exports.md): the stored study definition and, streamed
 * through a JDBC cursor in a read-only transaction, one row per randomized subject of a study with
 * a value per export source ({@link StudyDefinition.ExportField#source()}, vocabulary in
 * docs/trials.md). Memory stays constant whatever the number of subjects: rows are handed on one at
 * a time and {@code fetchSize} rows are fetched per round trip.
 *
 * <p>A patient randomized twice in one study is exported once, with the first randomization. The
 * subject's episode is its own, else the patient's episode whose window holds the randomization;
 * the episode window bounds baseline values and device starts.
 */
public final class TrialExportReader {

  static final String KIND_ETIOLOGY = "cs-etiology";
  static final String KIND_SCAI_AT_DIAGNOSIS = "scai-stage-at-diagnosis";
  static final String KIND_SCAI_WORST_24H = "scai-stage-worst-24h";

  /** Writes one row somewhere (an HTTP response); may fail with an I/O error. */
  @FunctionalInterface
  public interface RowHandler {
    void accept(ExportRow row) throws IOException;
  }

  private final DataSource dataSource;
  private final JdbcTemplate jdbc;
  private final int fetchSize;

  public TrialExportReader(DataSource dataSource, int fetchSize) {
    if (fetchSize < 1) {
      throw new IllegalArgumentException("fetchSize must be >= 1");
    }
    this.dataSource = dataSource;
    this.jdbc = new JdbcTemplate(dataSource);
    this.fetchSize = fetchSize;
  }

  /** The definition registered in {@code research_study} under this id, if any. */
  public Optional<StudyDefinition> study(String studyId) {
    return jdbc
        .query(
            "SELECT definition::text FROM research_study WHERE study_id = ?",
            (rs, i) -> rs.getString(1),
            studyId)
        .stream()
        .findFirst()
        .map(StudyCatalog::fromJson);
  }

  /**
   * Streams the randomized subjects of a study in patient id order, with one value per source in
   * {@code sources} (each a {@link StudyDefinition.ExportField#source()}). Returns the number of
   * rows handed to {@code handler}.
   *
   * @throws IllegalArgumentException for a source outside the vocabulary
   */
  public long stream(String studyId, List<String> sources, RowHandler handler) throws IOException {
    Query query = query(studyId, sources);
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      // PostgreSQL only fetches in portions (a cursor) inside a transaction.
      c.setAutoCommit(false);
      c.setReadOnly(true);
      try (PreparedStatement ps =
          c.prepareStatement(
              query.sql(), ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
        ps.setFetchSize(fetchSize);
        for (int i = 0; i < query.params().size(); i++) {
          ps.setObject(i + 1, query.params().get(i));
        }
        long n = 0;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            handler.accept(row(rs, sources.size()));
            n++;
          }
        }
        return n;
      } finally {
        c.rollback(); // read only: nothing to commit
        c.setReadOnly(false);
        c.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "EDC export of study " + studyId + " failed: " + e.getMessage(), e);
    }
  }

  record Query(String sql, List<Object> params) {}

  /** The export query; every code a source names is a bind parameter. */
  static Query query(String studyId, List<String> sources) {
    List<Object> columnParams = new ArrayList<>();
    StringBuilder columns = new StringBuilder();
    for (String source : sources) {
      columns.append(", ").append(column(source, columnParams));
    }
    String sql =
        "WITH s AS ("
            + " SELECT DISTINCT ON (rs.patient_id) rs.patient_id, rs.assigned_arm, rs.randomized_at,"
            + " rs.screening_result, rs.criteria, rs.shock_diagnosis_at, rs.hours_diagnosis_to_randomization,"
            + " rs.hours_cicu_to_randomization, rs.hours_randomization_to_intervention,"
            + " rs.escalation_within_hours, rs.deviations, rs.endpoint,"
            + " COALESCE(rs.episode_id, (SELECT w.episode_id FROM shock_episode w WHERE w.patient_id = rs.patient_id"
            + "  AND rs.randomized_at BETWEEN w.window_start AND w.window_end"
            + "  ORDER BY w.shock_diagnosis_at, w.episode_id LIMIT 1)) AS index_episode"
            + " FROM research_subject rs WHERE rs.study_id = ? AND rs.randomized_at IS NOT NULL"
            + " ORDER BY rs.patient_id, rs.randomized_at, rs.subject_id)"
            + " SELECT s.patient_id, s.assigned_arm, s.randomized_at"
            + columns
            + " FROM s JOIN patient p ON p.patient_id = s.patient_id"
            + " LEFT JOIN shock_episode e ON e.episode_id = s.index_episode"
            + " ORDER BY s.patient_id";
    List<Object> params = new ArrayList<>();
    params.add(studyId);
    params.addAll(columnParams);
    return new Query(sql, params);
  }

  /** The SQL expression of one export source (aliases: s subject, p patient, e episode). */
  static String column(String source, List<Object> params) {
    int colon = source.indexOf(':');
    String kind = colon < 0 ? source : source.substring(0, colon + 1);
    String arg = colon < 0 ? null : source.substring(colon + 1);
    if (arg != null && arg.isEmpty()) {
      throw new IllegalArgumentException("export source " + source + " names no code");
    }
    return switch (kind) {
      case "screening-result" -> "s.screening_result";
      case "age" -> "e.age_at_diagnosis";
      case "sex" -> "p.sex";
      case "etiology" -> fact("value_code", KIND_ETIOLOGY, params);
      case "hf-cs-ischemic", "hf-cs-de-novo" -> fact("value_boolean", source, params);
      case "shock-diagnosis-time" -> "COALESCE(s.shock_diagnosis_at, e.shock_diagnosis_at)";
      case "cicu-arrival-time" -> "e.cicu_arrival_at";
      case "scai-at-diagnosis" -> fact("value_code", KIND_SCAI_AT_DIAGNOSIS, params);
      case "scai-worst-24h" -> fact("value_code", KIND_SCAI_WORST_24H, params);
      case "hours-diagnosis-to-randomization" -> "s.hours_diagnosis_to_randomization";
      case "hours-cicu-to-randomization" -> "s.hours_cicu_to_randomization";
      case "hours-randomization-to-intervention" -> "s.hours_randomization_to_intervention";
      case "escalation" -> "s.escalation_within_hours";
      case "deviations" -> "NULLIF(array_to_string(s.deviations, ';'), '')";
      case "death-time" -> "p.deceased_at";
      case "primary-endpoint" -> "s.endpoint";
      case "baseline:" -> {
        // as CohortEngine's baseline: nearest shock diagnosis within the episode window, ties
        // the earlier then by id; implausible values and those without a time do not count
        params.add(arg);
        yield "(SELECT x.value FROM measurement x WHERE x.patient_id = s.patient_id AND x.variable = ?"
            + " AND x.value IS NOT NULL AND x.effective_at BETWEEN e.window_start AND e.window_end"
            + " AND NOT ('implausible' = ANY(x.flags))"
            + " ORDER BY abs(extract(epoch FROM x.effective_at - e.shock_diagnosis_at)), x.effective_at,"
            + " x.observation_id LIMIT 1)";
      }
      case "device-start:" -> {
        params.add(arg);
        yield "(SELECT min(COALESCE(dt.started_at, dt.performed_at)) FROM device_therapy dt"
            + " WHERE dt.patient_id = s.patient_id AND dt.device = ?"
            + " AND COALESCE(dt.started_at, dt.performed_at) BETWEEN e.window_start AND e.window_end)";
      }
      case "criterion:" -> {
        params.add(arg);
        yield "(s.criteria ->> ?)";
      }
      default -> throw new IllegalArgumentException("unknown export source " + source);
    };
  }

  private static String fact(String valueColumn, String kind, List<Object> params) {
    params.add(kind);
    return "(SELECT d."
        + valueColumn
        + " FROM derived_fact d WHERE d.episode_id = e.episode_id AND d.kind = ?)";
  }

  private static ExportRow row(ResultSet rs, int sources) throws SQLException {
    List<Object> values = new ArrayList<>(sources);
    for (int i = 0; i < sources; i++) {
      Object v = rs.getObject(4 + i);
      values.add(v instanceof Timestamp t ? t.toInstant() : v);
    }
    Timestamp at = rs.getTimestamp(3);
    return new ExportRow(
        rs.getString(1), rs.getString(2), at == null ? null : at.toInstant(), values);
  }
}
