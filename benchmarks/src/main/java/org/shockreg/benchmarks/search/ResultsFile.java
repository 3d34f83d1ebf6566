package org.shockreg.benchmarks.search;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.shockreg.benchmarks.search.LoadDriver.KindStats;
import org.shockreg.benchmarks.search.LoadDriver.Phase;
import org.shockreg.benchmarks.search.SearchSet.Kind;

/** Appends a run to RESULTS.md, section "Search and export benchmark" (written once). */
final class ResultsFile {

  static final String SECTION = "## Search and export benchmark";

  /** Everything one run reports. */
  record Run(
      String date,
      long observations,
      long patients,
      Properties loaded,
      List<Kind> kinds,
      Phase sequential,
      Phase concurrent,
      List<BulkExportRun.Result> exports,
      List<PlanCapture.Statement> sequentialStatements,
      PhaseCpu sequentialCpu,
      PhaseCpu concurrentCpu,
      String machine) {}

  /**
   * CPU seconds of one search phase: the server JVM, PostgreSQL (postmaster and backends) and the
   * load driver (this JVM, on the same cores); requests per CPU-second of server and database is
   * the figure a shared machine does not distort.
   */
  record PhaseCpu(
      String phase, int clients, long requests, double server, double database, double driver) {

    static PhaseCpu between(CpuClock.Reading from, CpuClock.Reading to, Phase p) {
      return new PhaseCpu(
          p.name,
          p.clients,
          p.requests(),
          to.server() - from.server(),
          to.database() - from.database(),
          to.driver() - from.driver());
    }

    double requestsPerCpuSecond() {
      return requests / (server + database);
    }

    String describe() {
      return String.format(
          Locale.ROOT,
          "%s (%d client%s): server %.1f s + PostgreSQL %.1f s CPU (%.2f + %.2f ms per request) ="
              + " %.0f requests per CPU-second (load driver %.1f s more)",
          phase,
          clients,
          clients == 1 ? "" : "s",
          server,
          database,
          1000 * server / requests,
          1000 * database / requests,
          requestsPerCpuSecond(),
          driver);
    }
  }

  private ResultsFile() {}

  private static final String HEADER =
      """

      SECTION

      Run from the repository root (not part of `./mvnw verify`):

      ```
      ./mvnw -B -Pbenchmarks -pl benchmarks -am -DskipTests verify -Dbench=search
      ```

      Options (system properties, defaults in brackets): `-Dbench.observations` [1000000] curated
      Observations to load at least; `-Dbench.reload` [false] rebuild the database even when it is
      loaded; `-Dbench.loadOnly` [false] build/check the database and stop; `-Dbench.searchDir`
      [`benchmarks/target/bench-search`]; `-Dbench.seed` [20261125] cohort and query values;
      `-Dbench.batchSize` [1000] and `-Dbench.searchBodyResources` [5000] for the load;
      `-Dbench.warmup` [500] requests (4 clients, not measured); `-Dbench.sequential` [2000]
      requests with one client; `-Dbench.concurrent` [8000] requests with `-Dbench.clients` [16]
      clients; `-Dbench.export` [true]; `-Dbench.exportPollCapMillis` [1000] longest sleep between
      status polls (`Retry-After` is honoured up to this); `-Dbench.exportTimeoutSeconds` [1800];
      `-Dbench.plans` [3] slowest kinds whose plans are captured; `-Dbench.serverJar`
      [`fhir-server/target/shockreg.jar`]; `-Dbench.serverHeap` [1g]; `-Dbench.heap` [1g] the
      benchmark JVM; `-Dbench.machineNote` (e.g. `"busy machine"`), printed with the run.

      What it does (`benchmarks/src/main/java/org/shockreg/benchmarks/search/`):

      - **database**: an embedded PostgreSQL on disk under `benchmarks/target/bench-search/pg`, set
        up as the product sets it up (shared_buffers 128MB, synchronous commit) plus
        `pg_stat_statements` and `auto_explain` (off except in the plan pass). When
        `loaded.properties` there says a cohort with the same seed and at least the wanted number
        of curated Observations is loaded (and a count agrees), it is reused; otherwise the
        seeded `SyntheticCohortGenerator` cohort is posted site by site through the real
        `IntakePipeline` (wired by hand, as the ingest benchmark does) until
        `curated_observation` (measurements + derived facts) holds at least the wanted number.
        The generator's only size knob is the patient count (stay length and measurement
        frequency are drawn per patient), so the load calibrates Observations per patient on the
        first 1,000 patients and adds patients until the target is passed; then `VACUUM ANALYZE`.
      - **server**: `java -jar fhir-server/target/shockreg.jar` as a child process on that database
        (`spring.datasource.url`), one analyst bearer token, MLLP and inbox off, log in
        `bench-search/server.log`; stopped (SIGTERM, then kill) when the run ends or fails.
      - **search set**: one query kind per interfaces.md search parameter and the usual
        combinations (table below), values drawn from the data (patient, encounter and
        Observation ids, registry variables, LOINC codes, 90th-percentile values with their
        units, derived value codes, devices, diagnosis categories, dates within the data) with a
        seeded random, so each request differs. Requests go over `java.net.http.HttpClient`
        (HTTP/1.1 keep-alive, `Accept: application/fhir+json`), dealt round-robin over the kinds in
        shuffled blocks; latency = request sent to body read. "next link" measures only the
        `next` page (its first search is set-up). A non-200 answer is an error, counted per kind
        and status (400 = parameter not supported yet); `_sort=-date` answers are also checked for
        their order (a 200 in row order counts as "unsorted").
      - **export**: `GET /fhir/$export` with `Prefer: respond-async` (then `_type=Observation`),
        status polled honouring `Retry-After` up to the poll cap, every `output[].url` downloaded
        with the same token and its lines counted; resources/s = resources / seconds from
        kick-off to the complete manifest, and again including the download; CPU time of the
        server JVM and of the PostgreSQL processes over kick-off to manifest (`ProcessHandle`), per
        resource, and the rate that CPU allows on 2 otherwise idle cores (a shared machine inflates
        wall time far more than CPU time).
      - **CPU per phase**: CPU seconds of the server JVM, of PostgreSQL and of the load driver
        over the sequential and the concurrent phase (`ProcessHandle`), and requests per
        CPU-second of server plus database.
      - **where the time goes**: `pg_stat_statements` per phase (database execution time vs summed
        request latency) and `auto_explain` (ANALYZE, BUFFERS) plans of the statements behind the
        slowest kinds, in `bench-search/plans-<date>.txt`.

      Targets: search **p95 at most 30 ms** sequential; export **at least 100,000 resources/s** (issue 15; 50,000 before).
      """
          .replace("SECTION", SECTION);

