package org.shockreg.benchmarks.search;

import java.time.Duration;

/**
 * CPU time used so far by the server process and by the benchmark's PostgreSQL (its postmaster,
 * found by its data directory, and every process below it), so an export can be put in CPU
 * microseconds per resource: on a machine shared with other work, wall time mostly measures the
 * others. Backends that exit between two readings take their time with them; the server's pool
 * keeps its connections, so the export's backends are counted.
 */
public final class CpuClock {

  /** CPU seconds: server JVM, PostgreSQL, this (the load driver's) JVM. */
  public record Reading(double server, double database, double driver) {}

  private final long serverPid;
  private final String pgData;

  public CpuClock(long serverPid, java.nio.file.Path pgData) {
    this.serverPid = serverPid;
    this.pgData = pgData.toString();
  }

  public Reading read() {
    double server =
        ProcessHandle.of(serverPid)
            .flatMap(p -> p.info().totalCpuDuration())
            .map(CpuClock::seconds)
            .orElse(Double.NaN);
    double database =
        ProcessHandle.allProcesses()
            .filter(
                p ->
                    p.info()
                        .arguments()
                        .map(a -> java.util.List.of(a).contains(pgData))
                        .orElse(false))
            .flatMap(
                p -> java.util.stream.Stream.concat(java.util.stream.Stream.of(p), p.descendants()))
            .mapToDouble(p -> p.info().totalCpuDuration().map(CpuClock::seconds).orElse(0.0))
            .sum();
    double driver =
        ProcessHandle.current().info().totalCpuDuration().map(CpuClock::seconds).orElse(Double.NaN);
    return new Reading(server, database, driver);
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }
}
