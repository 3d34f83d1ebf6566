package org.shockreg.benchmarks;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.sql.DataSource;
import liquibase.integration.spring.SpringLiquibase;
import org.hl7.fhir.r4.model.Patient;
import org.shockreg.ingest.demo.SyntheticCohortGenerator;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeProperties;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.derive.EpisodeRecomputation;
import org.shockreg.registry.derive.DerivationStore;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.mappings.rules.RuleSetLoader;
import org.shockreg.registry.curated.CurationBatch;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.shockreg.registry.db.EmbeddedPostgresAutoConfiguration;
import org.shockreg.registry.intake.DeadLetter;
import org.shockreg.registry.intake.RawResource;
import org.shockreg.registry.intake.SourceHead;
import org.shockreg.registry.intake.UnmappedCode;
import org.shockreg.registry.store.RegistryWriter;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Ingest benchmark: N generated source resources (the seeded synthetic cohort the demo and the
 * tests use) go through the real {@link IntakePipeline} into an embedded PostgreSQL configured as
 * the product configures it. Generation and NDJSON encoding happen before timing; a warm-up on a
 * separate cohort (other seed, other sites) precedes the timed passes.
 *
 * <p>Measured: first pass (everything new: parse, hash, map, raw store, curated upserts) and a
 * re-post pass of the same bodies (all unchanged: parse, hash, head lookup only), resources/s =
 * resources received / wall seconds of {@code ingest} calls; peak heap (sum of the heap pools'
 * peak usage, peaks reset after warm-up) and peak RSS of the JVM. A row is appended to
 * RESULTS.md.
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

  /** One posted body: site and NDJSON bytes. */
  private record Body(String siteId, byte[] ndjson, int resources) {}

  /** What a pass did. */
  private static final class Totals {
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
      return "received=" + received + " curated=" + curated + " unchanged=" + unchanged
          + " rejected=" + rejected + " unmapped=" + unmapped + " skipped=" + skipped
          + " retracted=" + retracted + " ignored=" + ignored;
    }
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
    Path results = Path.of(System.getProperty("bench.results", "RESULTS.md")).toAbsolutePath();
    Path workDir =
        Path.of(System.getProperty("bench.workDir", "target/bench")).toAbsolutePath().normalize();
    // Liquibase: no phoning home, little chatter.
    System.setProperty("liquibase.analytics.enabled", "false");
    System.setProperty("liquibase.showBanner", "false");

    // ---- inputs, before any timing ----------------------------------------------------------
    FhirContext fhir = FhirContext.forR4Cached();
    long t0 = System.nanoTime();
    List<Body> bodies = generate(fhir, seed, resources, bodyResources, null);
    List<Body> warmup = generate(fhir, seed + 1, -warmupPatients, 0, "warmup-");
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
    Path runDir = workDir.resolve("run");
    deleteRecursively(runDir);
    Files.createDirectories(runDir);
    Path sockets = runDir.resolve("s");
    if (sockets.toString().length() > 80) { // unix socket paths are limited to ~107 bytes
      sockets = Files.createTempDirectory(Path.of("/tmp"), "pgs");
    }
    Files.createDirectories(sockets);
    t0 = System.nanoTime();
    // As the product's EmbeddedPostgresAutoConfiguration configures it (durable commits).
    EmbeddedPostgres.Builder pgBuilder =
        EmbeddedPostgres.builder()
            .setDataDirectory(runDir.resolve("pg"))
            .setCleanDataDirectory(true)
            .setServerConfig("unix_socket_directories", sockets.toString())
            .setServerConfig("max_connections", "100")
            .setServerConfig("shared_buffers", "128MB")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("shared_preload_libraries", statements > 0 ? "pg_stat_statements" : "");
    // -Dbench.pgConfig=name=value,name=value (through bench.jvmArgs): server settings for a
    // what-if experiment, over the product's.
    for (String setting : System.getProperty("bench.pgConfig", "").split(",")) {
      if (setting.contains("=")) {
        System.out.println("bench: what-if setting " + setting.trim());
        pgBuilder.setServerConfig(setting.substring(0, setting.indexOf('=')).trim(), setting.substring(setting.indexOf('=') + 1).trim());
      }
    }
    EmbeddedPostgres pg = pgBuilder.start();
    HikariDataSource ds =
        EmbeddedPostgresAutoConfiguration.pooled(pg.getJdbcUrl("postgres", "postgres"), "postgres", "");
    try {
      migrate(ds);
      System.out.printf(
          Locale.ROOT,
          "bench: embedded PostgreSQL on port %d migrated in %.1f s%n",
          pg.getPort(),
          (System.nanoTime() - t0) / 1e9);

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
      MappingEngine engine = new MappingEngine(new RuleSetLoader().loadBuiltIn(), new Pseudonymizer(key));
      IntakePipeline pipeline =
          new IntakePipeline(
              writer,
              engine,
              screening(writer, jdbc, json, engine, ds),
              new TransactionTemplate(txManager),
              json,
              fhir,
              new IntakeProperties(batchSize, true),
              new SimpleMeterRegistry());

      // ---- warm-up: other cohort, other sites; both the new and the unchanged path ---------
      t0 = System.nanoTime();
      Totals w1 = pass(pipeline, warmup, writer, txManager);
      Totals w2 = pass(pipeline, warmup, writer, txManager);
      System.out.printf(
          Locale.ROOT,
          "bench: warm-up %,d resources: first %.0f/s, re-post %.0f/s (%.1f s)%n",
          w1.received,
          w1.rate(),
          w2.rate(),
          (System.nanoTime() - t0) / 1e9);

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
      resetPeaks();
      Totals first = pass(pipeline, bodies, writer, txManager);
      if (statements > 0) {
        printStatements(jdbc, statements);
      }
      long peakHeap = heapPoolPeaks();
      long peakRss = procStatusKb("VmHWM") * 1024;
      System.out.printf(Locale.ROOT, "bench: first pass   %s%n", first);

      System.gc();
      resetPeaks();
      Totals repost = pass(pipeline, bodies, writer, txManager);
      long repostPeakHeap = heapPoolPeaks();
      System.out.printf(Locale.ROOT, "bench: re-post pass %s%n", repost);
      if (repost.unchanged != repost.received) {
        System.out.println("bench: WARNING re-post pass was not all unchanged");
      }

      Long dbBytes = jdbc.queryForObject("SELECT pg_database_size(current_database())", Long.class);
      Long rawRows = jdbc.queryForObject("SELECT count(*) FROM raw_resource", Long.class);

      String machine = machine();
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
      for (Totals t : List.of(first, repost)) {
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
      appendResult(
          results, batchSize, bodies.size(), first, repost, peakHeap, repostPeakHeap, peakRss, machine);
      System.out.println("bench: appended a row to " + results);
    } finally {
      ds.close();
      pg.close();
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
              rs.getLong(1), rs.getLong(2), rs.getDouble(3) / 1048576.0, rs.getLong(4),
              rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8));
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

  private static Totals pass(
      IntakePipeline pipeline, List<Body> bodies, TimedWriter writer, TimedTransactionManager tx) {
    Totals t = new Totals();
    writer.reset();
    tx.reset();
    long gcBefore = gcMillis();
    long started = System.nanoTime();
    for (Body b : bodies) {
      IntakeReport r =
          pipeline.ingest(
              new IntakeRequest(
                  b.siteId(),
                  IntakeRequest.CHANNEL_HTTP,
                  "benchmark",
                  CONTENT_TYPE,
                  null,
                  IntakeRequest.Body.of(b.ndjson())));
      t.add(r);
    }
    t.nanos = System.nanoTime() - started;
    t.dbNanos = writer.total() + tx.total();
    t.gcMillis = gcMillis() - gcBefore;
    t.commitNanos = tx.commitNanos.get();
    t.dbBreakdown = writer.breakdown();
    return t;
  }

  // ---- inputs ----------------------------------------------------------------------------------

  /**
   * Encodes the cohort as NDJSON bodies. {@code target > 0}: whole patients until at least that
   * many resources; {@code target < 0}: exactly {@code -target} patients.
   */
  private static List<Body> generate(
      FhirContext fhir, long seed, int target, int bodyResources, String sitePrefix) {
    SyntheticCohortGenerator generator = new SyntheticCohortGenerator(seed);
    int patients;
    if (target < 0) {
      patients = -target;
    } else {
      long perHundred = Math.max(1, generator.countFor(100));
      patients = (int) Math.ceil(target * 100.0 / perHundred * 1.05) + 10;
    }
    while (true) {
      List<Body> bodies = encode(fhir, generator, patients, target, bodyResources, sitePrefix);
      int total = bodies.stream().mapToInt(Body::resources).sum();
      if (target < 0 || total >= target) {
        return bodies;
      }
      patients = patients * 2;
    }
  }

  private static List<Body> encode(
      FhirContext fhir,
      SyntheticCohortGenerator generator,
      int patients,
      int target,
      int bodyResources,
      String sitePrefix) {
    IParser parser = fhir.newJsonParser().setPrettyPrint(false);
    Map<String, ByteArrayOutputStream> open = new LinkedHashMap<>();
    Map<String, int[]> openCounts = new LinkedHashMap<>();
    List<Body> done = new ArrayList<>();
    int[] total = {0};
    boolean[] full = {false};
    generator.generate(
        patients,
        (site, resource) -> {
          if (full[0]) {
            return;
          }
          // Stop at the first patient boundary at or past the target: whole patients only.
          if (target > 0 && total[0] >= target && resource instanceof Patient) {
            full[0] = true;
            return;
          }
          String siteId = sitePrefix == null ? site : sitePrefix + site.substring(site.indexOf('-') + 1);
          ByteArrayOutputStream out = open.computeIfAbsent(siteId, s -> new ByteArrayOutputStream(1 << 20));
          int[] count = openCounts.computeIfAbsent(siteId, s -> new int[1]);
          out.writeBytes(parser.encodeResourceToString(resource).getBytes(StandardCharsets.UTF_8));
          out.write('\n');
          count[0]++;
          total[0]++;
          if (bodyResources > 0 && count[0] >= bodyResources) {
            done.add(new Body(siteId, out.toByteArray(), count[0]));
            open.remove(siteId);
            openCounts.remove(siteId);
          }
        });
    for (Map.Entry<String, ByteArrayOutputStream> e : open.entrySet()) {
      done.add(new Body(e.getKey(), e.getValue().toByteArray(), openCounts.get(e.getKey())[0]));
    }
    return done;
  }

  // ---- database --------------------------------------------------------------------------------

  private static void migrate(DataSource ds) throws Exception {
    SpringLiquibase liquibase = new SpringLiquibase();
    liquibase.setDataSource(ds);
    liquibase.setChangeLog("classpath:db/changelog/db.changelog-master.yaml");
    liquibase.setResourceLoader(new DefaultResourceLoader(IngestBenchmark.class.getClassLoader()));
    liquibase.afterPropertiesSet();
  }

  /** Times every database call the pipeline makes through the writer. */
  static final class TimedWriter extends RegistryWriter {
    private final Map<String, AtomicLong> nanos = new LinkedHashMap<>();

    TimedWriter(JdbcTemplate jdbc, ObjectMapper json) {
      super(jdbc, json);
      for (String k :
          List.of("findHeads", "lockHeads", "allocateRawIds", "insertRaw", "apply", "deriveLoad", "deriveStore", "trialLoad", "trialStore", "recordUnmapped", "deadLetter", "ensureSite")) {
        nanos.put(k, new AtomicLong());
      }
    }

    void reset() {
      nanos.values().forEach(a -> a.set(0));
    }

    long total() {
      return nanos.values().stream().mapToLong(AtomicLong::get).sum();
    }

    String breakdown() {
      StringBuilder sb = new StringBuilder();
      nanos.forEach(
          (k, v) -> {
            if (v.get() > 0) {
              sb.append(sb.isEmpty() ? "" : ", ")
                  .append(k)
                  .append(' ')
                  .append(String.format(Locale.ROOT, "%.2f", v.get() / 1e9))
                  .append(" s");
            }
          });
      return sb.toString();
    }

    /** Trial screening's reads and writes (randomizations, follow-up, subjects), timed likewise. */
    org.shockreg.registry.trial.TrialStore trialStore(JdbcTemplate jdbc, ObjectMapper json) {
      return new org.shockreg.registry.trial.TrialStore(jdbc, json, new org.shockreg.registry.notify.SubscriptionOutbox(jdbc)) {
        @Override
        public Map<String, org.shockreg.registry.trial.PatientFollowUp> loadFollowUp(Collection<String> patientIds) {
          long s = System.nanoTime();
          try {
            return super.loadFollowUp(patientIds);
          } finally {
            add("trialLoad", s);
          }
        }

        @Override
        public void storeSubjects(
            Collection<String> patientIds, List<org.shockreg.registry.trial.SubjectRecord> subjects) {
          long s = System.nanoTime();
          try {
            super.storeSubjects(patientIds, subjects);
          } finally {
            add("trialStore", s);
          }
        }
      };
    }

    /** Derivations' reads and writes, timed into the same breakdown. */
    DerivationStore derivationStore(JdbcTemplate jdbc, ObjectMapper json) {
      return new DerivationStore(jdbc, json) {
        @Override
        public Map<String, org.shockreg.registry.derive.PatientClinicalRecord> load(
            Collection<String> patientIds) {
          long s = System.nanoTime();
          try {
            return super.load(patientIds);
          } finally {
            add("deriveLoad", s);
          }
        }

        @Override
        public void store(
            Collection<String> patientIds,
            List<org.shockreg.registry.derive.EpisodeDerivation> episodes) {
          long s = System.nanoTime();
          try {
            super.store(patientIds, episodes);
          } finally {
            add("deriveStore", s);
          }
        }
      };
    }

    private void add(String k, long started) {
      nanos.get(k).addAndGet(System.nanoTime() - started);
    }

    @Override
    public boolean ensureSite(String siteId, String origin) {
      long s = System.nanoTime();
      try {
        return super.ensureSite(siteId, origin);
      } finally {
        add("ensureSite", s);
      }
    }

    @Override
    public Map<SourceKey, SourceHead> findHeads(String siteId, Collection<SourceKey> keys) {
      long s = System.nanoTime();
      try {
        return super.findHeads(siteId, keys);
      } finally {
        add("findHeads", s);
      }
    }

    @Override
    public long[] allocateRawIds(int n) {
      long s = System.nanoTime();
      try {
        return super.allocateRawIds(n);
      } finally {
        add("allocateRawIds", s);
      }
    }

    @Override
    public Map<SourceKey, SourceHead> lockHeads(String siteId, Collection<SourceKey> keys) {
      long s = System.nanoTime();
      try {
        return super.lockHeads(siteId, keys);
      } finally {
        add("lockHeads", s);
      }
    }

    @Override
    public void insertRaw(List<RawResource> resources, long[] ids, java.util.Set<SourceKey> firstVersions) {
      long s = System.nanoTime();
      try {
        super.insertRaw(resources, ids, firstVersions);
      } finally {
        add("insertRaw", s);
      }
    }

    @Override
    public java.util.Set<String> apply(CurationBatch batch) {
      long s = System.nanoTime();
      try {
        return super.apply(batch);
      } finally {
        add("apply", s);
      }
    }

    @Override
    public void recordUnmapped(Map<UnmappedCode, Integer> counts) {
      long s = System.nanoTime();
      try {
        super.recordUnmapped(counts);
      } finally {
        add("recordUnmapped", s);
      }
    }

    @Override
    public long deadLetter(DeadLetter d) {
      long s = System.nanoTime();
      try {
        return super.deadLetter(d);
      } finally {
        add("deadLetter", s);
      }
    }
  }

  /** Times transaction begin and commit (the commit waits for the WAL flush). */
  static final class TimedTransactionManager extends DataSourceTransactionManager {
    final AtomicLong beginNanos = new AtomicLong();
    final AtomicLong commitNanos = new AtomicLong();

    TimedTransactionManager(DataSource ds) {
      super(ds);
    }

    void reset() {
      beginNanos.set(0);
      commitNanos.set(0);
    }

    long total() {
      return beginNanos.get() + commitNanos.get();
    }

    @Override
    protected void doBegin(Object transaction, TransactionDefinition definition) {
      long s = System.nanoTime();
      try {
        super.doBegin(transaction, definition);
      } finally {
        beginNanos.addAndGet(System.nanoTime() - s);
      }
    }

    @Override
    protected void doCommit(DefaultTransactionStatus status) {
      long s = System.nanoTime();
      try {
        super.doCommit(status);
      } finally {
        commitNanos.addAndGet(System.nanoTime() - s);
      }
    }
  }

  // ---- memory, machine ---------------------------------------------------------------------------

  private static void resetPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
    try {
      // Linux: "5" resets the peak RSS (VmHWM) to the current RSS.
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException | RuntimeException ignored) {
      // not Linux, or not allowed: VmHWM then covers the whole run
    }
  }

  /** Sum of the heap pools' peak usage since the last reset (an upper bound of the true peak). */
  private static long heapPoolPeaks() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  private static long gcMillis() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionTime());
    }
    return sum;
  }

  private static long procStatusKb(String field) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith(field + ":")) {
          return Long.parseLong(l.substring(field.length() + 1).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux
    }
    return -1;
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
    long memKb = -1;
    try {
      for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (l.startsWith("MemTotal:")) {
          memKb = Long.parseLong(l.substring(9).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux
    }
    String gc =
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(b -> b.getName().replace(" Young Generation", "").replace(" Young", ""))
            .findFirst()
            .orElse("?");
    return String.format(
        Locale.ROOT,
        "%d cores, %s, %s %s%s, Java %s, -Xmx%d MB, GC %s",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        memKb > 0 ? String.format(Locale.ROOT, ", %.0f GB RAM", memKb / 1048576.0) : "",
        System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() / (1024 * 1024),
        gc);
  }

  // ---- results -----------------------------------------------------------------------------------

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

  private static void appendResult(
      Path file,
      int batchSize,
      int bodies,
      Totals first,
      Totals repost,
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
            ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")),
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

  /** Heading of the search benchmark's section (search.ResultsFile), which follows the ingest table. */
  private static final String SEARCH_SECTION = "## Search and export benchmark";

  // ---- helpers -----------------------------------------------------------------------------------

  private static int intProp(String name, int def) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? def : Integer.parseInt(v.trim().replace("_", ""));
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * Derivations with trial screening (every built-in study, as the server runs them) unless
   * {@code -Dbench.screening=false}, so the two runs show what screening costs per resource.
   */
  private static EpisodeRecomputation screening(
      TimedWriter writer, JdbcTemplate jdbc, ObjectMapper json, MappingEngine engine, javax.sql.DataSource ds) {
    if (!Boolean.parseBoolean(System.getProperty("bench.screening", "true"))) {
      System.out.println("bench: trial screening off");
      return new EpisodeRecomputation(writer.derivationStore(jdbc, json), engine);
    }
    org.shockreg.registry.study.StudyCatalog studies = org.shockreg.registry.study.StudyCatalog.load(null);
    studies.register(ds);
    engine.acceptStudies(studies);
    System.out.println("bench: trial screening on, studies " + studies.studies().keySet());
    return new EpisodeRecomputation(
        writer.derivationStore(jdbc, json), engine, writer.trialStore(jdbc, json), () -> studies.studies().values());
  }
}
