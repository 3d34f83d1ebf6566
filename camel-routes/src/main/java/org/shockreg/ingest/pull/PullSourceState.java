package org.shockreg.ingest.pull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.shockreg.ingest.pull.PullSourcesProperties.PullSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pull source's live state in this process: its puller, whether a run is on, the watermarks for
 * the lag gauge, and the backoff of a source that keeps failing.
 */
final class PullSourceState {

  private static final Logger log = LoggerFactory.getLogger(PullSourceState.class);

  /** Failed runs in a row after which a source is backed off. */
  static final int FAILURES_BEFORE_BACKOFF = 3;

  static final Duration MAX_BACKOFF = Duration.ofHours(1);

  final String id;
  final PullSource config;
  final PullSchedule schedule;
  final AtomicBoolean running = new AtomicBoolean();
  final Map<String, Instant> watermarks = new ConcurrentHashMap<>();
  volatile int consecutiveFailures;
  volatile Instant backedOffUntil;
  FhirRestPuller puller;
  FhirBulkPuller bulk;

  PullSourceState(String id, PullSource config) {
    this.id = id;
    this.config = config;
    this.schedule = PullSchedule.parse(config.schedule());
  }

  boolean runnable() {
    return config.isEnabled()
        && (FhirRestPullService.TYPE_REST.equals(config.type())
            || FhirRestPullService.TYPE_BULK.equals(config.type()));
  }

  /** After a run: a success clears the failures; the third failure in a row starts a backoff. */
  void afterRun(String state, Clock clock) {
    if (!"failed".equals(state)) {
      consecutiveFailures = 0;
      backedOffUntil = null;
      return;
    }
    int failures = ++consecutiveFailures;
    if (failures >= FAILURES_BEFORE_BACKOFF) {
      Duration interval = schedule.nominalInterval(clock.instant(), ZoneId.systemDefault());
      Duration backoff =
          interval.multipliedBy(1L << Math.min(failures - FAILURES_BEFORE_BACKOFF + 1, 20));
      Duration cap = interval.compareTo(MAX_BACKOFF) > 0 ? interval : MAX_BACKOFF;
      if (backoff.compareTo(cap) > 0) {
        backoff = cap;
      }
      backedOffUntil = clock.instant().plus(backoff);
      log.warn(
          "event=pull_source_backed_off source={} consecutiveFailures={} until={}",
          id,
          failures,
          backedOffUntil);
    }
  }
}
