package org.shockreg.server.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.shockreg.registry.db.CrashProcesses;
import org.shockreg.server.crash.RegistryServer.KillMode;
import org.shockreg.server.crash.RegistryServer.Launch;
import org.shockreg.server.crash.SourceChunks.Chunk;

/**
 * The kill -9 drill of issue 10, against the real server as a process with its own embedded
 * PostgreSQL:
 *
 * <ol>
 *   <li>run A, crash-free: a fresh data dir, every chunk posted once, then all of them again; the
 *       registry's totals recorded ({@link RegistryTotals});
 *   <li>run B: another fresh data dir (same pseudonym key), the chunks posted in the same order,
 *       and at seeded points, while a chunk is being ingested, the server is killed ({@link
 *       KillMode}) and started again, once: whether it came up on that first try and how long it
 *       took is recorded. The chunk that got no answer is posted again, as a client would. Then all
 *       chunks are posted again and the totals are compared with run A's.
 * </ol>
 *
 * Used by {@code CrashRecoveryIT} (small) and by the benchmarks module's {@code
 * CrashRecoveryBenchmark} (100 k resources). Output lines start with {@code crash-drill:}.
 */
public final class CrashDrill {

  /** What to run. {@code kills} in order: e.g. five JVM kills, then five process-group kills. */
  public record Options(
      long seed,
      int resources,
      int chunkResources,
      List<KillMode> kills,
      Launch launch,
      Path workDir,
      Duration startTimeout) {}

  /** One kill and the start after it. */
  public record Restart(
      int number,
      KillMode mode,
      int chunk,
      long delayMillis,
      boolean inFlight,
      boolean firstTryUp,
      double secondsToUp,
      int tries,
      String recovery,
      String failure,
      long acknowledged,
      long stored) {}

  /** Everything measured. {@link #passed()} is the verdict. */
  public record Result(
      Options options,
      int resources,
      int chunks,
      double runASeconds,
      double runAIngestSeconds,
      double runBSeconds,
      List<Restart> restarts,
      Map<String, String> totalsA,
      Map<String, String> totalsB,
      Map<String, Long> repostA,
      Map<String, Long> repostB,
      List<String> mismatches) {

    public long firstTryUps() {
      return restarts.stream().filter(Restart::firstTryUp).count();
    }

    public boolean passed() {
      return mismatches.isEmpty() && firstTryUps() == restarts.size();
    }
  }

  private static final int EXTRA_TRIES = 2;

  private final Options o;
  private final List<Process> started = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper();

  public CrashDrill(Options options) {
    this.o = options;
  }

