package org.shockreg.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The ingest table of RESULTS.md: its header on first use and one row per run. */
final class IngestResults {

  private IngestResults() {}

  private static final String HEADER =
      """
      # Benchmark results

      ## Ingest benchmark

      Run from the repository root (not part of `./mvnw verify`):

      ```
      ./mvnw -B -Pbenchmarks -pl benchmarks -am -DskipTests verify
      ```

      Options (system properties, defaults in brackets): `-Dbench.resources` [100000] source
      resources, `-Dbench.batchSize` [1000] resources per transaction (`shockreg.intake.batch-size`),
      `-Dbench.bodyResources` [0 = one NDJSON body per site] resources per posted body,
      `-Dbench.heap` [1g] `-Xmx` of the forked JVM, `-Dbench.jvmArgs` extra JVM flags (e.g. a JFR
      recording), `-Dbench.warmupPatients` [300], `-Dbench.seed`.

      What it does (`benchmarks/src/main/java/org/shockreg/benchmarks/IngestBenchmark.java`): the
      seeded synthetic cohort (`SyntheticCohortGenerator`, three sites with different dialects) is
      generated and encoded as NDJSON per site in memory *before* timing; an embedded PostgreSQL is
      started under `benchmarks/target/bench/` with the product's settings (synchronous commit on,
      shared_buffers 128MB) and migrated by Liquibase; the real `IntakePipeline` is wired by hand
      (no Spring context) and warmed up on a separate cohort (other seed, `warmup-*` sites). Then:

      - **first pass**: every body through `IntakePipeline.ingest` (parse, content hash, head lookup,
        HAPI parse, mapping, raw store, curated upserts, one transaction per batch);
        resources/s = resources received / wall seconds of the `ingest` calls;
      - **re-post**: the same bodies again, so every resource is `unchanged` (the dedupe path);
      - **peak heap**: sum of the heap memory pools' peak usage during the first pass (peaks reset
        after warm-up; an upper bound, it includes the in-memory NDJSON input); **peak RSS**: the
        JVM's VmHWM over the first pass (PostgreSQL's own memory not included);
      - **DB %**: share of the wall time spent in `RegistryWriter` calls and transaction
        begin/commit (the rest is JVM work: JSON parse, hashing, HAPI parse, mapping, batching).

      Target: at least **5,000 source resources/s on 2 cores**; product goal 25,000/s.

      | date (UTC) | N | batch | bodies | first pass resources/s | seconds | curated | unchanged | rejected | unmapped | skipped+ignored | DB % | re-post resources/s | peak heap MB | peak RSS MB | machine |
      | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
      """;

  static void appendResult(
      Path file,
      int batchSize,
      int bodies,
      IngestTotals first,
      IngestTotals repost,
      long peakHeap,
      long repostPeakHeap,
      long peakRss,
      String machine)
      throws IOException {
    if (!Files.exists(file)) {
      Files.writeString(file, HEADER, StandardCharsets.UTF_8);
    }
    String row =
        String.format(
            Locale.ROOT,
            "| %s | %d | %d | %d | **%,.0f** | %.2f | %d | %d | %d | %d | %d | %.0f | %,.0f | %.0f (re-post %.0f) | %s | %s |%n",
            ZonedDateTime.now(ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")),
            first.received,
            batchSize,
            bodies,
            first.rate(),
            first.seconds(),
            first.curated,
            first.unchanged,
            first.rejected,
            first.unmapped,
            first.skipped + first.ignored + first.retracted,
            100.0 * first.dbNanos / first.nanos,
            repost.rate(),
            peakHeap / 1048576.0,
            repostPeakHeap / 1048576.0,
            peakRss > 0 ? String.format(Locale.ROOT, "%.0f", peakRss / 1048576.0) : "n/a",
            machine.replace("|", "/"));
    // The ingest table ends where the search benchmark's section starts (if it is there).
    String text = Files.readString(file, StandardCharsets.UTF_8);
    int section = text.indexOf("\n" + SEARCH_SECTION);
    if (section < 0) {
      Files.writeString(file, row, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } else {
      String before = text.substring(0, section).stripTrailing() + "\n";
      Files.writeString(file, before + row + text.substring(section), StandardCharsets.UTF_8);
    }
  }

  /**
   * Heading of the search benchmark's section (search.ResultsFile), which follows the ingest table.
   */
  private static final String SEARCH_SECTION = "## Search and export benchmark";
}
