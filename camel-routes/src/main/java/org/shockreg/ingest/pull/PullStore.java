package org.shockreg.ingest.pull;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/** Watermarks ({@code sync_watermark}) and run records ({@code pull_run}). */
public class PullStore {

  /** One run as recorded. */
  public record Run(
      long runId,
      String sourceId,
      Instant started,
      Instant finished,
      String state,
      long resources,
      long pages,
      long errors,
      String lastError) {}

  private final NamedParameterJdbcTemplate jdbc;

  public PullStore(NamedParameterJdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public Optional<Instant> watermark(String sourceId, String resourceType) {
    List<Timestamp> rows =
        jdbc.queryForList(
            "SELECT watermark FROM sync_watermark WHERE source_id = :s AND resource_type = :t",
            new MapSqlParameterSource("s", sourceId).addValue("t", resourceType),
            Timestamp.class);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0).toInstant());
  }

  /** Every resource type's watermark of a source. */
  public Map<String, Instant> watermarks(String sourceId) {
    Map<String, Instant> out = new LinkedHashMap<>();
    jdbc.query(
        "SELECT resource_type, watermark FROM sync_watermark WHERE source_id = :s ORDER BY resource_type",
        new MapSqlParameterSource("s", sourceId),
        rs -> {
          out.put(rs.getString(1), rs.getTimestamp(2).toInstant());
        });
    return out;
  }

  /** Moves a watermark forward (never back). */
  public void advance(String sourceId, String resourceType, Instant watermark) {
    jdbc.update(
        "INSERT INTO sync_watermark (source_id, resource_type, watermark, updated_at)"
            + " VALUES (:s, :t, :w, now())"
            + " ON CONFLICT (source_id, resource_type) DO UPDATE SET watermark = EXCLUDED.watermark,"
            + " updated_at = now() WHERE sync_watermark.watermark < EXCLUDED.watermark",
        new MapSqlParameterSource("s", sourceId)
            .addValue("t", resourceType)
            .addValue("w", Timestamp.from(watermark)));
  }

  public long startRun(String sourceId) {
    return jdbc.queryForObject(
        "INSERT INTO pull_run (source_id, started_at, state) VALUES (:s, now(), 'running') RETURNING run_id",
        new MapSqlParameterSource("s", sourceId),
        Long.class);
  }

  /** Progress so far (also while running, so the admin view shows it). */
  public void progress(long runId, FhirRestPuller.Progress p) {
    jdbc.update(
        "UPDATE pull_run SET resources = :r, pages = :p, errors = :e, last_error = :le WHERE run_id = :id",
        counts(runId, p));
  }

  public void finishRun(long runId, String state, FhirRestPuller.Progress p) {
    jdbc.update(
        "UPDATE pull_run SET finished_at = now(), state = :st, resources = :r, pages = :p, errors = :e,"
            + " last_error = :le WHERE run_id = :id",
        counts(runId, p).addValue("st", state));
  }

  private static MapSqlParameterSource counts(long runId, FhirRestPuller.Progress p) {
    return new MapSqlParameterSource("id", runId)
        .addValue("r", p.resources)
        .addValue("p", p.pages)
        .addValue("e", p.errors)
        .addValue("le", p.lastError);
  }

  /** Runs left 'running' by a process that stopped: they will never finish. */
  public int abandonRunning(String reason) {
    return jdbc.update(
        "UPDATE pull_run SET state = 'failed', finished_at = now(), last_error = :le WHERE state = 'running'",
        new MapSqlParameterSource("le", reason));
  }

  public Optional<Run> lastRun(String sourceId) {
    List<Run> rows =
        jdbc.query(
            "SELECT run_id, source_id, started_at, finished_at, state, resources, pages, errors, last_error"
                + " FROM pull_run WHERE source_id = :s ORDER BY run_id DESC LIMIT 1",
            new MapSqlParameterSource("s", sourceId),
            (rs, i) ->
                new Run(
                    rs.getLong(1),
                    rs.getString(2),
                    rs.getTimestamp(3).toInstant(),
                    rs.getTimestamp(4) == null ? null : rs.getTimestamp(4).toInstant(),
                    rs.getString(5),
                    rs.getLong(6),
                    rs.getLong(7),
                    rs.getLong(8),
                    rs.getString(9)));
    return rows.stream().findFirst();
  }

  /** The open Bulk Data export job of a source ({@code bulk_job}). */
  public record BulkJob(
      String sourceId, String statusUrl, String kickoffUrl, Instant since, Instant kickedOffAt) {}

  public Optional<BulkJob> bulkJob(String sourceId) {
    return jdbc
        .query(
            "SELECT source_id, status_url, kickoff_url, since, kicked_off_at FROM bulk_job WHERE source_id = :s",
            new MapSqlParameterSource("s", sourceId),
            (rs, i) ->
                new BulkJob(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getTimestamp(4) == null ? null : rs.getTimestamp(4).toInstant(),
                    rs.getTimestamp(5).toInstant()))
        .stream()
        .findFirst();
  }

  /** Records the status URL of a job just kicked off (replaces an older record). */
  public void saveBulkJob(String sourceId, String statusUrl, String kickoffUrl, Instant since) {
    jdbc.update(
        "INSERT INTO bulk_job (source_id, status_url, kickoff_url, since, kicked_off_at)"
            + " VALUES (:s, :u, :k, :since, now())"
            + " ON CONFLICT (source_id) DO UPDATE SET status_url = EXCLUDED.status_url,"
            + " kickoff_url = EXCLUDED.kickoff_url, since = EXCLUDED.since, kicked_off_at = now()",
        new MapSqlParameterSource("s", sourceId)
            .addValue("u", statusUrl)
            .addValue("k", kickoffUrl)
            .addValue(
                "since", since == null ? null : Timestamp.from(since), java.sql.Types.TIMESTAMP));
  }

  public void deleteBulkJob(String sourceId) {
    jdbc.update(
        "DELETE FROM bulk_job WHERE source_id = :s", new MapSqlParameterSource("s", sourceId));
  }
}
