package org.shockreg.benchmarks.search;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.shockreg.benchmarks.JvmMeasurements;
import org.shockreg.benchmarks.search.LoadDriver.KindStats;
import org.shockreg.benchmarks.search.LoadDriver.Phase;
import org.shockreg.benchmarks.search.SearchSet.Kind;

/**
 * The measured part: the application as a child process on the loaded database, the search set
 * (smoke check, warm-up, sequential, concurrent), bulk exports, the plans of the slowest kinds, and
 * the results appended to RESULTS.md.
 */
final class SearchRun {

  static final double SEARCH_P95_TARGET_MS = 30;
  static final double EXPORT_TARGET = 100_000; // issue 15 (was 50,000)

  private final Options o;
  private final BenchDatabase db;
  private final Properties loaded;

  SearchRun(Options o, BenchDatabase db, Properties loaded) {
    this.o = o;
    this.db = db;
    this.loaded = loaded;
  }

  void run() throws Exception {
    String started =
        ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
    String loadBefore = loadAverage();
    long observations =
        db.jdbc().queryForObject("SELECT count(*) FROM curated_observation", Long.class);
    long patients = db.jdbc().queryForObject("SELECT count(*) FROM patient", Long.class);
    SearchSet set = new SearchSet(db.jdbc(), o.seed());
    System.out.println("bench: query values drawn: " + set.describeValues());
    List<Kind> kinds = set.kinds();
    String token = UUID.randomUUID().toString();
    PlanCapture plans = new PlanCapture(db.jdbc(), db.logDir());

    try (ServerProcess server =
        ServerProcess.start(o.serverJar(), o.serverHeap(), db.jdbcUrl(), o.dir(), token)) {
      LoadDriver driver = new LoadDriver(server.baseUrl(), token, kinds, o.clients());

      // ---- smoke: one request per kind, so a missing parameter shows before the long phases --
      Phase smoke = driver.run("smoke", kinds.size(), 1, o.seed() + 7);
      for (Kind k : kinds) {
        KindStats s = smoke.kinds.get(k.name());
        if (s.errorCount() > 0) {
          System.out.println(
              "bench: smoke " + k.name() + ": HTTP " + s.errors.keySet() + " " + s.firstError);
        }
      }

      // ---- warm-up, then the measured phases ---------------------------------------------
      long t0 = System.nanoTime();
      driver.run("warm-up", o.warmup(), Math.min(4, o.clients()), o.seed() + 11);
      System.out.printf(
          Locale.ROOT,
          "bench: warm-up %d requests in %.1f s%n",
          o.warmup(),
          (System.nanoTime() - t0) / 1e9);

      CpuClock cpu = new CpuClock(server.pid(), o.dir().resolve("pg"));
      plans.resetStatements();
      CpuClock.Reading c0 = cpu.read();
      Phase sequential = driver.run("sequential", o.sequential(), 1, o.seed() + 13);
      CpuClock.Reading c1 = cpu.read();
      List<PlanCapture.Statement> seqStatements = plans.statements();
      print(sequential);
      plans.resetStatements();
      CpuClock.Reading c2 = cpu.read();
      Phase concurrent = driver.run("concurrent", o.concurrent(), o.clients(), o.seed() + 17);
      CpuClock.Reading c3 = cpu.read();
      List<PlanCapture.Statement> concStatements = plans.statements();
      print(concurrent);
      ResultsFile.PhaseCpu seqCpu = ResultsFile.PhaseCpu.between(c0, c1, sequential);
      ResultsFile.PhaseCpu concCpu = ResultsFile.PhaseCpu.between(c2, c3, concurrent);
      System.out.println("bench: CPU " + seqCpu.describe() + "; " + concCpu.describe());

      // ---- bulk export ----------------------------------------------------------------------
      List<BulkExportRun.Result> exports = new ArrayList<>();
      if (o.export()) {
        BulkExportRun export =
            new BulkExportRun(
                driver.client(),
                server.baseUrl(),
                token,
                o.exportPollCapMillis(),
                o.exportTimeoutSeconds(),
                cpu);
        for (String[] e :
            new String[][] {{"all types", ""}, {"_type=Observation", "_type=Observation"}}) {
          BulkExportRun.Result r = export.run(e[0], e[1]);
          System.out.println("bench: export " + r.summary());
          exports.add(r);
          if (r.error() != null && r.error().startsWith("not available")) {
            break; // the second kick-off would answer the same
          }
        }
      }

      // ---- plans of the slowest kinds -------------------------------------------------------
      List<String> planReport = capturePlans(driver, plans, sequential, kinds);
      String stamp = started.replace(" ", "T").replace(":", "");
      Path planFile = o.dir().resolve("plans-" + stamp + ".txt");
      StringBuilder where = new StringBuilder();
      where.append(timeSplit("sequential", sequential, seqStatements));
      where.append(timeSplit(o.clients() + " clients", concurrent, concStatements));
      Files.writeString(planFile, where + "\n" + String.join("\n", planReport));
      System.out.println(where);
      System.out.println(String.join("\n", planReport));
      System.out.println("bench: plans written to " + planFile);

      String loadAfter = loadAverage();
      ResultsFile.append(
          o,
          new ResultsFile.Run(
              started,
              observations,
              patients,
              loaded,
              kinds,
              sequential,
              concurrent,
              exports,
              seqStatements,
              seqCpu,
              concCpu,
              machine(loadBefore, loadAfter)));
      System.out.println("bench: results appended to " + o.results());
    }
  }

