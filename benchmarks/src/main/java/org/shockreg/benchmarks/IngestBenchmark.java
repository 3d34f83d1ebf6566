package org.shockreg.benchmarks;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.shockreg.benchmarks.IngestInputs.Body;
import org.shockreg.benchmarks.search.CpuClock;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeProperties;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.derive.EpisodeRecomputation;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.mappings.rules.RuleSetLoader;
import org.shockreg.registry.study.StudyCatalog;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Ingest benchmark: N generated source resources (the seeded synthetic cohort the demo and the
 * tests use) go through the real {@link IntakePipeline} into an embedded PostgreSQL configured as
 * the product configures it. Generation and NDJSON encoding happen before timing; a warm-up on a
 * separate cohort (other seed, other sites) precedes the timed passes.
 *
 * <p>Measured: first pass (everything new: parse, hash, map, raw store, curated upserts) and a
 * re-post pass of the same bodies (all unchanged: parse, hash, head lookup only), resources/s =
 * resources received / wall seconds of {@code ingest} calls; peak heap (sum of the heap pools' peak
 * usage, peaks reset after warm-up) and peak RSS of the JVM. A row is appended to RESULTS.md
 * ({@link IngestResults}). Inputs: {@link IngestInputs}; database: {@link IngestDatabase}; timing
 * of the database calls: {@link TimedWriter}, {@link TimedTransactionManager}.
 *
 * <p>System properties (all optional): {@code bench.resources} (100000), {@code bench.batchSize}
 * (1000), {@code bench.bodyResources} (0 = one NDJSON body per site), {@code bench.warmupPatients}
 * (300), {@code bench.seed}, {@code bench.results} (RESULTS.md), {@code bench.workDir}.
 */
public final class IngestBenchmark {

  private static final double TARGET = 5_000;
  private static final double PRODUCT_GOAL = 25_000;
  private static final String CONTENT_TYPE = "application/fhir+ndjson";

  private IngestBenchmark() {}

  public static void main(String[] args) {
    // System.exit, also on failure: the embedded PostgreSQL's threads would keep the JVM alive.
    int status = 1;
    try {
      run();
      status = 0;
    } catch (Throwable t) {
      org.slf4j.LoggerFactory.getLogger(IngestBenchmark.class).error("event=benchmark_failed", t);
    }
    System.exit(status);
  }