  static void append(Options o, Run run) throws IOException {
    StringBuilder sb = new StringBuilder();
    String existing = Files.exists(o.results()) ? Files.readString(o.results()) : "";
    if (!existing.contains(SECTION)) {
      sb.append(HEADER);
    }
    Phase seq = run.sequential();
    Phase conc = run.concurrent();
    long[] seqAll = seq.allOk();
    long[] concAll = conc.allOk();
    double seqP95 = LoadDriver.percentileMillis(seqAll, 95);
    sb.append('\n')
        .append(
            String.format(
                Locale.ROOT,
                "### %s UTC: %,d curated Observations (%,d patients)%s%n%n",
                run.date(),
                run.observations(),
                run.patients(),
                o.machineNote().isEmpty() ? "" : ", " + o.machineNote()))
        .append(
            String.format(
                Locale.ROOT,
                "%s. Cohort: %s source resources loaded in %s s (seed %s). Sequential: %,d requests,"
                    + " %.1f req/s; %d clients: %,d requests, %.1f req/s. Search p95 target (<= 30 ms"
                    + " sequential, all kinds): **%s** (%.1f ms); kinds over 30 ms: %s.%n%n",
                run.machine(),
                run.loaded() == null ? "?" : run.loaded().getProperty("sourceResources", "?"),
                run.loaded() == null ? "?" : run.loaded().getProperty("loadSeconds", "?"),
                run.loaded() == null ? "?" : run.loaded().getProperty("seed", "?"),
                seq.requests(),
                seq.throughput(),
                conc.clients,
                conc.requests(),
                conc.throughput(),
                seqP95 <= SearchRun.SEARCH_P95_TARGET_MS ? "MET" : "MISSED",
                seqP95,
                slowKinds(seq)));
    if (run.sequentialCpu() != null) {
      sb.append(
          String.format(
              Locale.ROOT,
              "CPU: %s; %s.%n%n",
              run.sequentialCpu().describe(),
              run.concurrentCpu().describe()));
    }
    double requestMillis = 0;
    for (long n : seqAll) {
      requestMillis += n / 1e6;
    }
    double dbMillis =
        run.sequentialStatements().stream().mapToDouble(PlanCapture.Statement::totalMillis).sum();
    sb.append(
        String.format(
            Locale.ROOT,
            "Where the time goes (sequential, pg_stat_statements): database execution %.0f ms of %.0f ms"
                + " summed request latency (%.0f%%). Top statements by total time:%n%n",
            dbMillis,
            requestMillis,
            requestMillis == 0 ? 0 : 100 * dbMillis / requestMillis));
    run.sequentialStatements().stream()
        .limit(5)
        .forEach(
            st ->
                sb.append(
                    String.format(
                        Locale.ROOT,
                        "- %.0f ms in %d calls (mean %.2f ms): `%s`%n",
                        st.totalMillis(),
                        st.calls(),
                        st.meanMillis(),
                        st.shortQuery(300).replace("`", "'"))));
    sb.append('\n');
    sb.append(
            "| date (UTC) | N observations | query kind | seq p50 ms | seq p95 ms | seq p99 ms | ")
        .append(conc.clients)
        .append(
            " clients p50 ms | p95 ms | p99 ms | throughput req/s | errors (seq / concurrent) |\n")
        .append("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for (Kind k : run.kinds()) {
      KindStats s = seq.kinds.get(k.name());
      KindStats c = conc.kinds.get(k.name());
      sb.append(row(run, k.name(), s.okNanos(), c.okNanos(), "", errors(s) + " / " + errors(c)));
    }
    sb.append(
        row(
            run,
            "**all kinds**",
            seqAll,
            concAll,
            String.format(Locale.ROOT, "%.1f / %.1f", seq.throughput(), conc.throughput()),
            errorTotal(seq) + " / " + errorTotal(conc)));
    sb.append('\n');
    if (!run.exports().isEmpty()) {
      sb.append(
              "| date (UTC) | N observations | export | resources | files | MB | s to manifest | resources/s | s incl. download | resources/s incl. download | polls (cap ")
          .append(o.exportPollCapMillis())
          .append(
              " ms) | server CPU us/resource | PostgreSQL CPU us/resource | resources/s on 2 idle cores (CPU)")
          .append(" | target 100,000/s |\n")
          .append(
              "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
      for (BulkExportRun.Result e : run.exports()) {
        if (e.error() != null) {
          sb.append(
              String.format(
                  Locale.ROOT,
                  "| %s | %d | %s | export: %s | | | | | | | | | | | |%n",
                  run.date(),
                  run.observations(),
                  e.label(),
                  e.error().replace("|", "/")));
        } else {
          sb.append(
              String.format(
                  Locale.ROOT,
                  "| %s | %d | %s | %d | %d | %.0f | %.1f | **%,.0f** | %.1f | %,.0f | %d | %.1f | %.1f | %,.0f | %s |%n",
                  run.date(),
                  run.observations(),
                  e.label(),
                  e.resources(),
                  e.files(),
                  e.bytes() / 1e6,
                  e.secondsToManifest(),
                  e.rateToManifest(),
                  e.secondsWithDownload(),
                  e.rateWithDownload(),
                  e.polls(),
                  e.serverCpuMicros(),
                  e.databaseCpuMicros(),
                  e.projectedTwoIdleCores(),
                  e.rateToManifest() >= SearchRun.EXPORT_TARGET ? "MET" : "MISSED"));
        }
      }
      sb.append('\n');
    }
    Files.writeString(
        o.results(),
        sb.toString(),
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  private static String row(
      Run run, String kind, long[] seq, long[] conc, String throughput, String errors) {
    return String.format(
        Locale.ROOT,
        "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
        run.date(),
        run.observations(),
        kind,
        ms(seq, 50),
        ms(seq, 95),
        ms(seq, 99),
        ms(conc, 50),
        ms(conc, 95),
        ms(conc, 99),
        throughput,
        errors);
  }

  private static String ms(long[] sorted, double p) {
    return sorted.length == 0
        ? "-"
        : String.format(Locale.ROOT, "%.1f", LoadDriver.percentileMillis(sorted, p));
  }

  private static String errors(KindStats s) {
    if (s.errorCount() == 0) {
      return "0";
    }
    StringBuilder sb = new StringBuilder();
    s.errors.forEach(
        (status, n) ->
            sb.append(sb.isEmpty() ? "" : ", ").append(n).append(" x ").append(statusText(status)));
    return sb.toString();
  }

  private static String statusText(int status) {
    return switch (status) {
      case 0 -> "no answer";
      case -1 -> "no next link";
      case -2 -> "200 unsorted (_sort ignored)";
      default -> "HTTP " + status;
    };
  }

  private static int errorTotal(Phase p) {
    return p.kinds.values().stream().mapToInt(KindStats::errorCount).sum();
  }

  private static String slowKinds(Phase seq) {
    StringBuilder sb = new StringBuilder();
    seq.kinds.forEach(
        (name, s) -> {
          double p95 = LoadDriver.percentileMillis(s.okNanos(), 95);
          if (p95 > SearchRun.SEARCH_P95_TARGET_MS) {
            sb.append(sb.isEmpty() ? "" : ", ")
                .append(String.format(Locale.ROOT, "%s (%.0f ms)", name, p95));
          }
        });
    return sb.isEmpty() ? "none" : sb.toString();
  }
}