  /** auto_explain on, for the kinds with the highest sequential p95: their statements' plans. */
  private List<String> capturePlans(
      LoadDriver driver, PlanCapture plans, Phase sequential, List<Kind> kinds) throws Exception {
    List<String> slowest =
        sequential.kinds.entrySet().stream()
            .filter(e -> e.getValue().okNanos().length > 0)
            .sorted(
                Comparator.comparingDouble(
                        (Map.Entry<String, KindStats> e) ->
                            LoadDriver.percentileMillis(e.getValue().okNanos(), 95))
                    .reversed())
            .limit(o.plans())
            .map(Map.Entry::getKey)
            .toList();
    List<String> out = new ArrayList<>();
    if (slowest.isEmpty()) {
      return out;
    }
    plans.autoExplain(true);
    try {
      int n = 0;
      for (String name : slowest) {
        Kind kind = kinds.stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow();
        LoadDriver single = driver.forKinds(List.of(kind));
        single.run("explain warm", 2, 1, o.seed() + 100 + n);
        long[] mark = plans.mark();
        single.run("explain", 1, 1, o.seed() + 200 + n);
        List<String> entries = plans.plansSince(mark);
        KindStats s = sequential.kinds.get(name);
        out.add(
            String.format(
                Locale.ROOT,
                "==== %d. %s (sequential p95 %.1f ms): %d statement(s) ====",
                ++n,
                name,
                LoadDriver.percentileMillis(s.okNanos(), 95),
                entries.size()));
        out.addAll(entries);
      }
    } finally {
      plans.autoExplain(false);
    }
    return out;
  }

  private static String timeSplit(String label, Phase p, List<PlanCapture.Statement> statements) {
    long[] all = p.allOk();
    double requestMillis = 0;
    for (long n : all) {
      requestMillis += n / 1e6;
    }
    double dbMillis = statements.stream().mapToDouble(PlanCapture.Statement::totalMillis).sum();
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%s: %d requests, summed latency %.0f ms, database execution %.0f ms (%.0f%%; the rest is HTTP,"
                + " HAPI parsing/encoding, mapping rows, JDBC round trips)%n",
            label,
            p.requests(),
            requestMillis,
            dbMillis,
            requestMillis == 0 ? 0 : 100 * dbMillis / requestMillis));
    statements.stream()
        .limit(8)
        .forEach(
            st ->
                sb.append(
                    String.format(
                        Locale.ROOT,
                        "  %8.0f ms total %7d calls %8.2f ms mean %9d rows  %s%n",
                        st.totalMillis(),
                        st.calls(),
                        st.meanMillis(),
                        st.rows(),
                        st.shortQuery(400))));
    return sb.toString();
  }

  private static void print(Phase p) {
    long[] all = p.allOk();
    System.out.printf(
        Locale.ROOT,
        "bench: %s (%d clients): %d requests in %.1f s = %.1f req/s; p50 %.1f p95 %.1f p99 %.1f ms%n",
        p.name,
        p.clients,
        p.requests(),
        p.wallNanos / 1e9,
        p.throughput(),
        LoadDriver.percentileMillis(all, 50),
        LoadDriver.percentileMillis(all, 95),
        LoadDriver.percentileMillis(all, 99));
    p.kinds.forEach(
        (name, s) -> {
          long[] ok = s.okNanos();
          System.out.printf(
              Locale.ROOT,
              "bench:   %-34s n=%4d p50 %7.1f p95 %7.1f p99 %7.1f ms%s%n",
              name,
              s.requests(),
              LoadDriver.percentileMillis(ok, 50),
              LoadDriver.percentileMillis(ok, 95),
              LoadDriver.percentileMillis(ok, 99),
              s.errorCount() == 0 ? "" : "  errors " + s.errors + " " + s.firstError);
        });
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "n/a";
    }
  }

  private String machine(String loadBefore, String loadAfter) {
    String cpu = JvmMeasurements.cpuModel();
    return String.format(
        Locale.ROOT,
        "%d cores, %s, Java %s, server -Xmx%s, load average %s at start, %s at end",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        System.getProperty("java.version"),
        o.serverHeap(),
        loadBefore,
        loadAfter);
  }
}