  private static void run() throws Exception {
    int resources = intProp("bench.resources", 100_000);
    int batchSize = intProp("bench.batchSize", 1000);
    int bodyResources = intProp("bench.bodyResources", 0);
    int warmupPatients = intProp("bench.warmupPatients", 300);
    // -Dbench.statements=N (through bench.jvmArgs): the N statements with the most database time
    // in the first pass, from pg_stat_statements (loaded only then: it costs a little).
    int statements = intProp("bench.statements", 0);
    long seed = Long.parseLong(System.getProperty("bench.seed", "20261125"));
    // -Dbench.readAhead=false: each body read inline, batch after batch (the A/B of read-ahead)
    boolean readAhead = Boolean.parseBoolean(System.getProperty("bench.readAhead", "true"));
    // -Dbench.clients=N: the bodies taken in by N threads at once (as N HTTP clients would)
    int clients = intProp("bench.clients", 1);
    Path results = Path.of(System.getProperty("bench.results", "RESULTS.md")).toAbsolutePath();
    Path workDir =
        Path.of(System.getProperty("bench.workDir", "target/bench")).toAbsolutePath().normalize();
    // Liquibase: no phoning home, little chatter.
    System.setProperty("liquibase.analytics.enabled", "false");
    System.setProperty("liquibase.showBanner", "false");

    // ---- inputs, before any timing ----------------------------------------------------------
    FhirContext fhir = FhirContext.forR4Cached();
    long t0 = System.nanoTime();
    List<Body> bodies = IngestInputs.generate(fhir, seed, resources, bodyResources, null);
    List<Body> warmup = IngestInputs.generate(fhir, seed + 1, -warmupPatients, 0, "warmup-");
    long inputBytes = bodies.stream().mapToLong(b -> b.ndjson().length).sum();
    int inputResources = bodies.stream().mapToInt(Body::resources).sum();
    System.out.printf(
        Locale.ROOT,
        "bench: generated %,d resources (%d bodies, %.1f MB NDJSON) + %,d warm-up resources in %.1f s%n",
        inputResources,
        bodies.size(),
        inputBytes / 1e6,
        warmup.stream().mapToInt(Body::resources).sum(),
        (System.nanoTime() - t0) / 1e9);

    // ---- database ----------------------------------------------------------------------------
    try (IngestDatabase db = IngestDatabase.start(workDir, statements > 0)) {
      HikariDataSource ds = db.dataSource();
      CpuClock cpu = new CpuClock(ProcessHandle.current().pid(), db.dataDirectory());
      System.out.printf(
          Locale.ROOT, "bench: read-ahead %s, %d client(s)%n", readAhead ? "on" : "off", clients);
      // ---- pipeline, wired by hand as IntakeConfiguration does -------------------------------
      ObjectMapper json =
          new ObjectMapper()
              .findAndRegisterModules()
              .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
      JdbcTemplate jdbc = new JdbcTemplate(ds);
      TimedWriter writer = new TimedWriter(jdbc, json);
      TimedTransactionManager txManager = new TimedTransactionManager(ds);
      byte[] key = new byte[32];
      for (int i = 0; i < key.length; i++) {
        key[i] = (byte) (i * 31 + 7);
      }
      MappingEngine engine =
          new MappingEngine(new RuleSetLoader().loadBuiltIn(), new Pseudonymizer(key));
      IntakePipeline pipeline =
          new IntakePipeline(
              writer,
              engine,
              screening(writer, jdbc, json, engine, ds),
              new TransactionTemplate(txManager),
              json,
              fhir,
              new IntakeProperties(batchSize, true, readAhead),
              new SimpleMeterRegistry());

      Intake intake = new Intake(pipeline, writer, txManager, clients, cpu);

      // ---- warm-up: other cohort, other sites; both the new and the unchanged path ---------
      t0 = System.nanoTime();
      IngestTotals w1 = pass(intake, warmup);
      IngestTotals w2 = pass(intake, warmup);
      System.out.printf(
          Locale.ROOT,
          "bench: warm-up %,d resources: first %.0f/s, re-post %.0f/s (%.1f s)%n",
          w1.received,
          w1.rate(),
          w2.rate(),
          (System.nanoTime() - t0) / 1e9);

      // Statistics, as a running server's tables have them from autovacuum: without them the
      // planner keeps the plans it made for empty tables (sequential scans of the per-patient
      // reads of the derivations) through a pass shorter than autovacuum's one-minute nap.
      if (Boolean.parseBoolean(System.getProperty("bench.analyze", "true"))) {
        jdbc.execute("ANALYZE");
      }
      // ---- timed passes ------------------------------------------------------------------
      // -Dbench.whatIfSql=FILE (through bench.jvmArgs): statements (";"-separated) run after
      // migration for a what-if experiment (e.g. without an index); never for a product row.
      String whatIfFile = System.getProperty("bench.whatIfSql", "");
      String whatIf = whatIfFile.isBlank() ? "" : Files.readString(Path.of(whatIfFile));
      for (String sql : whatIf.split(";")) {
        if (!sql.isBlank()) {
          System.out.println("bench: what-if: " + sql.trim());
          jdbc.execute(sql);
        }
      }
      if (statements > 0) {
        jdbc.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        jdbc.execute("SELECT pg_stat_statements_reset()");
        jdbc.execute("SELECT pg_stat_reset_shared('wal')");
        jdbc.execute("SELECT pg_stat_reset_shared('checkpointer')");
      }
      System.gc();
      JvmMeasurements.resetPeaks();
      IngestTotals first = pass(intake, bodies);
      if (statements > 0) {
        printStatements(jdbc, statements);
      }
      long peakHeap = JvmMeasurements.heapPoolPeaks();
      long peakRss = JvmMeasurements.procStatusKb("VmHWM") * 1024;
      System.out.printf(Locale.ROOT, "bench: first pass   %s%n", first);
      System.out.printf(Locale.ROOT, "bench: first pass   %s%n", first.cpuPerResource());

      System.gc();
      JvmMeasurements.resetPeaks();
      IngestTotals repost = pass(intake, bodies);
      long repostPeakHeap = JvmMeasurements.heapPoolPeaks();
      System.out.printf(Locale.ROOT, "bench: re-post pass %s%n", repost);
      System.out.printf(Locale.ROOT, "bench: re-post pass %s%n", repost.cpuPerResource());
      if (repost.unchanged != repost.received) {
        System.out.println("bench: WARNING re-post pass was not all unchanged");
      }

      Long dbBytes = jdbc.queryForObject("SELECT pg_database_size(current_database())", Long.class);
      Long rawRows = jdbc.queryForObject("SELECT count(*) FROM raw_resource", Long.class);

      String machine = JvmMeasurements.machine();
      String line =
          String.format(
              Locale.ROOT,
              "RESULT N=%d batch=%d first=%.0f resources/s (%.2f s, DB %.0f%%, GC %d ms)"
                  + " re-post=%.0f resources/s (%.2f s, DB %.0f%%) peakHeap=%.0f MB (re-post %.0f MB)"
                  + " peakRSS=%.0f MB db=%.0f MB raw_rows=%d target=%s | %s",
              first.received,
              batchSize,
              first.rate(),
              first.seconds(),
              100.0 * first.dbNanos / first.nanos,
              first.gcMillis,
              repost.rate(),
              repost.seconds(),
              100.0 * repost.dbNanos / repost.nanos,
              peakHeap / 1048576.0,
              repostPeakHeap / 1048576.0,
              peakRss / 1048576.0,
              dbBytes == null ? 0 : dbBytes / 1048576.0,
              rawRows,
              first.rate() >= TARGET ? "MET (>= 5000/s)" : "MISSED (< 5000/s)",
              machine);
      System.out.println(line);
      for (IngestTotals t : List.of(first, repost)) {
        System.out.printf(
            Locale.ROOT,
            "bench: %s time split: %.2f s total, DB %.2f s (%s; commits %.2f s), outside DB %.2f s%n",
            t == first ? "first-pass" : "re-post",
            t.seconds(),
            t.dbNanos / 1e9,
            t.dbBreakdown,
            t.commitNanos / 1e9,
            (t.nanos - t.dbNanos) / 1e9);
      }
      IngestResults.appendResult(
          results,
          batchSize,
          bodies.size(),
          first,
          repost,
          peakHeap,
          repostPeakHeap,
          peakRss,
          machine);
      System.out.println("bench: appended a row to " + results);
    }
  }

