package org.shockreg.benchmarks.interim;

import static org.shockreg.benchmarks.interim.InterimReportBenchmark.SECTION;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.shockreg.benchmarks.JvmMeasurements;

/**
 * The interim report section of RESULTS.md: created once at the end of the file, one row per run.
 */
final class InterimResults {

  private InterimResults() {}

  static final String HEADER =
      """

      SECTION

      Run from the repository root (not part of `./mvnw verify`):

      ```
      ./mvnw -B -Pbenchmarks -pl benchmarks -am -DskipTests verify -Dbench=interim
      ```

      What it does: see `benchmarks/src/main/java/org/shockreg/benchmarks/interim/InterimReportBenchmark.java`
      and docs/interim-report.md. Target: the report over 10,000 randomized subjects in
      **under 2 s** (max of the warm runs).

      | date (UTC) | randomized | screened episodes | measurements | p50 ms | max ms | min ms | randomized as-of 2025-07-01 | as-of p50 ms | as-of max ms | statements p50 ms (subjects / consort) | under 2 s | machine |
      | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |
      """
          .replace("SECTION", SECTION);

  /**
   * Appends the row to the section's table (the section is created at the end of the file once).
   */
  static void appendResult(Path file, String row) throws IOException {
    String text =
        Files.exists(file)
            ? Files.readString(file, StandardCharsets.UTF_8)
            : "# Benchmark results\n";
    if (!text.contains(SECTION)) {
      text = text.stripTrailing() + "\n" + HEADER;
    }
    int section = text.indexOf(SECTION);
    List<String> lines = text.substring(section).lines().toList();
    int offset = section;
    int afterTable = -1;
    boolean inTable = false;
    for (String line : lines) {
      int next = offset + line.length() + 1;
      if (line.startsWith("|")) {
        inTable = true;
        afterTable = next;
      } else if (inTable) {
        break;
      }
      offset = next;
    }
    String before = text.substring(0, Math.min(afterTable, text.length()));
    String after = afterTable >= text.length() ? "" : text.substring(afterTable);
    Files.writeString(
        file,
        (before.endsWith("\n") ? before : before + "\n") + row + after,
        StandardCharsets.UTF_8);
  }

  static String machine() {
    String cpu = JvmMeasurements.cpuModel();
    return String.format(
        Locale.ROOT,
        "%d cores, %s, Java %s, -Xmx%d MB, %s",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() / (1024 * 1024),
        ManagementFactory.getRuntimeMXBean().getVmName());
  }
}
