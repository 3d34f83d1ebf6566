package org.shockreg.server.fhir;

import java.time.Duration;
import org.shockreg.registry.search.ObservationCodeTally;
import org.shockreg.server.retention.PeriodicJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;

/**
 * Folds the Observation count deltas ({@link ObservationCodeTally}) every {@code
 * shockreg.fhir.code-tally-compaction-interval}, first a few seconds after start (a database loaded
 * without the server may hold many). With several instances each runs it; one folds at a time.
 */
final class CodeTallyCompaction extends PeriodicJob {

  private static final Logger log = LoggerFactory.getLogger(CodeTallyCompaction.class);

  private final ObservationCodeTally tally;
  private final Duration interval;

  CodeTallyCompaction(ObservationCodeTally tally, Duration interval) {
    super("code-tally-compaction");
    this.tally = tally;
    this.interval = interval;
  }

  void compact() {
    try {
      long started = System.nanoTime();
      long removed = tally.compact();
      log.debug(
          "event=code_tally_compacted removed_rows={} ms={}",
          removed,
          (System.nanoTime() - started) / 1_000_000);
    } catch (DataAccessException e) {
      // the deltas stay correct as they are; tried again at the next interval
      log.warn(
          "event=code_tally_compaction_failed error={} reason=\"{}\"",
          e.getClass().getSimpleName(),
          e.getMostSpecificCause().getMessage());
    }
  }

  @Override
  protected void runOnce() {
    compact();
  }

  @Override
  protected long firstAfterMillis() {
    return 5_000;
  }

  @Override
  protected long everyMillis() {
    return Math.max(1_000, interval.toMillis());
  }
}