  /** Where the first pass's database time went, statement by statement. */
  private static void printStatements(JdbcTemplate jdbc, int limit) {
    // WAL volume (full-page images after a checkpoint) and whether the WAL buffers ran full.
    jdbc.query(
        "SELECT w.wal_records, w.wal_fpi, w.wal_bytes, w.wal_buffers_full, w.wal_write, w.wal_sync,"
            + " c.num_timed, c.num_requested FROM pg_stat_wal w, pg_stat_checkpointer c",
        rs -> {
          System.out.printf(
              Locale.ROOT,
              "bench: WAL %,d records, %,d full-page images, %.0f MB, buffers full %,d times,"
                  + " %,d writes, %,d syncs; checkpoints %d timed, %d requested%n",
              rs.getLong(1),
              rs.getLong(2),
              rs.getDouble(3) / 1048576.0,
              rs.getLong(4),
              rs.getLong(5),
              rs.getLong(6),
              rs.getLong(7),
              rs.getLong(8));
        });
    jdbc.query(
        "SELECT calls, rows, total_exec_time, left(regexp_replace(query, '\\s+', ' ', 'g'), 160)"
            + " FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%'"
            + " ORDER BY total_exec_time DESC LIMIT ?",
        rs -> {
          System.out.printf(
              Locale.ROOT,
              "bench: statement %8.0f ms %7d calls %8d rows  %s%n",
              rs.getDouble(3),
              rs.getLong(1),
              rs.getLong(2),
              rs.getString(4));
        },
        limit);
  }

