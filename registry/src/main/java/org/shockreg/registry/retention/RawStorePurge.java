package org.shockreg.registry.retention;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code shockreg.intake.raw-retention}: deletes raw-store versions ({@code raw_resource}) received
 * before the cut-off, in batches of one transaction each, except those still needed: the head of
 * each source resource (replay and remap work from it) and any version a row of another table still
 * cites by {@code raw_id} (the curated facts, whose Provenance links their raw version). Which
 * tables cite is read from the catalogue, so a new table with a {@code raw_id} column is respected
 * without touching this class.
 */
public final class RawStorePurge {

  private static final Logger log = LoggerFactory.getLogger(RawStorePurge.class);

  private final JdbcTemplate jdbc;
  private final int batchSize;

  public RawStorePurge(JdbcTemplate jdbc, int batchSize) {
    this.jdbc = jdbc;
    this.batchSize = batchSize;
  }

  /** Deletes what is older than {@code cutoff} and not needed; the number of versions deleted. */
  public long purge(Instant cutoff) {
    String sql = statement(citingTables());
    long deleted = 0;
    long after = 0;
    int batches = 0;
    while (true) {
      Map<String, Object> r = jdbc.queryForMap(sql, after, Timestamp.from(cutoff), batchSize);
      Number last = (Number) r.get("last");
      deleted += ((Number) r.get("n")).longValue();
      batches++;
      if (last == null) {
        break;
      }
      after = last.longValue();
    }
    // HL7 v2 frames as received (with names and MRNs) age out with the raw store; a resend older
    // than the retention is then taken in again, and found unchanged by content
    int messages =
        jdbc.update("DELETE FROM hl7v2_message WHERE received_at < ?", Timestamp.from(cutoff));
    log.info(
        "event=raw_retention_purged deleted={} batches={} hl7v2Messages={} cutoff={}",
        deleted,
        batches,
        messages,
        cutoff);
    return deleted;
  }

  private List<String> citingTables() {
    return jdbc.queryForList(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema()"
            + " AND column_name = 'raw_id' AND table_name NOT IN ('raw_resource', 'source_resource_head')"
            + " ORDER BY table_name",
        String.class);
  }

  /**
   * One batch: the next {@code batchSize} old non-head versions after the last one looked at, then
   * those no other row cites are deleted. Returns the last version looked at (null: done) and the
   * number deleted.
   */
  static String statement(List<String> citing) {
    List<String> uncited = new ArrayList<>();
    for (String t : citing) {
      uncited.add(
          " AND NOT EXISTS (SELECT 1 FROM \""
              + t.replace("\"", "\"\"")
              + "\" f WHERE f.raw_id = c.raw_id)");
    }
    return "WITH candidates AS ("
        + " SELECT r.raw_id FROM raw_resource r"
        + " WHERE r.raw_id > ? AND r.received_at < ?"
        + " AND NOT EXISTS (SELECT 1 FROM source_resource_head h WHERE h.site_id = r.site_id"
        + " AND h.resource_type = r.resource_type AND h.resource_id = r.resource_id AND h.raw_id = r.raw_id)"
        + " ORDER BY r.raw_id LIMIT ?),"
        + " deleted AS (DELETE FROM raw_resource d USING candidates c WHERE d.raw_id = c.raw_id"
        + String.join("", uncited)
        + " RETURNING d.raw_id)"
        + " SELECT (SELECT max(raw_id) FROM candidates) AS last, (SELECT count(*) FROM deleted) AS n";
  }
}
