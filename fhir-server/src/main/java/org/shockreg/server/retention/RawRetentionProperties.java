package org.shockreg.server.retention;

import java.time.Period;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Raw-store retention (docs/intake.md "Raw-store retention"); the other intake settings under the
 * same prefix are bound elsewhere.
 *
 * @param rawRetention raw versions received longer ago than this are purged unless still needed
 *     (ISO period, e.g. P1Y); empty or P0D: kept forever
 * @param rawPurgeBatchSize versions examined per purge transaction
 */
@ConfigurationProperties("shockreg.intake")
public record RawRetentionProperties(Period rawRetention, Integer rawPurgeBatchSize) {

  public RawRetentionProperties {
    if (rawRetention != null && rawRetention.isNegative()) {
      throw new IllegalArgumentException("shockreg.intake.raw-retention must not be negative");
    }
    rawPurgeBatchSize = rawPurgeBatchSize == null ? 10_000 : rawPurgeBatchSize;
  }

  public boolean keepForever() {
    return rawRetention == null || rawRetention.isZero();
  }
}