  // ---- one pass --------------------------------------------------------------------------------

  /** The pipeline as the benchmark drives it: its timed writer and transactions, N clients. */
  private record Intake(
      IntakePipeline pipeline,
      TimedWriter writer,
      TimedTransactionManager tx,
      int clients,
      CpuClock cpu) {}

  private static IngestTotals pass(Intake intake, List<Body> bodies) {
    IntakePipeline pipeline = intake.pipeline();
    TimedWriter writer = intake.writer();
    TimedTransactionManager tx = intake.tx();
    int clients = intake.clients();
    CpuClock cpu = intake.cpu();
    IngestTotals t = new IngestTotals();
    writer.reset();
    tx.reset();
    long gcBefore = JvmMeasurements.gcMillis();
    CpuClock.Reading cpuBefore = cpu.read();
    long started = System.nanoTime();
    List<IntakeReport> reports;
    if (clients <= 1) {
      reports = bodies.stream().map(b -> pipeline.ingest(request(b))).toList();
    } else {
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      try {
        List<Future<IntakeReport>> running = new ArrayList<>();
        for (Body b : bodies) {
          running.add(pool.submit(() -> pipeline.ingest(request(b))));
        }
        reports = new ArrayList<>();
        for (Future<IntakeReport> f : running) {
          reports.add(f.get());
        }
      } catch (InterruptedException | ExecutionException e) {
        throw new IllegalStateException("a body failed", e);
      } finally {
        pool.shutdownNow();
      }
    }
    reports.forEach(t::add);
    t.nanos = System.nanoTime() - started;
    CpuClock.Reading cpuAfter = cpu.read();
    t.jvmCpuSeconds = cpuAfter.driver() - cpuBefore.driver();
    t.pgCpuSeconds = cpuAfter.database() - cpuBefore.database();
    t.dbNanos = writer.total() + tx.total();
    t.gcMillis = JvmMeasurements.gcMillis() - gcBefore;
    t.commitNanos = tx.commitNanos.get();
    t.dbBreakdown = writer.breakdown();
    return t;
  }

  private static IntakeRequest request(Body b) {
    return new IntakeRequest(
        b.siteId(),
        IntakeRequest.CHANNEL_HTTP,
        "benchmark",
        CONTENT_TYPE,
        null,
        IntakeRequest.Body.of(b.ndjson()));
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  private static int intProp(String name, int def) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? def : Integer.parseInt(v.trim().replace("_", ""));
  }

  /**
   * Derivations with trial screening (every built-in study, as the server runs them) unless {@code
   * -Dbench.screening=false}, so the two runs show what screening costs per resource.
   */
  private static EpisodeRecomputation screening(
      TimedWriter writer,
      JdbcTemplate jdbc,
      ObjectMapper json,
      MappingEngine engine,
      DataSource ds) {
    if (!Boolean.parseBoolean(System.getProperty("bench.screening", "true"))) {
      System.out.println("bench: trial screening off");
      return new EpisodeRecomputation(writer.derivationStore(jdbc, json), engine);
    }
    StudyCatalog studies = StudyCatalog.load(null);
    studies.register(ds);
    engine.acceptStudies(studies);
    System.out.println("bench: trial screening on, studies " + studies.studies().keySet());
    return new EpisodeRecomputation(
        writer.derivationStore(jdbc, json),
        engine,
        writer.trialStore(jdbc, json),
        () -> studies.studies().values());
  }
}
