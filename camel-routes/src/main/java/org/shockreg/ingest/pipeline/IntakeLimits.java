package org.shockreg.ingest.pipeline;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits on what one intake body may hold, so that a flood or a malformed file cannot exhaust
 * memory (docs/intake.md "Limits"). Nothing over a limit is dropped silently: it is rejected with a
 * reason and parked in the dead-letter store.
 *
 * @param maxBodyBytes the largest HTTP body or drop-folder file taken in (413 over it)
 * @param maxNdjsonLineBytes the longest NDJSON line; a longer line alone is rejected
 * @param maxBundleEntries the most entries one Bundle may have (413 over it, nothing taken in)
 * @param deadLetterSampleBytes how much of an over-limit body or line the dead-letter store keeps
 */
@ConfigurationProperties("shockreg.limits")
public record IntakeLimits(
    @DefaultValue("100MB") DataSize maxBodyBytes,
    @DefaultValue("1MB") DataSize maxNdjsonLineBytes,
    @DefaultValue("100000") int maxBundleEntries,
    @DefaultValue("64KB") DataSize deadLetterSampleBytes) {

  /** The defaults, for pipelines built outside Spring (benchmarks). */
  public static final IntakeLimits DEFAULTS =
      new IntakeLimits(
          DataSize.ofMegabytes(100), DataSize.ofMegabytes(1), 100_000, DataSize.ofKilobytes(64));

  public IntakeLimits {
    if (maxBodyBytes.toBytes() < 1
        || maxNdjsonLineBytes.toBytes() < 1
        || deadLetterSampleBytes.toBytes() < 0) {
      throw new IllegalArgumentException("shockreg.limits: sizes must be positive");
    }
    if (maxBundleEntries < 1) {
      throw new IllegalArgumentException("shockreg.limits.max-bundle-entries must be at least 1");
    }
  }

  /** How much of an over-limit body or line is kept: never more than the limit itself. */
  int sample(long limit) {
    return (int) Math.min(Math.min(deadLetterSampleBytes.toBytes(), limit), Integer.MAX_VALUE - 8);
  }
}
