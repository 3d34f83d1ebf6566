package org.shockreg.benchmarks.search;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Properties;

/**
 * Search and export benchmark (issue 5 item 8): at least 1 M curated Observations from the
 * synthetic cohort, loaded through the real intake path into an on-disk embedded PostgreSQL (kept
 * and reused by later runs), the real application started on it as a child process, the
 * interfaces.md search set over HTTP sequentially and with concurrent clients, and a bulk export of
 * everything. See RESULTS.md, section "Search and export benchmark", for options and results.
 */
public final class SearchBenchmark {

  private SearchBenchmark() {}

  public static void main(String[] args) {
    // System.exit, also on failure: PostgreSQL's and the HTTP client's threads would keep the JVM
    // alive.
    int status = 1;
    try {
      run(Options.fromSystemProperties());
      status = 0;
    } catch (Throwable t) {
      System.err.println("bench: FAILED");
      t.printStackTrace();
    }
    System.exit(status);
  }

  static void run(Options o) throws Exception {
    Files.createDirectories(o.dir());
    Path marker = o.dir().resolve("loaded.properties");
    Properties loaded = readMarker(marker);
    boolean reuse =
        !o.reload()
            && loaded != null
            && Long.toString(o.seed()).equals(loaded.getProperty("seed"))
            && Long.parseLong(loaded.getProperty("curatedObservations", "0")) >= o.observations();
    System.out.println(
        "bench: database "
            + o.dir().resolve("pg")
            + (reuse ? " (reusing the loaded cohort)" : " (building it)"));
    if (!reuse) {
      Files.deleteIfExists(marker);
    }
    BenchDatabase db = BenchDatabase.start(o.dir(), !reuse);
    Runtime.getRuntime().addShutdownHook(new Thread(db::close, "bench-db-stop"));
    try {
      CohortLoad load = new CohortLoad(db, o.batchSize());
      if (reuse) {
        long count = load.curatedObservations();
        if (count < o.observations()) {
          throw new IllegalStateException(
              "marker says loaded but curated_observation holds "
                  + count
                  + ": run with -Dbench.reload=true");
        }
        System.out.printf(Locale.ROOT, "bench: %,d curated Observations already loaded%n", count);
      } else {
        CohortLoad.Result r = load.load(o.seed(), o.observations(), o.bodyResources());
        long t0 = System.nanoTime();
        // A fresh bulk load: give the planner statistics, as autovacuum would soon after.
        db.jdbc().execute("VACUUM (ANALYZE)");
        System.out.printf(
            Locale.ROOT, "bench: VACUUM ANALYZE in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        Properties p = new Properties();
        p.setProperty("seed", Long.toString(o.seed()));
        p.setProperty("patients", Integer.toString(r.patients()));
        p.setProperty("sourceResources", Long.toString(r.resources()));
        p.setProperty("curatedObservations", Long.toString(r.curatedObservations()));
        p.setProperty("loadSeconds", String.format(Locale.ROOT, "%.1f", r.seconds()));
        p.setProperty("loadedAt", Instant.now().toString());
        try (Writer w = Files.newBufferedWriter(marker)) {
          p.store(w, "search benchmark cohort; delete or run with -Dbench.reload=true to rebuild");
        }
        loaded = p;
      }
      if (o.loadOnly()) {
        return;
      }
      new SearchRun(o, db, loaded).run();
    } finally {
      db.close();
    }
  }

  private static Properties readMarker(Path marker) throws IOException {
    if (!Files.exists(marker)) {
      return null;
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(marker)) {
      p.load(r);
    }
    return p;
  }
}
