package org.shockreg.ingest.rekey;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.shockreg.ingest.pipeline.IntakeReport;

/** One re-keying job's progress, read by status requests while the job thread adds to it. */
final class RekeyRun {

  private final String source;
  private final boolean forced;
  private final Instant startedAt;
  private final Map<String, SiteProgress> sites = new LinkedHashMap<>();
  private String state = RekeyStatus.RUNNING;
  private Instant finishedAt;
  private String error;
  private final int[] rand = new int[5]; // old, recorded, alreadyRecorded, unmatched, refused
  private boolean randomizationsRead;
  private final List<String> refusals = new ArrayList<>();

  RekeyRun(String source, boolean forced, Instant startedAt, List<OldDatabase.Site> old) {
    this.source = source;
    this.forced = forced;
    this.startedAt = startedAt;
    for (OldDatabase.Site s : old) {
      sites.put(s.siteId(), new SiteProgress(s));
    }
  }

  String source() {
    return source;
  }

  synchronized boolean running() {
    return RekeyStatus.RUNNING.equals(state);
  }

  synchronized List<OldDatabase.Site> oldSites() {
    return sites.values().stream().map(s -> s.old).toList();
  }

  synchronized void siteState(String site, String state) {
    sites.get(site).state = state;
  }

  synchronized void add(String site, IntakeReport report) {
    sites.get(site).report.add(report);
  }

  synchronized void siteDone(String site, long heads, long patients) {
    SiteProgress p = sites.get(site);
    p.newHeads = heads;
    p.newPatients = patients;
    p.state = RekeyStatus.SUCCEEDED;
  }

  synchronized RekeyStatus.SiteTotals site(String site) {
    return sites.get(site).totals();
  }

  synchronized void randomizationsFound(int n) {
    rand[0] = n;
    randomizationsRead = true;
  }

  /** {@code recorded}, {@code alreadyRecorded}, {@code unmatched}, else refused with its code. */
  synchronized void randomization(String outcome, String code) {
    switch (outcome) {
      case "recorded" -> rand[1]++;
      case "alreadyRecorded" -> rand[2]++;
      case "unmatched" -> rand[3]++;
      default -> {
        rand[4]++;
        refusals.add(code);
      }
    }
  }

  synchronized void finish(String state, String error, Instant at) {
    this.state = state;
    this.error = error;
    this.finishedAt = at;
  }

  synchronized RekeyStatus snapshot() {
    List<RekeyStatus.SiteTotals> totals =
        sites.values().stream().map(SiteProgress::totals).toList();
    RekeyStatus.RandomizationTotals r =
        randomizationsRead
            ? new RekeyStatus.RandomizationTotals(
                rand[0], rand[1], rand[2], rand[3], rand[4], List.copyOf(refusals))
            : null;
    boolean verified =
        RekeyStatus.SUCCEEDED.equals(state)
            && totals.stream().allMatch(RekeyStatus.SiteTotals::matches)
            && r != null
            && r.recorded() + r.alreadyRecorded() == r.old();
    return new RekeyStatus(
        state, source, forced, startedAt, finishedAt, error, totals, r, verified);
  }

  private static final class SiteProgress {
    final OldDatabase.Site old;
    final IntakeReport report = new IntakeReport();
    String state = "pending";
    long newHeads = -1;
    long newPatients = -1;

    SiteProgress(OldDatabase.Site old) {
      this.old = old;
    }

    /** Matches when every old head came in without a rejection and the counts agree. */
    RekeyStatus.SiteTotals totals() {
      IntakeReport r = report;
      boolean matches =
          RekeyStatus.SUCCEEDED.equals(state)
              && r.received() == old.heads()
              && newHeads == old.heads()
              && newPatients == old.patients()
              && r.rejected() == 0;
      return new RekeyStatus.SiteTotals(
          old.siteId(),
          state,
          old.heads(),
          old.patients(),
          r.received(),
          r.curated(),
          r.unchanged(),
          r.unmapped(),
          r.rejected(),
          r.skipped(),
          r.retracted(),
          r.deleted(),
          r.ignored(),
          newHeads,
          newPatients,
          matches);
    }
  }
}
