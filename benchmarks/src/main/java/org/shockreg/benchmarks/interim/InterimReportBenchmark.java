package org.shockreg.benchmarks.interim;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import liquibase.integration.spring.SpringLiquibase;
import org.postgresql.PGConnection;
import org.shockreg.registry.db.EmbeddedPostgresAutoConfiguration;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.trial.InterimReport;
import org.shockreg.registry.trial.InterimReportQuery;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * The trial interim report over a large trial (benchmarks/RESULTS.md, "Interim report benchmark"):
 * N randomized ALTSHOCK-2 subjects, each with a patient, a shock episode, baseline LVEF, SBP and
 * lactate measurements around the diagnosis plus other measurements, devices and derived facts,
 * and M screened episodes that were not randomized, are loaded by COPY into an embedded PostgreSQL
 * set up as the product sets it up; then {@link InterimReportQuery#report} (the three statements
 * in their transaction and the statistics: everything {@code $interim-report} does except
 * rendering the Parameters and HTTP) is timed warm, several runs, without and with {@code as-of}.
 *
 * <p>System properties: {@code bench.interim.subjects} (10000), {@code bench.interim.screened}
 * (5000), {@code bench.interim.otherMeasurements} per subject (30), {@code bench.interim.warmup}
 * (3), {@code bench.interim.runs} (10), {@code bench.seed}, {@code bench.interimDir}, {@code
 * bench.results}.
 */
public final class InterimReportBenchmark {

  static final String STUDY = "altshock-2";
  static final String SITE = "bench-site";
  static final String[] OTHER_VARIABLES = {"hr", "map", "dbp", "spo2", "creatinine", "ph", "temp"};
  static final String SECTION = "## Interim report benchmark";

  private InterimReportBenchmark() {}

