package org.shockreg.server.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.shockreg.registry.retention.AuditPurge;
import org.shockreg.registry.retention.RawStorePurge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retention purges, daily (every {@code shockreg.audit.purge-interval}) on one background
 * thread, first a minute after start; also on demand ({@code POST /admin/retention/run}). Each
 * purge works in batches, so it never holds long locks; with several instances each runs them,
 * which is harmless (a second run finds nothing).
 */
public class RetentionJobs extends PeriodicJob {

  private static final Logger log = LoggerFactory.getLogger(RetentionJobs.class);

  private final AuditPurge audit;
  private final Period auditRetention;
  private final RawStorePurge raw;
  private final Period rawRetention;
  private final Duration interval;
  private final Clock clock;

  public RetentionJobs(
      AuditPurge audit,
      Period auditRetention,
      RawStorePurge raw,
      Period rawRetention,
      Duration interval,
      Clock clock) {
    super("retention-purge");
    this.audit = audit;
    this.auditRetention = auditRetention;
    this.raw = raw;
    this.rawRetention = rawRetention;
    this.interval = interval;
    this.clock = clock;
  }

  /** Runs both purges now; what each deleted (absent: that retention is off). */
  public synchronized Map<String, Long> runNow() {
    Map<String, Long> deleted = new LinkedHashMap<>();
    Instant now = clock.instant();
    if (auditRetention != null && !auditRetention.isZero()) {
      deleted.put("audit-events", audit.purge(cutoff(now, auditRetention)));
    }
    if (rawRetention != null && !rawRetention.isZero()) {
      deleted.put("raw-versions", raw.purge(cutoff(now, rawRetention)));
    }
    return deleted;
  }

  static Instant cutoff(Instant now, Period retention) {
    return now.atOffset(ZoneOffset.UTC).minus(retention).toInstant();
  }

  private void scheduled() {
    try {
      runNow();
    } catch (RuntimeException e) {
      // tried again at the next interval
      log.warn(
          "event=retention_purge_failed error={} reason=\"{}\"",
          e.getClass().getSimpleName(),
          e.getMessage());
    }
  }

  @Override
  protected void runOnce() {
    scheduled();
  }

  @Override
  protected long firstAfterMillis() {
    return 60_000;
  }

  @Override
  protected long everyMillis() {
    return Math.max(60_000, interval.toMillis());
  }

  @Override
  protected void started() {
    log.info(
        "event=retention_scheduled audit_retention={} raw_retention={} interval={}",
        auditRetention,
        rawRetention == null ? "forever" : rawRetention,
        interval);
  }
}
