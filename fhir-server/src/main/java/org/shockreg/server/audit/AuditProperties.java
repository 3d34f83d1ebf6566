package org.shockreg.server.audit;

import java.time.Duration;
import java.time.Period;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The audit trail (docs/security.md "Audit").
 *
 * @param enabled false: nothing is recorded (for a benchmark; the AuditEvent endpoint stays)
 * @param retention events older than this are purged (ISO period, e.g. P2Y); P0D: kept forever
 * @param purgeInterval how often the retention purge runs
 * @param queueCapacity events waiting for the writer; when full, a request writes its own event
 * @param batchSize events per INSERT batch
 * @param linger how long the writer lets a batch fill before it writes it
 */
@ConfigurationProperties("shockreg.audit")
public record AuditProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("P2Y") Period retention,
    @DefaultValue("24h") Duration purgeInterval,
    @DefaultValue("10000") int queueCapacity,
    @DefaultValue("500") int batchSize,
    @DefaultValue("200ms") Duration linger) {

  public AuditProperties {
    if (queueCapacity < 1 || batchSize < 1) {
      throw new IllegalArgumentException(
          "shockreg.audit: queue-capacity and batch-size must be positive");
    }
    if (retention.isNegative()) {
      throw new IllegalArgumentException("shockreg.audit.retention must not be negative");
    }
  }
}