  public static void main(String[] args) throws Exception {
    int subjects = Integer.getInteger("bench.interim.subjects", 10_000);
    int screened = Integer.getInteger("bench.interim.screened", 5_000);
    int other = Integer.getInteger("bench.interim.otherMeasurements", 30);
    int warmup = Integer.getInteger("bench.interim.warmup", 3);
    int runs = Integer.getInteger("bench.interim.runs", 10);
    long seed = Long.parseLong(System.getProperty("bench.seed", "20261125"));
    Path dir = Path.of(System.getProperty("bench.interimDir", "target/bench-interim")).toAbsolutePath().normalize();
    Path results = Path.of(System.getProperty("bench.results", "RESULTS.md")).toAbsolutePath();
    System.setProperty("liquibase.analytics.enabled", "false");
    System.setProperty("liquibase.showBanner", "false");

    deleteRecursively(dir);
    Files.createDirectories(dir);
    Path sockets = Files.createTempDirectory(Path.of("/tmp"), "pgs");
    // As the product's EmbeddedPostgresAutoConfiguration configures it.
    EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setDataDirectory(dir.resolve("pg"))
            .setCleanDataDirectory(true)
            .setServerConfig("unix_socket_directories", sockets.toString())
            .setServerConfig("max_connections", "100")
            .setServerConfig("shared_buffers", "128MB")
            .setServerConfig("synchronous_commit", "on")
            .start();
    HikariDataSource ds =
        EmbeddedPostgresAutoConfiguration.pooled(pg.getJdbcUrl("postgres", "postgres"), "postgres", "");
    try {
      migrate(ds);
      StudyCatalog.load(null).register(ds);
      long t0 = System.nanoTime();
      Loaded loaded = load(ds, subjects, screened, other, seed);
      new JdbcTemplate(ds).execute("VACUUM ANALYZE");
      double loadSeconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "bench: loaded %,d randomized subjects, %,d further screened episodes, %,d measurements, %,d devices,"
              + " %,d derived facts in %.1f s%n",
          subjects, screened, loaded.measurements, loaded.devices, loaded.facts, loadSeconds);

      InterimReportQuery query =
          new InterimReportQuery(new NamedParameterJdbcTemplate(ds), new DataSourceTransactionManager(ds));
      Instant asOf = Instant.parse("2025-07-01T00:00:00Z");
      for (int i = 0; i < warmup; i++) {
        query.report(STUDY, null).orElseThrow();
        query.report(STUDY, asOf).orElseThrow();
      }
      long[] now = new long[runs];
      long[] then = new long[runs];
      InterimReport report = null;
      InterimReport past = null;
      for (int i = 0; i < runs; i++) {
        long s = System.nanoTime();
        report = query.report(STUDY, null).orElseThrow();
        now[i] = System.nanoTime() - s;
        s = System.nanoTime();
        past = query.report(STUDY, asOf).orElseThrow();
        then[i] = System.nanoTime() - s;
      }
      // where the time goes: each statement alone (outside the report's transaction), p50 of the runs
      long[] randomizedNanos = new long[runs];
      long[] consortNanos = new long[runs];
      for (int i = 0; i < runs; i++) {
        long s = System.nanoTime();
        query.randomized(STUDY, null);
        randomizedNanos[i] = System.nanoTime() - s;
        s = System.nanoTime();
        query.consort(STUDY, null, 0);
        consortNanos[i] = System.nanoTime() - s;
      }
      double randomizedMs = Stats.of(randomizedNanos).p50;
      double consortMs = Stats.of(consortNanos).p50;

      Stats a = Stats.of(now);
      Stats b = Stats.of(then);
      System.out.printf(
          Locale.ROOT,
          "bench: $interim-report over %,d randomized: p50 %.0f ms, max %.0f ms (min %.0f); as-of %s (%,d randomized):"
              + " p50 %.0f ms, max %.0f ms; statements p50: randomized subjects %.0f ms, consort %.0f ms%n",
          report.consort().randomized(), a.p50, a.max, a.min, asOf, past.consort().randomized(), b.p50, b.max,
          randomizedMs, consortMs);
      System.out.printf(
          Locale.ROOT,
          "bench: arms %s n=%d/%d, effect %s [%s, %s] p=%s%n",
          report.arms().get(0).code(), report.arms().get(0).n(), report.arms().get(1).n(),
          report.effect().riskDifference(), report.effect().ciLow(), report.effect().ciHigh(), report.effect().pValue());
      String verdict = a.max < 2000 ? "yes" : "**no**";
      appendResult(
          results,
          String.format(
              Locale.ROOT,
              "| %s | %,d | %,d | %,d | **%.0f** | %.0f | %.0f | %,d | %.0f | %.0f | %.0f / %.0f | %s | %s |%n",
              ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")),
              report.consort().randomized(),
              report.consort().screened(),
              loaded.measurements,
              a.p50, a.max, a.min,
              past.consort().randomized(),
              b.p50, b.max,
              randomizedMs, consortMs,
              verdict,
              machine()));
      System.out.println("bench: appended a row to " + results);
    } finally {
      ds.close();
      pg.close();
      deleteRecursively(sockets);
    }
  }

  record Loaded(long measurements, long devices, long facts) {}

  /**
   * Randomizations spread over 2025, diagnosis 0.5-4.5 h before, CICU arrival up to 10 h before
   * that; per subject 2 LVEF, 6 SBP and 4 lactate values from 16 h before to 56 h after diagnosis
   * (window -12 h .. +48 h) and {@code other} measurements of other variables; IABP after
   * randomization for most of the early-IABP arm and some controls; three derived facts per
   * episode. The further screened episodes have a screening result and criteria, nothing else.
   */
  static Loaded load(HikariDataSource ds, int subjects, int screened, int other, long seed) throws SQLException, IOException {
    Random rnd = new Random(seed);
    Instant year = Instant.parse("2025-01-01T00:00:00Z");
    StringBuilder patients = new StringBuilder();
    StringBuilder episodes = new StringBuilder();
    StringBuilder measurements = new StringBuilder();
    StringBuilder devices = new StringBuilder();
    StringBuilder facts = new StringBuilder();
    StringBuilder rows = new StringBuilder();
    long m = 0;
    long d = 0;
    long f = 0;
    String[] keys = {"age", "etiology", "lvef", "hypotension-hypoperfusion", "scai", "exclusion"};
    for (int i = 0; i < subjects + screened; i++) {
      boolean randomized = i < subjects;
      String p = "bp-" + i;
      String e = "be-" + i;
      Instant dx = year.plusSeconds(rnd.nextInt(364 * 24 * 3600));
      patients.append(p).append('\t').append(SITE).append('\t').append(rnd.nextBoolean() ? "female" : "male")
          .append('\t').append(1940 + rnd.nextInt(60)).append('\n');
      episodes.append(e).append('\t').append(p).append('\t').append(SITE).append('\t')
          .append(dx.minusSeconds(rnd.nextInt(36000))).append('\t').append(dx).append('\t')
          .append(18 + rnd.nextInt(70)).append('\t').append(dx.minusSeconds(12 * 3600)).append('\t')
          .append(dx.plusSeconds(48 * 3600)).append('\n');
      for (String kind : new String[] {"hf-cs-ischemic", "cs-etiology", "scai-stage-at-diagnosis"}) {
        facts.append(e).append('-').append(kind).append('\t').append(e).append('\t').append(p).append('\t')
            .append(kind).append('\t')
            .append(kind.equals("hf-cs-ischemic") ? (rnd.nextBoolean() ? "t" : "f") : "\\N").append('\t')
            .append(kind.equals("cs-etiology") ? "hf-cs" : kind.equals("scai-stage-at-diagnosis") ? "C" : "\\N")
            .append('\n');
        f++;
      }
      String result;
      StringBuilder criteria = new StringBuilder("{");
      if (randomized) {
        result = rnd.nextInt(10) < 9 ? "potential-candidate" : "screening";
        for (String k : keys) {
          criteria.append(criteria.length() > 1 ? ", " : "").append('"').append(k).append("\": \"met\"");
        }
      } else {
        int r = rnd.nextInt(10);
        result = r < 6 ? "ineligible" : r < 8 ? "screening" : "potential-candidate";
        for (String k : keys) {
          String v = "ineligible".equals(result) && rnd.nextInt(4) == 0 ? "not-met" : "met";
          criteria.append(criteria.length() > 1 ? ", " : "").append('"').append(k).append("\": \"").append(v).append('"');
        }
      }
      criteria.append(", \"window\": \"met\", \"manual\": \"unknown\"}");
      String arm = "\\N";
      String randomizedAt = "\\N";
      String cicuHours = "\\N";
      String endpoint = "\\N";
      String endpointAt = "\\N";
      if (randomized) {
        Instant t = dx.plusSeconds(1800 + rnd.nextInt(4 * 3600));
        arm = rnd.nextBoolean() ? "early-iabp" : "standard-care";
        randomizedAt = t.toString();
        cicuHours = String.format(Locale.ROOT, "%.2f", 0.5 + rnd.nextInt(1500) / 100.0);
        int o = rnd.nextInt(100);
        if (o < 50) {
          endpoint = "success";
          endpointAt = t.plus(Duration.ofDays(60)).toString();
        } else if (o < 85) {
          endpoint = "failure";
          endpointAt = t.plusSeconds(86400 + rnd.nextInt(58 * 86400)).toString();
        } else {
          endpoint = "incomplete";
          endpointAt = t.plusSeconds(86400L * 10).toString();
        }
        int[] counts = {2, 6, 4};
        String[] vars = {"lvef", "sbp", "lactate"};
        for (int v = 0; v < vars.length; v++) {
          for (int k = 0; k < counts[v]; k++) {
            measurement(measurements, p, m++, vars[v], dx.plusSeconds(-16 * 3600 + rnd.nextInt(72 * 3600)),
                10 + rnd.nextInt(100), rnd.nextInt(20) == 0);
          }
        }
        for (int k = 0; k < other; k++) {
          measurement(measurements, p, m++, OTHER_VARIABLES[rnd.nextInt(OTHER_VARIABLES.length)],
              dx.plusSeconds(-48 * 3600 + rnd.nextInt(240 * 3600)), 10 + rnd.nextInt(100), false);
        }
        if (rnd.nextInt(100) < ("early-iabp".equals(arm) ? 85 : 15)) {
          device(devices, p, d++, "iabp", t.plusSeconds(600 + rnd.nextInt(8 * 3600)));
        }
        if (rnd.nextInt(10) == 0) {
          device(devices, p, d++, "impella", t.plusSeconds(rnd.nextInt(48 * 3600)));
        }
      }
      rows.append("bs-").append(i).append('\t').append(STUDY).append('\t').append(p).append('\t').append(e).append('\t')
          .append(randomized ? "on-study" : result).append('\t').append(result).append('\t').append(criteria)
          .append('\t').append(arm).append('\t').append(randomizedAt).append('\t').append(cicuHours).append('\t')
          .append(endpoint).append('\t').append(endpointAt).append('\n');
    }
    try (Connection c = ds.getConnection()) {
      var copy = c.unwrap(PGConnection.class).getCopyAPI();
      new JdbcTemplate(ds).update("INSERT INTO site (site_id, origin) VALUES (?, 'benchmark')", SITE);
      copy.copyIn("COPY patient (patient_id, site_id, sex, birth_year) FROM STDIN", new StringReader(patients.toString()));
      copy.copyIn(
          "COPY shock_episode (episode_id, patient_id, site_id, cicu_arrival_at, shock_diagnosis_at, age_at_diagnosis,"
              + " window_start, window_end) FROM STDIN",
          new StringReader(episodes.toString()));
      copy.copyIn(
          "COPY measurement (observation_id, patient_id, site_id, variable, status, effective_at, value, flags,"
              + " source_type, source_id) FROM STDIN",
          new StringReader(measurements.toString()));
      copy.copyIn(
          "COPY device_therapy (procedure_id, patient_id, site_id, device, status, started_at, source_type, source_id)"
              + " FROM STDIN",
          new StringReader(devices.toString()));
      copy.copyIn(
          "COPY derived_fact (fact_id, episode_id, patient_id, kind, value_boolean, value_code) FROM STDIN",
          new StringReader(facts.toString()));
      copy.copyIn(
          "COPY research_subject (subject_id, study_id, patient_id, episode_id, status, screening_result, criteria,"
              + " assigned_arm, randomized_at, hours_cicu_to_randomization, endpoint, endpoint_at) FROM STDIN",
          new StringReader(rows.toString()));
    }
    return new Loaded(m, d, f);
  }

  private static void measurement(
      StringBuilder sb, String patient, long n, String variable, Instant at, int value, boolean implausible) {
    sb.append("bm-").append(n).append('\t').append(patient).append('\t').append(SITE).append('\t').append(variable)
        .append("\tfinal\t").append(at).append('\t').append(value).append('\t')
        .append(implausible ? "{implausible}" : "{}").append("\tObservation\tbm-").append(n).append('\n');
  }

  private static void device(StringBuilder sb, String patient, long n, String device, Instant start) {
    sb.append("bd-").append(n).append('\t').append(patient).append('\t').append(SITE).append('\t').append(device)
        .append("\tcompleted\t").append(start).append("\tProcedure\tbd-").append(n).append('\n');
  }

  record Stats(double p50, double max, double min) {
    static Stats of(long[] nanos) {
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      int n = sorted.length;
      double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
      return new Stats(median / 1e6, sorted[n - 1] / 1e6, sorted[0] / 1e6);
    }
  }

  private static void migrate(HikariDataSource ds) throws Exception {
    SpringLiquibase liquibase = new SpringLiquibase();
    liquibase.setDataSource(ds);
    liquibase.setChangeLog("classpath:db/changelog/db.changelog-master.yaml");
    liquibase.setResourceLoader(new DefaultResourceLoader(InterimReportBenchmark.class.getClassLoader()));
    liquibase.afterPropertiesSet();
  }

  // ---- results -----------------------------------------------------------------------------------

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

  /** Appends the row to the section's table (the section is created at the end of the file once). */
  static void appendResult(Path file, String row) throws IOException {
    String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "# Benchmark results\n";
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
    Files.writeString(file, (before.endsWith("\n") ? before : before + "\n") + row + after, StandardCharsets.UTF_8);
  }

  private static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("model name")) {
          cpu = l.substring(l.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux
    }
    return String.format(
        Locale.ROOT,
        "%d cores, %s, Java %s, -Xmx%d MB, %s",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() / (1024 * 1024),
        ManagementFactory.getRuntimeMXBean().getVmName());
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
