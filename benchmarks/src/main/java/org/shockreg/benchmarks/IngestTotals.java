package org.shockreg.benchmarks;

import org.shockreg.ingest.pipeline.IntakeReport;

/** What one ingest pass did: the intake reports summed, wall, database, commit and GC time. */
final class IngestTotals {
  long received, curated, unchanged, rejected, unmapped, skipped, retracted, ignored;
  long nanos;
  long dbNanos;
  long gcMillis;
  long commitNanos;
  String dbBreakdown;

  /** CPU seconds of this JVM (every thread) and of PostgreSQL (every backend) during the pass. */
  double jvmCpuSeconds, pgCpuSeconds;

  void add(IntakeReport r) {
    received += r.received();
    curated += r.curated();
    unchanged += r.unchanged();
    rejected += r.rejected();
    unmapped += r.unmapped();
    skipped += r.skipped();
    retracted += r.retracted();
    ignored += r.ignored();
  }

  double seconds() {
    return nanos / 1e9;
  }

  double rate() {
    return received / seconds();
  }

  /** Microseconds of CPU per resource received: this JVM, PostgreSQL. */
  String cpuPerResource() {
    double jvm = jvmCpuSeconds * 1e6 / received;
    double pg = pgCpuSeconds * 1e6 / received;
    return String.format(
        java.util.Locale.ROOT,
        "CPU per resource: JVM %.1f us + PostgreSQL %.1f us = %.1f us; cores busy %.2f;"
            + " resources/s that CPU allows on 2 idle cores %.0f",
        jvm,
        pg,
        jvm + pg,
        (jvmCpuSeconds + pgCpuSeconds) / seconds(),
        2e6 / (jvm + pg));
  }

  @Override
  public String toString() {
    return "received="
        + received
        + " curated="
        + curated
        + " unchanged="
        + unchanged
        + " rejected="
        + rejected
        + " unmapped="
        + unmapped
        + " skipped="
        + skipped
        + " retracted="
        + retracted
        + " ignored="
        + ignored;
  }
}
