package org.shockreg.registry.bulk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The {@code bulk_export_job} rows as one instance sees them: {@code owner} is the export directory
 * the files are written to (the same for every instance sharing that storage), {@code runner} the
 * instance that claimed the job and keeps its {@code heartbeat_at} fresh. Claims and take-overs are
 * single conditional UPDATEs, so two instances never run one job at once; the open jobs of a caller
 * count on every instance (the kick-off limit).
 */
public final class BulkExportJobStore {

  private static final TypeReference<List<BulkExportJob.File>> FILES = new TypeReference<>() {};

  private final NamedParameterJdbcTemplate jdbc;
  private final ObjectMapper json;
  private final String owner;
  private final String runner;

  /** A store whose instance id is its export directory (one instance per directory). */
  public BulkExportJobStore(NamedParameterJdbcTemplate jdbc, ObjectMapper json, String owner) {
    this(jdbc, json, owner, owner);
  }

  /**
   * @param owner the export directory this instance writes to
   * @param runner this instance's id, stable across its restarts (host and data dir)
   */
  public BulkExportJobStore(
      NamedParameterJdbcTemplate jdbc, ObjectMapper json, String owner, String runner) {
    this.jdbc = jdbc;
    this.json = json;
    this.owner = owner;
    this.runner = runner;
  }

  public void insert(
      String jobId,
      String level,
      String groupId,
      String requestUrl,
      List<String> types,
      Instant since,
      String outputFormat,
      String principal,
      List<String> studyIds) {
    jdbc.update(
        "INSERT INTO bulk_export_job (job_id, owner, export_level, group_id, request_url,"
            + " resource_types, since, output_format, status, principal, study_ids)"
            + " VALUES (:job, :owner, :level, :group, :url, :types, :since, :format, 'accepted',"
            + " :principal, :studies)",
        new MapSqlParameterSource("job", jobId)
            .addValue("owner", owner)
            .addValue("level", level)
            .addValue("group", groupId)
            .addValue("url", requestUrl)
            .addValue("types", types.toArray(String[]::new))
            .addValue("since", time(since))
            .addValue("format", outputFormat)
            .addValue("principal", principal)
            .addValue("studies", studyIds == null ? null : studyIds.toArray(String[]::new)));
  }

  /** The patients who are subjects of any of these studies. */
  public List<String> studyPatients(List<String> studyIds) {
    return jdbc.queryForList(
        "SELECT DISTINCT patient_id FROM research_subject WHERE study_id = ANY(:studies) ORDER BY patient_id",
        new MapSqlParameterSource("studies", studyIds.toArray(String[]::new)),
        String.class);
  }

  /** The job, unless it never existed, was deleted or has expired. */
  public Optional<BulkExportJob> find(String jobId) {
    return jdbc
        .query(
            "SELECT * FROM bulk_export_job WHERE job_id = :job"
                + " AND (expires_at IS NULL OR expires_at > now())",
            new MapSqlParameterSource("job", jobId),
            this::job)
        .stream()
        .findFirst();
  }

  /** Jobs waiting or running in my export directory (the kick-off queue limit). */
  public long openJobs() {
    return count(
        "SELECT count(*) FROM bulk_export_job WHERE owner = :owner AND status IN ('accepted', 'in-progress')",
        new MapSqlParameterSource("owner", owner));
  }

  /** Jobs of this caller ({@code principal}) accepted or running, on any instance. */
  public long openJobsOf(String principal) {
    return count(
        "SELECT count(*) FROM bulk_export_job WHERE principal = :principal"
            + " AND status IN ('accepted', 'in-progress')",
        new MapSqlParameterSource("principal", principal));
  }

  private long count(String sql, MapSqlParameterSource p) {
    Long n = jdbc.queryForObject(sql, p, Long.class);
    return n == null ? 0 : n;
  }

