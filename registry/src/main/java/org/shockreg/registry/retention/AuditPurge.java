package org.shockreg.registry.retention;

import java.sql.Timestamp;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code shockreg.audit.retention}: deletes audit events recorded before the cut-off, oldest first,
 * in batches of one transaction each. The table refuses deletes (append-only trigger) unless the
 * transaction sets {@code shockreg.audit_purge}, which only this class does.
 */
public final class AuditPurge {

  private static final Logger log = LoggerFactory.getLogger(AuditPurge.class);

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;
  private final int batchSize;

  public AuditPurge(JdbcTemplate jdbc, TransactionTemplate tx, int batchSize) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.batchSize = batchSize;
  }

  public long purge(Instant cutoff) {
    long deleted = 0;
    int batches = 0;
    while (true) {
      Integer n =
          tx.execute(
              status -> {
                jdbc.queryForObject(
                    "SELECT set_config('shockreg.audit_purge', 'on', true)", String.class);
                return jdbc.update(
                    "DELETE FROM audit_event WHERE row_id IN (SELECT row_id FROM audit_event WHERE recorded < ?"
                        + " ORDER BY recorded, row_id LIMIT ?)",
                    Timestamp.from(cutoff),
                    batchSize);
              });
      batches++;
      deleted += n == null ? 0 : n;
      if (n == null || n < batchSize) {
        break;
      }
    }
    log.info(
        "event=audit_retention_purged deleted={} batches={} cutoff={}", deleted, batches, cutoff);
    return deleted;
  }
}
