package org.shockreg.benchmarks.interim;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import liquibase.integration.spring.SpringLiquibase;
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
 * lactate measurements around the diagnosis plus other measurements, devices and derived facts, and
 * M screened episodes that were not randomized, are loaded by COPY into an embedded PostgreSQL set
 * up as the product sets it up; then {@link InterimReportQuery#report} (the three statements in
 * their transaction and the statistics: everything {@code $interim-report} does except rendering
 * the Parameters and HTTP) is timed warm, several runs, without and with {@code as-of}.
 *
 * <p>System properties: {@code bench.interim.subjects} (10000), {@code bench.interim.screened}
 * (5000), {@code bench.interim.otherMeasurements} per subject (30), {@code bench.interim.warmup}
 * (3), {@code bench.interim.runs} (10), {@code bench.seed}, {@code bench.interimDir}, {@code
 * bench.results}. Data: {@link InterimCohort}; the RESULTS.md row: {@link InterimResults}.
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
    Path dir =
        Path.of(System.getProperty("bench.interimDir", "target/bench-interim"))
            .toAbsolutePath()
            .normalize();
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
            // durable as the product's server (EmbeddedPostgresServer): zonky's -F is overridden
            .setServerConfig("fsync", "on")
            .setServerConfig("full_page_writes", "on")
            .start();
    HikariDataSource ds =
        EmbeddedPostgresAutoConfiguration.pooled(
            pg.getJdbcUrl("postgres", "postgres"), "postgres", "");
    try {
      migrate(ds);
      StudyCatalog.load(null).register(ds);
      long t0 = System.nanoTime();
      InterimCohort.Loaded loaded = InterimCohort.load(ds, subjects, screened, other, seed);
      new JdbcTemplate(ds).execute("VACUUM ANALYZE");
      double loadSeconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "bench: loaded %,d randomized subjects, %,d further screened episodes, %,d measurements, %,d devices,"
              + " %,d derived facts in %.1f s%n",
          subjects,
          screened,
          loaded.measurements(),
          loaded.devices(),
          loaded.facts(),
          loadSeconds);

      InterimReportQuery query =
          new InterimReportQuery(
              new NamedParameterJdbcTemplate(ds), new DataSourceTransactionManager(ds));
      Instant asOf = Instant.parse("2025-07-01T00:00:00Z");
      for (int i = 0; i < warmup; i++) {
        // warm-up runs: the reports are computed and dropped (orElseThrow: the study exists)
        InterimReport unusedNow = query.report(STUDY, null).orElseThrow();
        InterimReport unusedPast = query.report(STUDY, asOf).orElseThrow();
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
      // where the time goes: each statement alone (outside the report's transaction), p50 of the
      // runs
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
          report.consort().randomized(),
          a.p50,
          a.max,
          a.min,
          asOf,
          past.consort().randomized(),
          b.p50,
          b.max,
          randomizedMs,
          consortMs);
      System.out.printf(
          Locale.ROOT,
          "bench: arms %s n=%d/%d, effect %s [%s, %s] p=%s%n",
          report.arms().get(0).code(),
          report.arms().get(0).n(),
          report.arms().get(1).n(),
          report.effect().riskDifference(),
          report.effect().ciLow(),
          report.effect().ciHigh(),
          report.effect().pValue());
      String verdict = a.max < 2000 ? "yes" : "**no**";
      InterimResults.appendResult(
          results,
          String.format(
              Locale.ROOT,
              "| %s | %,d | %,d | %,d | **%.0f** | %.0f | %.0f | %,d | %.0f | %.0f | %.0f / %.0f | %s | %s |%n",
              ZonedDateTime.now(ZoneOffset.UTC)
                  .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")),
              report.consort().randomized(),
              report.consort().screened(),
              loaded.measurements(),
              a.p50,
              a.max,
              a.min,
              past.consort().randomized(),
              b.p50,
              b.max,
              randomizedMs,
              consortMs,
              verdict,
              InterimResults.machine()));
      System.out.println("bench: appended a row to " + results);
    } finally {
      ds.close();
      pg.close();
      deleteRecursively(sockets);
    }
  }

  /** p50, max and min of the runs, in milliseconds. */
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
    liquibase.setResourceLoader(
        new DefaultResourceLoader(InterimReportBenchmark.class.getClassLoader()));
    liquibase.afterPropertiesSet();
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