  /**
   * Claims a queued job for running here; false when it was deleted or another instance claimed it
   * first.
   */
  public boolean start(String jobId) {
    return jdbc.update(
            "UPDATE bulk_export_job SET status = 'in-progress', started_at = now(),"
                + " attempts = attempts + 1, exported = 0, runner = :runner, owner = :owner,"
                + " heartbeat_at = now() WHERE job_id = :job AND status = 'accepted'",
            mine().addValue("job", jobId))
        == 1;
  }

  /**
   * Records progress and the heartbeat; false when the job is no longer running here (deleted
   * through any instance, or taken over after a stale heartbeat).
   */
  public boolean progress(String jobId, long exported) {
    return jdbc.update(
            "UPDATE bulk_export_job SET exported = :n, heartbeat_at = now()"
                + " WHERE job_id = :job AND status = 'in-progress' AND runner = :runner",
            mine().addValue("job", jobId).addValue("n", exported))
        == 1;
  }

  /** Queued jobs of any instance, oldest first: what an instance with free capacity claims. */
  public List<String> queued(int limit) {
    return jdbc.queryForList(
        "SELECT job_id FROM bulk_export_job WHERE status = 'accepted' ORDER BY created_at LIMIT :n",
        new MapSqlParameterSource("n", limit),
        String.class);
  }

  /**
   * Jobs in progress whose runner has not recorded a heartbeat for {@code staleAfter} (it died, or
   * lost the database) go back to the queue for any instance; one already tried {@code maxAttempts}
   * times fails instead. Returns the ids queued again.
   */
  public List<String> takeOverStale(
      java.time.Duration staleAfter, int maxAttempts, java.time.Duration retention) {
    MapSqlParameterSource p =
        new MapSqlParameterSource("stale", staleAfter.toMillis() + " milliseconds")
            .addValue("max", maxAttempts)
            .addValue("retention", retention.toMillis() + " milliseconds");
    String stale =
        " WHERE status = 'in-progress' AND heartbeat_at < now() - CAST(:stale AS interval)";
    jdbc.update(
        "UPDATE bulk_export_job SET status = 'failed', finished_at = now(),"
            + " error = 'the instance running the export stopped responding ' || attempts || ' times',"
            + " expires_at = now() + CAST(:retention AS interval)"
            + stale
            + " AND attempts >= :max",
        p);
    return jdbc.queryForList(
        "UPDATE bulk_export_job SET status = 'accepted', exported = 0, runner = NULL"
            + stale
            + " RETURNING job_id",
        p,
        String.class);
  }

  private MapSqlParameterSource mine() {
    return new MapSqlParameterSource("runner", runner).addValue("owner", owner);
  }

  public boolean complete(
      String jobId,
      Instant transactionTime,
      long exported,
      List<BulkExportJob.File> files,
      List<BulkExportJob.File> deleted,
      java.time.Duration retention) {
    return jdbc.update(
            "UPDATE bulk_export_job SET status = 'completed', transaction_time = :tt,"
                + " exported = :n, output = CAST(:output AS jsonb),"
                + " deleted = CAST(:deleted AS jsonb), finished_at = now(),"
                + " expires_at = now() + CAST(:retention AS interval)"
                + " WHERE job_id = :job AND status = 'in-progress' AND runner = :runner",
            mine()
                .addValue("job", jobId)
                .addValue("tt", time(transactionTime))
                .addValue("n", exported)
                .addValue("output", toJson(files))
                .addValue("deleted", toJson(deleted))
                .addValue("retention", retention.toMillis() + " milliseconds"))
        == 1;
  }

  public void fail(String jobId, String error, java.time.Duration retention) {
    jdbc.update(
        "UPDATE bulk_export_job SET status = 'failed', error = :error, finished_at = now(),"
            + " expires_at = now() + CAST(:retention AS interval)"
            + " WHERE job_id = :job"
            + " AND (status = 'accepted' OR (status = 'in-progress' AND runner = :runner))",
        mine()
            .addValue("job", jobId)
            .addValue("error", error)
            .addValue("retention", retention.toMillis() + " milliseconds"));
  }

