package org.shockreg.benchmarks.coldstart;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Cold start: the server jar started N times on one prepared data directory (embedded PostgreSQL
 * initialised and migrated by an unmeasured first start, no demo), time from process start to
 * {@code GET /actuator/health} answering UP. Builds nothing and needs only a JDK, so it runs as a
 * single source file from the repository root:
 *
 * <pre>
 *   java benchmarks/src/main/java/org/shockreg/benchmarks/coldstart/ColdStartBenchmark.java \
 *       [--runs 5] [--jar fhir-server/target/shockreg.jar] [--dir benchmarks/target/bench-coldstart]
 *       [--note "quiet machine"] [--results benchmarks/RESULTS.md] [--java-opts "-XX:..."]
 * </pre>
 *
 * Besides the wall time it reports the JVM's CPU time (user + system, all threads) at UP, which a
 * busy shared machine disturbs less than the wall time.
 */
public final class ColdStartBenchmark {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(300);
  private static final long CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

  public static void main(String[] argv) throws Exception {
    Map<String, String> opts = options(argv);
    int runs = Integer.parseInt(opts.getOrDefault("runs", "5"));
    Path jar =
        Path.of(opts.getOrDefault("jar", "fhir-server/target/shockreg.jar")).toAbsolutePath();
    Path dir =
        Path.of(opts.getOrDefault("dir", "benchmarks/target/bench-coldstart")).toAbsolutePath();
    String note = opts.getOrDefault("note", "");
    String results = opts.getOrDefault("results", "benchmarks/RESULTS.md");
    List<String> javaOpts =
        opts.containsKey("java-opts")
            ? Arrays.asList(opts.get("java-opts").trim().split("\\s+"))
            : List.of();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "no server jar at " + jar + " (./mvnw -B -DskipTests package)");
    }
    Files.createDirectories(dir);
    String loadBefore = loadAverage();
    if (!Files.exists(dir.resolve("data/pg/PG_VERSION"))) {
      Start prepare = start(jar, dir, javaOpts, "prepare");
      System.out.printf(
          "prepared data dir %s in %d ms (initdb + schema; not counted)%n",
          dir, prepare.wallMillis);
    }
    List<Start> starts = new ArrayList<>();
    for (int i = 1; i <= runs; i++) {
      Start s = start(jar, dir, javaOpts, "run-" + i);
      starts.add(s);
      System.out.printf(
          "run %d: time to UP %d ms, JVM CPU %d ms, load %s%n",
          i, s.wallMillis, s.cpuMillis, loadAverage());
    }
    String loadAfter = loadAverage();
    String section = section(jar, runs, note, loadBefore, loadAfter, javaOpts, starts);
    System.out.print(section);
    if (!results.isEmpty()) {
      Files.writeString(
          Path.of(results), section, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }

  private record Start(long wallMillis, long cpuMillis) {}

  /** One start to UP, then SIGTERM and wait: the server stops its PostgreSQL on the way out. */
  private static Start start(Path jar, Path dir, List<String> javaOpts, String name)
      throws IOException, InterruptedException {
    int port = freePort();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(javaOpts);
    cmd.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "--shockreg.data-dir=" + dir.resolve("data"),
            "--server.port=" + port,
            "--shockreg.mllp.port=-1"));
    Path log = dir.resolve(name + ".log");
    long t0 = System.nanoTime();
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
      HttpRequest health =
          HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health"))
              .timeout(Duration.ofSeconds(5))
              .build();
      while (true) {
        if (!p.isAlive()) {
          throw new IllegalStateException("server exited with " + p.exitValue() + ", see " + log);
        }
        if (System.nanoTime() - t0 > START_TIMEOUT.toNanos()) {
          throw new IllegalStateException("not UP after " + START_TIMEOUT + ", see " + log);
        }
        try {
          HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200 && r.body().startsWith("{\"status\":\"UP\"")) {
            long wall = (System.nanoTime() - t0) / 1_000_000;
            return new Start(wall, cpuMillis(p.pid()));
          }
        } catch (IOException notListeningYet) {
          // the port opens late in the start
        }
        TimeUnit.MILLISECONDS.sleep(50);
      }
    } finally {
      p.destroy();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor();
      }
    }
  }

  private static long cpuMillis(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
      return ticks * 1000 / CLOCK_TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static String section(
      Path jar,
      int runs,
      String note,
      String loadBefore,
      String loadAfter,
      List<String> javaOpts,
      List<Start> starts) {
    long[] wall = starts.stream().mapToLong(Start::wallMillis).sorted().toArray();
    long[] cpu = starts.stream().mapToLong(Start::cpuMillis).sorted().toArray();
    String when =
        ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
    StringBuilder b = new StringBuilder();
    b.append("\n### ").append(when).append(" UTC: cold start, ").append(runs).append(" starts");
    if (!note.isEmpty()) {
      b.append(", ").append(note);
    }
    b.append("\n\n");
    b.append("- jar: `")
        .append(jar.getFileName())
        .append("` (")
        .append(jar.toFile().length() / (1024 * 1024))
        .append(" MB), JVM options: ")
        .append(javaOpts.isEmpty() ? "none" : "`" + String.join(" ", javaOpts) + "`")
        .append("\n");
    b.append("- machine: ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, load average ")
        .append(loadBefore)
        .append(" before, ")
        .append(loadAfter)
        .append(" after\n\n");
    b.append("| | median | min | max | all |\n|---|---:|---:|---:|---|\n");
    b.append(row("time to UP (ms)", wall));
    b.append(row("JVM CPU at UP (ms)", cpu));
    return b.toString();
  }

  private static String row(String name, long[] sorted) {
    long median =
        sorted.length % 2 == 1
            ? sorted[sorted.length / 2]
            : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    return String.format(
        "| %s | %d | %d | %d | %s |%n",
        name, median, sorted[0], sorted[sorted.length - 1], Arrays.toString(sorted));
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " / " + f[1] + " / " + f[2];
    } catch (IOException e) {
      return "n/a";
    }
  }

  private static int freePort() throws IOException {
    try (var s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static Map<String, String> options(String[] argv) {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i < argv.length; i++) {
      if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
        throw new IllegalArgumentException("usage: --name value ..., got " + argv[i]);
      }
      opts.put(argv[i].substring(2), argv[++i]);
    }
    return opts;
  }

  private ColdStartBenchmark() {}
}
