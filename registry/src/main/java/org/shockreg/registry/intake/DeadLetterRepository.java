package org.shockreg.registry.intake;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Reads the dead-letter store for operators ({@code /admin/dead-letters}): the list, one letter
 * with its payload, and what a replay needs. Writes (new letters, replay outcomes) stay with the
 * intake writer, in the intake's transaction.
 */
public class DeadLetterRepository {

  /** What a replay needs of a dead letter: where it came from and its payload as received. */
  public record Stored(
      String siteId, String channel, String origin, String contentType, byte[] payload) {}

  private static final String SUMMARY_COLUMNS =
      "dead_letter_id AS id, site_id AS \"siteId\", channel, origin, content_type AS"
          + " \"contentType\", reason_code AS \"reasonCode\", reason, resource_type AS"
          + " \"resourceType\", resource_id AS \"resourceId\", status, replay_count AS"
          + " \"replayCount\", received_at AS \"receivedAt\"";

  private final JdbcTemplate jdbc;

  public DeadLetterRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Newest first; {@code status} {@code all} or one status; {@code limit} kept within 1-1000. */
  public List<Map<String, Object>> list(String status, int limit) {
    return jdbc.queryForList(
        "SELECT "
            + SUMMARY_COLUMNS
            + ", replayed_at AS \"replayedAt\","
            + " octet_length(payload) AS \"payloadBytes\""
            + " FROM dead_letter WHERE (? = 'all' OR status = ?) ORDER BY dead_letter_id DESC LIMIT ?",
        status,
        status,
        Math.min(Math.max(limit, 1), 1000));
  }

  /** One dead letter with its payload (bytes, as received). */
  public Optional<Map<String, Object>> find(long id) {
    return jdbc
        .queryForList(
            "SELECT " + SUMMARY_COLUMNS + ", payload FROM dead_letter WHERE dead_letter_id = ?", id)
        .stream()
        .findFirst();
  }

  public Optional<Stored> forReplay(long id) {
    return jdbc
        .query(
            "SELECT site_id, channel, origin, content_type, payload FROM dead_letter WHERE dead_letter_id = ?",
            (rs, n) ->
                new Stored(
                    rs.getString("site_id"),
                    rs.getString("channel"),
                    rs.getString("origin"),
                    rs.getString("content_type"),
                    rs.getBytes("payload")),
            id)
        .stream()
        .findFirst();
  }
}
