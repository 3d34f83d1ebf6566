package org.shockreg.ingest.pull;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A pull source's view for operations ({@code /admin/sources}): configuration, state, last run. */
public record PullSourceStatus(
    String id,
    String type,
    boolean enabled,
    String baseUrl,
    String schedule,
    String state,
    LastRun lastRun,
    Map<String, Instant> watermarks,
    int consecutiveFailures,
    Instant backedOffUntil,
    Instant nextScheduledRun,
    List<String> resourceTypes) {

  /** The last run of a source. */
  public record LastRun(
      long runId,
      Instant started,
      Instant finished,
      String state,
      long resources,
      long pages,
      long errors,
      String lastError) {}

  static PullSourceStatus of(
      PullSourceState s, Optional<PullStore.Run> lastRun, Map<String, Instant> wm, Clock clock) {
    LastRun last =
        lastRun
            .map(
                r ->
                    new LastRun(
                        r.runId(),
                        r.started(),
                        r.finished(),
                        r.state(),
                        r.resources(),
                        r.pages(),
                        r.errors(),
                        r.lastError()))
            .orElse(null);
    String state;
    if (!s.config.isEnabled()) {
      state = "disabled";
    } else if (s.running.get()) {
      state = "running";
    } else if (s.backedOffUntil != null && clock.instant().isBefore(s.backedOffUntil)) {
      state = "backed-off";
    } else {
      state = "idle";
    }
    // An estimate from the schedule: the trigger itself lives in Quartz and may fire on another
    // instance.
    Instant next = null;
    if (s.runnable()) {
      if (s.schedule.isCron()) {
        next = s.schedule.next(clock.instant(), ZoneId.systemDefault());
      } else if (last != null && last.started() != null) {
        next = last.started().plus(s.schedule.interval());
      }
    }
    return new PullSourceStatus(
        s.id,
        s.config.type(),
        s.config.isEnabled(),
        s.config.baseUrl(),
        s.schedule.text(),
        state,
        last,
        wm,
        s.consecutiveFailures,
        s.backedOffUntil,
        next,
        s.config.types());
  }
}