  /** Deletes the job row; false when there was none. */
  public boolean delete(String jobId) {
    return jdbc.update(
            "DELETE FROM bulk_export_job WHERE job_id = :job",
            new MapSqlParameterSource("job", jobId))
        == 1;
  }

  /**
   * On a stop or after a restart: the jobs this instance was running go back to the queue (for any
   * instance); a job interrupted {@code maxAttempts} times fails instead. Returns every queued job,
   * oldest first.
   */
  public List<String> requeueInterrupted(int maxAttempts, java.time.Duration retention) {
    MapSqlParameterSource p =
        mine()
            .addValue("max", maxAttempts)
            .addValue("retention", retention.toMillis() + " milliseconds");
    jdbc.update(
        "UPDATE bulk_export_job SET status = 'failed', finished_at = now(),"
            + " error = 'the export was interrupted by server restarts ' || attempts || ' times',"
            + " expires_at = now() + CAST(:retention AS interval)"
            + " WHERE runner = :runner AND status = 'in-progress' AND attempts >= :max",
        p);
    jdbc.update(
        "UPDATE bulk_export_job SET status = 'accepted', exported = 0, runner = NULL"
            + " WHERE runner = :runner AND status = 'in-progress'",
        p);
    return jdbc.queryForList(
        "SELECT job_id FROM bulk_export_job WHERE status = 'accepted' ORDER BY created_at",
        p,
        String.class);
  }

  /**
   * Removes the expired jobs' rows of my export directory and returns their ids (whose files the
   * caller deletes).
   */
  public List<String> deleteExpired() {
    return jdbc.queryForList(
        "DELETE FROM bulk_export_job WHERE owner = :owner AND expires_at <= now() RETURNING job_id",
        new MapSqlParameterSource("owner", owner),
        String.class);
  }

  /** The ids of the jobs in my export directory, to tell orphaned directories from live ones. */
  public List<String> jobIds() {
    return jdbc.queryForList(
        "SELECT job_id FROM bulk_export_job WHERE owner = :owner",
        new MapSqlParameterSource("owner", owner),
        String.class);
  }

  private BulkExportJob job(ResultSet rs, int i) throws SQLException {
    Array types = rs.getArray("resource_types");
    return new BulkExportJob(
        rs.getString("job_id"),
        rs.getString("export_level"),
        rs.getString("group_id"),
        rs.getString("request_url"),
        Arrays.stream((Object[]) types.getArray()).map(Object::toString).toList(),
        instant(rs.getTimestamp("since")),
        rs.getString("output_format"),
        rs.getString("status"),
        rs.getInt("attempts"),
        rs.getLong("exported"),
        instant(rs.getTimestamp("transaction_time")),
        fromJson(rs.getString("output")),
        fromJson(rs.getString("deleted")),
        rs.getString("error"),
        instant(rs.getTimestamp("created_at")),
        instant(rs.getTimestamp("finished_at")),
        instant(rs.getTimestamp("expires_at")),
        rs.getString("principal"),
        strings(rs.getArray("study_ids")));
  }

  private static List<String> strings(Array array) throws SQLException {
    return array == null
        ? null
        : Arrays.stream((Object[]) array.getArray()).map(Object::toString).toList();
  }

  private static Instant instant(Timestamp ts) {
    return ts == null ? null : ts.toInstant();
  }

  private static OffsetDateTime time(Instant i) {
    return i == null ? null : OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
  }

  private String toJson(List<BulkExportJob.File> files) {
    try {
      return json.writeValueAsString(files);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private List<BulkExportJob.File> fromJson(String value) {
    try {
      return value == null ? List.of() : json.readValue(value, FILES);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored export output is not valid JSON", e);
    }
  }
}
