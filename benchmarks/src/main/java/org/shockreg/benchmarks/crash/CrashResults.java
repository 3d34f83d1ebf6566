package org.shockreg.benchmarks.crash;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.shockreg.server.crash.CrashDrill;
import org.shockreg.server.crash.CrashDrill.Restart;

/** Appends one crash recovery run to RESULTS.md (the section is created on the first run). */
final class CrashResults {

  static final String SECTION = "## Crash recovery benchmark";

  private static final String INTRO =
      """

      %s

      Run from the repository root (not part of `./mvnw verify`):

      ```
      ./mvnw -B -Pbenchmarks -pl benchmarks -am -DskipTests verify -Dbench=crash
      ```

      Options (system properties, defaults in brackets): `-Dbench.crash.resources` [100000] source
      resources, `-Dbench.crash.chunkResources` [2500] resources per posted NDJSON body,
      `-Dbench.crash.jvmKills` [5], `-Dbench.crash.groupKills` [5], `-Dbench.crash.allKills` [5],
      `-Dbench.crash.startTimeoutSeconds` [180], `-Dbench.serverHeap` [1g], `-Dbench.seed`,
      `-Dbench.crashDir` [`benchmarks/target/bench-crash`] (source chunks, data dirs, one log per
      server start under `logs/`, the compared rows under `rows-a/` and `rows-b/`).

      What it does (`CrashDrill` in `fhir-server/src/test/java/org/shockreg/server/crash/`, shared
      with `CrashRecoveryIT`, which runs it at 5 k resources in CI): the seeded synthetic cohort
      (three sites, patients with encounters, conditions, measurements, procedures) as NDJSON
      chunks cut at patient boundaries; the real `shockreg.jar` as a child process in a process
      group of its own (`setsid`), with no datasource, so it runs its own embedded PostgreSQL
      under its data dir, and its generated admin token. **Run A**: a fresh data dir, every chunk
      posted (`POST /ingest/{site}`), then everything again, totals recorded. **Run B**: another
      fresh data dir (same pseudonym key), the same chunks, and at seeded points, 10-90 %% into the
      time run A took for that chunk, the server is killed with SIGKILL: **JVM** = the JVM alone
      (as the OOM killer does; the watchdog and the postmaster survive it), **group** = `kill -9
      -- -pgid` (JVM and watchdog; pg_ctl starts the postmaster in a session of its own and every
      PostgreSQL child calls setsid, so it survives this too), **all** = the process group and
      every PostgreSQL process of the data dir in one `kill` (a container or cgroup kill: WAL
      recovery on the next start). After each kill one start; it must answer UP on
      `/actuator/health`, and the source resources stored must include every one of the chunks
      answered before the kill (durability; the final re-post would hide a loss); the chunk that
      got no answer is posted again. Then everything is posted
      again and the totals compared with run A: FHIR `_summary=count` of Patient, Encounter,
      Condition, Observation, Procedure, ResearchSubject, and per registry table (raw store,
      heads, curated facts, episodes, derived facts, trial subjects, unmapped codes, tombstones,
      dead letters) the row count and an MD5 of its sorted rows without surrogate keys, raw ids,
      wall-clock times and seen counters; plus the re-post's curated/rejected/unmapped/retracted
      counters. Any difference, or any start that needed a second try, fails the run (exit
      non-zero) and prints the differing rows.
      """;

  private CrashResults() {}

  static void append(Path file, CrashDrill.Result r, String heap, String machine, String note)
      throws IOException {
    String existing = Files.exists(file) ? Files.readString(file) : "";
    StringBuilder md = new StringBuilder();
    if (!existing.contains(SECTION)) {
      md.append(String.format(Locale.ROOT, INTRO, SECTION));
    }
    List<Restart> rs = r.restarts();
    double[] up = rs.stream().mapToDouble(Restart::secondsToUp).sorted().toArray();
    String when =
        ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
    md.append(
        String.format(
            Locale.ROOT,
            "%n### %s UTC: %,d resources, %d chunks, %s: %s%n%n",
            when,
            r.resources(),
            r.chunks(),
            kills(rs),
            r.passed() ? "**passed**" : "**FAILED**"));
    md.append(
        "| restarts | up on the first try | kills mid-request | time to up p50 / max s | totals equal"
            + " | run A ingest | run A / run B wall s | machine |\n");
    md.append("| ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |\n");
    md.append(
        String.format(
            Locale.ROOT,
            "| %d | **%d/%d** | %d | %.1f / %.1f | **%s** | %,.0f resources/s | %.0f / %.0f | %s, server -Xmx%s%s |%n%n",
            rs.size(),
            r.firstTryUps(),
            rs.size(),
            rs.stream().filter(Restart::inFlight).count(),
            up.length == 0 ? 0 : up[(up.length - 1) / 2],
            up.length == 0 ? 0 : up[up.length - 1],
            r.mismatches().isEmpty() ? "yes" : "no",
            r.resources() / r.runAIngestSeconds(),
            r.runASeconds(),
            r.runBSeconds(),
            machine,
            heap,
            note.isEmpty() ? "" : ", " + note));
    md.append(
        "| # | kill | at chunk | after ms | mid-request | first try | s to up"
            + " | how the start found things | stored / acknowledged resources |\n");
    md.append("| ---: | --- | ---: | ---: | --- | --- | ---: | --- | ---: |\n");
    for (Restart x : rs) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %d | %s | %d | %d | %s | %s | %.1f | %s | %,d / %,d |%n",
              x.number(),
              x.mode().name().toLowerCase(Locale.ROOT),
              x.chunk(),
              x.delayMillis(),
              x.inFlight() ? "yes" : "no",
              x.firstTryUp() ? "yes" : "**no** (" + x.failure() + ")",
              x.secondsToUp(),
              x.recovery().replace("|", "/"),
              x.stored(),
              x.acknowledged()));
    }
    md.append("\nTotals (crash-free run A / run B after the crashes and the re-post):\n\n");
    md.append("| total | run A | run B |\n| --- | ---: | ---: |\n");
    for (Map.Entry<String, String> e : r.totalsA().entrySet()) {
      if (e.getKey().endsWith(" md5")) {
        continue; // the checksums go in one line below
      }
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s |%n",
              e.getKey(),
              e.getValue(),
              r.totalsB().get(e.getKey())));
    }
    long equalSums =
        r.totalsA().entrySet().stream()
            .filter(
                e ->
                    e.getKey().endsWith(" md5") && e.getValue().equals(r.totalsB().get(e.getKey())))
            .count();
    long sums = r.totalsA().keySet().stream().filter(k -> k.endsWith(" md5")).count();
    md.append(
        String.format(
            Locale.ROOT,
            "%nTable checksums equal: %d of %d. Re-post of everything, run A: %s; run B: %s.%n",
            equalSums,
            sums,
            r.repostA(),
            r.repostB()));
    if (!r.mismatches().isEmpty()) {
      md.append("\nMismatches:\n\n```\n")
          .append(String.join("\n", r.mismatches()))
          .append("\n```\n");
    }
    Files.writeString(
        file,
        md.toString(),
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  private static String kills(List<Restart> rs) {
    return String.join(
        " + ",
        Arrays.stream(org.shockreg.server.crash.RegistryServer.KillMode.values())
            .filter(m -> rs.stream().anyMatch(x -> x.mode() == m))
            .map(
                m ->
                    rs.stream().filter(x -> x.mode() == m).count()
                        + " "
                        + m.name().toLowerCase(Locale.ROOT)
                        + " kills")
            .toList());
  }
}