  public Result run() throws Exception {
    Path work = o.workDir();
    Files.createDirectories(work);
    List<Chunk> chunks =
        SourceChunks.generate(o.seed(), o.resources(), o.chunkResources(), work.resolve("source"));
    int resources = SourceChunks.resources(chunks);
    say(
        "%,d source resources in %d chunks under %s",
        resources, chunks.size(), work.resolve("source"));
    String key = pseudonymKey(o.seed());
    Path dirA = fresh(work.resolve("run-a"));
    Path dirB = fresh(work.resolve("run-b"));
    fresh(work.resolve("logs")); // recovery() reads the event lines of this run's logs only
    try {
      // Run A: crash-free.
      long a0 = System.nanoTime();
      RegistryServer a = startOrFail(dirA, key, "a-1");
      long[] postNanos = new long[chunks.size()];
      long i0 = System.nanoTime();
      for (Chunk c : chunks) {
        long t = System.nanoTime();
        a.post(c);
        postNanos[c.index()] = System.nanoTime() - t;
      }
      double ingestA = (System.nanoTime() - i0) / 1e9;
      say(
          "run A: %,d resources ingested in %.1f s (%.0f/s)",
          resources, ingestA, resources / ingestA);
      Map<String, Long> repostA = postAll(a, chunks);
      Map<String, String> totalsA =
          RegistryTotals.snapshot(a, dirA.resolve("pg"), work.resolve("rows-a"));
      a.close();
      double runA = (System.nanoTime() - a0) / 1e9;
      say("run A done in %.1f s: %s", runA, totalsA);

      // Run B: killed and restarted mid-ingest.
      long b0 = System.nanoTime();
      List<Restart> restarts = new ArrayList<>();
      RegistryServer b = startOrFail(dirB, key, "b-0");
      int next = 0;
      List<String> lost = new ArrayList<>();
      List<int[]> plan = killPlan(chunks.size(), postNanos);
      for (int k = 0; k < plan.size(); k++) {
        int chunk = plan.get(k)[0];
        long delay = plan.get(k)[1];
        for (; next < chunk; next++) {
          b.post(chunks.get(next));
        }
        CompletableFuture<HttpResponse<String>> inFlight = b.postAsync(chunks.get(chunk));
        TimeUnit.MILLISECONDS.sleep(delay);
        boolean answered = inFlight.isDone();
        KillMode mode = o.kills().get(k);
        b.kill(mode);
        try {
          inFlight.get(30, TimeUnit.SECONDS);
        } catch (Exception expected) {
          // the connection died with the server
        }
        Path previousLog = work.resolve("logs").resolve("b-" + k + ".log");
        Up up = restart(dirB, key, k + 1);
        b = up.server();
        // Durability: every chunk answered before the kill is committed (synchronous commit), so
        // its resources must be there before anything is re-posted; the re-post would hide a loss.
        long acknowledged = chunks.subList(0, chunk).stream().mapToLong(Chunk::resources).sum();
        long stored =
            RegistryTotals.count(dirB.resolve("pg"), "SELECT count(*) FROM source_resource_head");
        long upTo = acknowledged + chunks.get(chunk).resources();
        Restart r =
            new Restart(
                k + 1,
                mode,
                chunk,
                delay,
                !answered,
                up.tries() == 1,
                up.firstSeconds(),
                up.tries(),
                recovery(previousLog, work.resolve("logs").resolve("b-" + (k + 1) + ".log")),
                up.firstFailure(),
                acknowledged,
                stored);
        restarts.add(r);
        if (stored < acknowledged || stored > upTo) {
          lost.add(
              String.format(
                  Locale.ROOT,
                  "after restart %d: %d source resources stored, expected the %d acknowledged"
                      + " (up to %d with the one in flight)",
                  r.number(),
                  stored,
                  acknowledged,
                  upTo));
        }
        say(
            "restart %d after %s kill at chunk %d (+%d ms, %s): %s in %.1f s; %s;"
                + " %,d resources stored, %,d acknowledged",
            r.number(),
            mode,
            chunk,
            delay,
            r.inFlight() ? "mid-request" : "between requests",
            r.firstTryUp()
                ? "up on the first try"
                : "NOT up on the first try (" + r.failure() + ")",
            r.secondsToUp(),
            r.recovery(),
            stored,
            acknowledged);
        // The chunk whose answer never came is sent again, as a client would.
        next = chunk;
      }
      for (; next < chunks.size(); next++) {
        b.post(chunks.get(next));
      }
      Map<String, Long> repostB = postAll(b, chunks);
      Map<String, String> totalsB =
          RegistryTotals.snapshot(b, dirB.resolve("pg"), work.resolve("rows-b"));
      b.close();
      double runB = (System.nanoTime() - b0) / 1e9;
      say("run B done in %.1f s: %s", runB, totalsB);

      List<String> mismatches = new ArrayList<>(lost);
      mismatches.addAll(RegistryTotals.diff(totalsA, totalsB));
      for (String table : RegistryTotals.TABLES) {
        if (!totalsA.get("sql " + table + " md5").equals(totalsB.get("sql " + table + " md5"))) {
          mismatches.add("rows of " + table + ":");
          mismatches.addAll(
              RegistryTotals.rowDiff(work.resolve("rows-a"), work.resolve("rows-b"), table, 5));
        }
      }
      for (String counter : List.of("curated", "rejected", "unmapped", "retracted")) {
        if (!repostA.get(counter).equals(repostB.get(counter))) {
          mismatches.add(
              "re-post " + counter + ": " + repostA.get(counter) + " -> " + repostB.get(counter));
        }
      }
      Result result =
          new Result(
              o,
              resources,
              chunks.size(),
              runA,
              ingestA,
              runB,
              restarts,
              totalsA,
              totalsB,
              repostA,
              repostB,
              mismatches);
      say(
          "%d/%d restarts up on the first try; totals %s",
          result.firstTryUps(),
          restarts.size(),
          mismatches.isEmpty() ? "equal" : "DIFFER:\n  " + String.join("\n  ", mismatches));
      return result;
    } finally {
      CrashProcesses.stopEverything(started, dirA.resolve("pg"));
      CrashProcesses.stopEverything(List.of(), dirB.resolve("pg"));
    }
  }

  /**
   * One kill per kill mode, spread over the chunks: the i-th in the i-th equal slice of them, at a
   * seeded chunk, after a seeded 10-90 % of the time run A took for that chunk.
   */
  private List<int[]> killPlan(int chunks, long[] postNanos) {
    SplittableRandom rnd = new SplittableRandom(o.seed() ^ 0x5DEECE66DL);
    int kills = o.kills().size();
    List<int[]> plan = new ArrayList<>();
    for (int i = 0; i < kills; i++) {
      int lo = (int) ((long) i * chunks / kills);
      int hi = Math.max(lo + 1, (int) ((long) (i + 1) * chunks / kills));
      int chunk = Math.min(chunks - 1, lo + rnd.nextInt(hi - lo));
      long delay = Math.max(20, (long) (postNanos[chunk] / 1e6 * (0.1 + 0.8 * rnd.nextDouble())));
      plan.add(new int[] {chunk, (int) delay});
    }
    return plan;
  }

