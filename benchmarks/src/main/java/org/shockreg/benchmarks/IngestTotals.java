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
