package org.shockreg.server.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Intake per minute over the last hour on this instance, for the console's live chart: the intake's
 * outcome counters ({@code shockreg.intake.outcomes}) sampled at each minute, the current minute
 * counted so far. In memory (a restart starts an empty hour); Prometheus keeps the history.
 */
public class IntakeActivity {

  static final String[] OUTCOMES = {"received", "curated", "unchanged", "rejected", "unmapped"};
  static final int MINUTES = 60;

  private record Snapshot(Instant minute, long[] totals) {}

  private final MeterRegistry meters;
  private final Clock clock;
  private final Deque<Snapshot> snapshots = new ArrayDeque<>();

  public IntakeActivity(MeterRegistry meters, Clock clock) {
    this.meters = meters;
    this.clock = clock;
  }

  /** Records the totals at the start of the current minute (called at least once a minute). */
  public synchronized void sample() {
    Instant minute = clock.instant().truncatedTo(ChronoUnit.MINUTES);
    if (!snapshots.isEmpty() && !snapshots.peekLast().minute().isBefore(minute)) {
      return;
    }
    snapshots.addLast(new Snapshot(minute, totals()));
    while (snapshots.size() > MINUTES + 1) {
      snapshots.removeFirst();
    }
  }

  /** One row per minute, oldest first: {@code minute} and a count per outcome. */
  public synchronized List<Map<String, Object>> minutes() {
    sample();
    List<Snapshot> s = new ArrayList<>(snapshots);
    s.add(new Snapshot(clock.instant(), totals()));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i + 1 < s.size(); i++) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("minute", s.get(i).minute().toString());
      for (int k = 0; k < OUTCOMES.length; k++) {
        row.put(OUTCOMES[k], s.get(i + 1).totals()[k] - s.get(i).totals()[k]);
      }
      rows.add(row);
    }
    return rows;
  }

  private long[] totals() {
    long[] t = new long[OUTCOMES.length];
    for (int k = 0; k < OUTCOMES.length; k++) {
      double sum = 0;
      for (Counter c :
          meters.find("shockreg.intake.outcomes").tag("outcome", OUTCOMES[k]).counters()) {
        sum += c.count();
      }
      t[k] = (long) sum;
    }
    return t;
  }
}