  private record Up(RegistryServer server, int tries, double firstSeconds, String firstFailure) {}

  /** Starts after a kill: the first try counts; up to two more so the drill can go on. */
  private Up restart(Path dataDir, String key, int number) throws Exception {
    RegistryServer server = null;
    RegistryServer.Start first = null;
    int tries = 0;
    while (tries <= EXTRA_TRIES) {
      tries++;
      String name = "b-" + number + (tries == 1 ? "" : "-try" + tries);
      Path log = work("logs").resolve(name + ".log");
      long t0 = System.nanoTime();
      server = RegistryServer.launch(o.launch(), dataDir, key, log);
      started.add(server.process());
      RegistryServer.Start s = server.awaitUp(log, o.startTimeout(), t0);
      if (first == null) {
        first = s;
      }
      if (s.up()) {
        return new Up(
            server,
            tries,
            first.seconds(),
            first.up() ? null : first.failure() + "; log " + first.log());
      }
      say("start %s failed: %s; log tail:%n%s", name, s.failure(), CrashProcesses.tail(log, 3000));
      server.close();
      CrashProcesses.killJvmWithItsChildren(server.process());
    }
    throw new IllegalStateException(
        "restart " + number + " failed " + tries + " times; see " + work("logs"));
  }

  private RegistryServer startOrFail(Path dataDir, String key, String name) throws Exception {
    Path log = work("logs").resolve(name + ".log");
    long t0 = System.nanoTime();
    RegistryServer server = RegistryServer.launch(o.launch(), dataDir, key, log);
    started.add(server.process());
    RegistryServer.Start s = server.awaitUp(log, o.startTimeout(), t0);
    if (!s.up()) {
      throw new IllegalStateException(
          "start "
              + name
              + " failed: "
              + s.failure()
              + "; log:\n"
              + CrashProcesses.tail(log, 4000));
    }
    say("server %s (pid %d) up in %.1f s", name, server.pid(), s.seconds());
    return server;
  }

  /** Posts every chunk again; the summed report counters. */
  private Map<String, Long> postAll(RegistryServer server, List<Chunk> chunks) throws Exception {
    Map<String, Long> sums = new LinkedHashMap<>();
    for (String k :
        List.of(
            "received",
            "curated",
            "unchanged",
            "rejected",
            "unmapped",
            "skipped",
            "retracted",
            "ignored")) {
      sums.put(k, 0L);
    }
    long t0 = System.nanoTime();
    for (Chunk c : chunks) {
      JsonNode report = json.readTree(server.post(c));
      for (JsonNode p : report.path("parameter")) {
        String name = p.path("name").asText();
        if (sums.containsKey(name)) {
          sums.merge(name, p.path("valueInteger").asLong(), Long::sum);
        }
      }
    }
    say("re-post of everything in %.1f s: %s", (System.nanoTime() - t0) / 1e9, sums);
    return sums;
  }

  /** How the start after a kill found things, from the event lines of both logs. */
  private static String recovery(Path killedLog, Path restartLog) {
    List<String> seen = new ArrayList<>();
    String killed = CrashProcesses.read(killedLog);
    String restart = CrashProcesses.read(restartLog);
    if (killed.contains("event=embedded_postgres_watchdog_stop")) {
      seen.add("watchdog stopped the postmaster");
    }
    for (String event :
        List.of(
            "embedded_postgres_orphan_stopped",
            "embedded_postgres_stale_pidfile_removed",
            "embedded_postgres_orphan_backends")) {
      int at = restart.indexOf("event=" + event);
      if (at >= 0) {
        int end = restart.indexOf('\n', at);
        seen.add(
            restart
                .substring(at, end < 0 ? restart.length() : end)
                .replaceAll(" dataDir=\\S+", ""));
      }
    }
    if (restart.contains("automatic recovery in progress")) {
      seen.add("PostgreSQL replayed its WAL");
    }
    return seen.isEmpty() ? "clean start" : String.join("; ", seen);
  }

  private Path work(String sub) throws IOException {
    return Files.createDirectories(o.workDir().resolve(sub));
  }

  private static Path fresh(Path dir) throws IOException {
    CrashProcesses.deleteRecursively(dir);
    return Files.createDirectories(dir);
  }

  /** The same key for both runs, so both mint the same pseudonyms. */
  private static String pseudonymKey(long seed) {
    byte[] key = new byte[32];
    new SplittableRandom(seed).nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }

  static void say(String format, Object... args) {
    System.out.println("crash-drill: " + String.format(Locale.ROOT, format, args));
  }
}
