package org.shockreg.benchmarks.search;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two instances behind nginx ({@code -Dbench=twoinst}, benchmarks/RESULTS.md): one PostgreSQL
 * ({@link BenchDatabase}), the packaged server twice ({@link ServerProcess}, one pseudonym key, one
 * shared Bulk export directory) and a local nginx on loopback with two listeners: one in front of
 * both instances, one in front of instance A alone. Measured the same way on A directly, on A
 * through nginx and on both through nginx: an NDJSON intake of its own site each, then the same
 * search mix with {@code clients} concurrent clients, in alternating rounds.
 */
public final class TwoInstanceBenchmark {

  private static final Logger log = LoggerFactory.getLogger(TwoInstanceBenchmark.class);
  private static final String ANALYST = "bench-analyst-token-0123456789abcdef";
  private static final String INGEST = "bench-ingest-token-0123456789abcdef";
  private static final String KEY = "c2hvY2tyZWctYmVuY2gtdHdvLWluc3RhbmNlcy1rZXk=";

  private TwoInstanceBenchmark() {}

  record Rate(String target, int requests, double seconds, long[] micros, int failures) {
    double perSecond() {
      return requests / seconds;
    }

    double percentileMs(double p) {
      long[] sorted = micros.clone();
      Arrays.sort(sorted);
      return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1000.0;
    }
  }

  public static void main(String[] args) throws Exception {
    int patients = Integer.getInteger("bench.twoinst.patients", 1500);
    int searches = Integer.getInteger("bench.twoinst.searches", 3000);
    int clients = Integer.getInteger("bench.twoinst.clients", 8);
    int rounds = Integer.getInteger("bench.twoinst.rounds", 3);
    int warmup = Integer.getInteger("bench.twoinst.warmup", 3000);
    String heap = System.getProperty("bench.serverHeap", "768m");
    String nginx = System.getProperty("bench.nginx", "nginx");
    Path jar = Path.of(System.getProperty("bench.serverJar", "../fhir-server/target/shockreg.jar"));
    Path dir = Path.of(System.getProperty("bench.twoinstDir", "target/bench-twoinst"));
    Path results = Path.of(System.getProperty("bench.results", "RESULTS.md"));
    Files.createDirectories(dir);
    String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
    try (BenchDatabase db = BenchDatabase.start(dir.resolve("db"), true);
        ServerProcess a =
            ServerProcess.start(jar, heap, db.jdbcUrl(), dir.resolve("a"), ANALYST, extra(dir));
        ServerProcess b =
            ServerProcess.start(jar, heap, db.jdbcUrl(), dir.resolve("b"), ANALYST, extra(dir));
        LocalNginx proxy =
            LocalNginx.start(nginx, dir.resolve("nginx"), a.baseUrl(), b.baseUrl())) {
      String[][] targets = {
        {"A direct", a.baseUrl()}, {"nginx -> A", proxy.oneUrl()}, {"nginx -> A+B", proxy.bothUrl()}
      };
      // warm both JVMs alike (JIT), directly, then nginx: otherwise B, which serves only the
      // A+B target, would be measured colder than A
      intake(a.baseUrl(), "bench-warm-a", 500, 4);
      intake(b.baseUrl(), "bench-warm-b", 500, 4);
      List<String> rows = new ArrayList<>();
      List<String> ids =
          db.jdbc()
              .queryForList("SELECT patient_id FROM patient ORDER BY patient_id", String.class);
      searches(a.baseUrl(), ids, warmup, clients, 1); // not measured
      searches(b.baseUrl(), ids, warmup, clients, 2);
      for (String[] t : targets) {
        searches(t[1], ids, 300, clients, 3);
      }
      // rounds alternate the targets, so a burst of other load on the machine hits each alike
      for (int round = 1; round <= rounds; round++) {
        for (String[] t : targets) {
          String site = "bench-" + t[0].replaceAll("[^a-zA-Z]", "").toLowerCase() + "-" + round;
          Rate in = intake(t[1], site, patients, 4);
          in = new Rate(t[0], in.requests(), in.seconds(), in.micros(), in.failures());
          // curated, each once: what the two instances wrote is checked, not only the answers
          Integer curated =
              db.jdbc()
                  .queryForObject(
                      "SELECT (SELECT count(*) FROM patient WHERE site_id = ?)"
                          + " + (SELECT count(*) FROM measurement WHERE site_id = ?)",
                      Integer.class,
                      site,
                      site);
          if (curated == null || curated != patients * 5) {
            throw new IllegalStateException(
                "site " + site + ": " + curated + " curated, expected " + patients * 5);
          }
          rows.add(row("intake r" + round, in));
          log.info(
              "event=bench_twoinst_intake target=\"{}\" round={} {}", t[0], round, describe(in));
        }
        for (String[] t : targets) {
          Rate r = searches(t[1], ids, searches, clients, round + 7);
          r = new Rate(t[0], r.requests(), r.seconds(), r.micros(), r.failures());
          rows.add(row("search r" + round, r));
          log.info(
              "event=bench_twoinst_search target=\"{}\" round={} {}", t[0], round, describe(r));
        }
      }
      String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
      append(results, rows, patients, searches, clients, heap, loadBefore, loadAfter);
    }
  }

  private static List<String> extra(Path dir) {
    return List.of(
        "--shockreg.security.tokens[1].token=" + INGEST,
        "--shockreg.security.tokens[1].role=ingest",
        "--shockreg.pseudonym.key=" + KEY,
        "--shockreg.limits.requests-per-minute=0", // the load comes from one token
        "--shockreg.limits.max-body-bytes=200MB",
        "--shockreg.bulk-export.dir=" + dir.toAbsolutePath().resolve("bulk-export"));
  }

  // ---- intake: one site per target, bodies of 500 resources, `posters` at once

  static Rate intake(String base, String site, int patients, int posters) throws Exception {
    List<String> bodies = new ArrayList<>();
    StringBuilder body = new StringBuilder();
    int resources = 0;
    for (int p = 0; p < patients; p++) {
      String id = site + "-p" + p;
      body.append("{\"resourceType\":\"Patient\",\"id\":\"")
          .append(id)
          .append("\",\"gender\":\"female\",\"birthDate\":\"19")
          .append(40 + p % 50)
          .append("-01-01\"}\n");
      for (int o = 0; o < 4; o++) {
        body.append("{\"resourceType\":\"Observation\",\"id\":\"")
            .append(id)
            .append("-hr")
            .append(o)
            .append(
                "\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",")
            .append("\"code\":\"8867-4\"}]},\"subject\":{\"reference\":\"Patient/")
            .append(id)
            .append("\"},\"effectiveDateTime\":\"2025-03-0")
            .append(1 + o)
            .append("T11:00:00Z\",\"valueQuantity\":{\"value\":")
            .append(60 + (p + o) % 80)
            .append(
                ",\"unit\":\"/min\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}}\n");
      }
      resources += 5;
      if (resources % 500 == 0 || p == patients - 1) {
        bodies.add(body.toString());
        body.setLength(0);
      }
    }
    HttpClient http = HttpClient.newHttpClient();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    long[] micros = new long[bodies.size()];
    Rate timed =
        parallel(
            posters,
            () -> {
              for (int i = next.getAndIncrement(); i < bodies.size(); i = next.getAndIncrement()) {
                long t = System.nanoTime();
                HttpResponse<String> r =
                    http.send(
                        HttpRequest.newBuilder(URI.create(base + "/ingest/" + site))
                            .header("Authorization", "Bearer " + INGEST)
                            .header("Content-Type", "application/fhir+ndjson")
                            .timeout(Duration.ofMinutes(5))
                            .POST(HttpRequest.BodyPublishers.ofString(bodies.get(i)))
                            .build(),
                        HttpResponse.BodyHandlers.ofString());
                micros[i] = (System.nanoTime() - t) / 1000;
                if (r.statusCode() != 200) {
                  failures.incrementAndGet();
                  log.warn("event=bench_twoinst_intake_failed status={}", r.statusCode());
                }
              }
            });
    return new Rate(site, patients * 5, timed.seconds(), micros, failures.get());
  }

  // ---- searches: reads, searches by patient and code, a code search of 20

  static Rate searches(String base, List<String> ids, int requests, int clients, long seed)
      throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    AtomicInteger client = new AtomicInteger();
    long[] micros = new long[requests];
    Rate timed =
        parallel(
            clients,
            () -> {
              SplittableRandom random = new SplittableRandom(seed * 31 + client.incrementAndGet());
              for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                String id = ids.get(random.nextInt(ids.size()));
                String path =
                    switch (i % 4) {
                      case 0 -> "/fhir/Patient/" + id;
                      case 1 -> "/fhir/Observation?patient=" + id;
                      case 2 ->
                          "/fhir/Observation?patient=" + id + "&code=http://loinc.org%7C8867-4";
                      default -> "/fhir/Observation?code=http://loinc.org%7C8867-4&_count=20";
                    };
                long t = System.nanoTime();
                HttpResponse<String> r =
                    http.send(
                        HttpRequest.newBuilder(URI.create(base + path))
                            .header("Authorization", "Bearer " + ANALYST)
                            .timeout(Duration.ofSeconds(60))
                            .build(),
                        HttpResponse.BodyHandlers.ofString());
                micros[i] = (System.nanoTime() - t) / 1000;
                if (r.statusCode() != 200) {
                  failures.incrementAndGet();
                }
              }
            });
    return new Rate(base, requests, timed.seconds(), micros, failures.get());
  }

  interface Work {
    void run() throws Exception;
  }

  private static Rate parallel(int threads, Work work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long started = System.nanoTime();
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < threads; c++) {
      done.add(
          pool.submit(
              () -> {
                work.run();
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    return new Rate("", 0, (System.nanoTime() - started) / 1e9, new long[1], 0);
  }

  private static String describe(Rate r) {
    return String.format(
        "requests=%d seconds=%.2f per_second=%.1f p50_ms=%.1f p95_ms=%.1f failures=%d",
        r.requests(),
        r.seconds(),
        r.perSecond(),
        r.percentileMs(0.5),
        r.percentileMs(0.95),
        r.failures());
  }

  private static String row(String what, Rate r) {
    String unit = what.startsWith("intake") ? " resources/s" : " req/s";
    return String.format(
        "| %s | %s | %d | %.1f s | %.0f%s | %.1f | %.1f | %d |",
        what,
        r.target(),
        r.requests(),
        r.seconds(),
        r.perSecond(),
        unit,
        r.percentileMs(0.5),
        r.percentileMs(0.95),
        r.failures());
  }

  private static void append(
      Path results,
      List<String> rows,
      int patients,
      int searches,
      int clients,
      String heap,
      String loadBefore,
      String loadAfter)
      throws IOException {
    StringBuilder s = new StringBuilder();
    s.append("\n### Two instances behind nginx, ")
        .append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
        .append(
            "\n\n```\n./mvnw -B -Pbenchmarks -pl benchmarks -am -DskipTests verify -Dbench=twoinst\n```\n\n")
        .append("`TwoInstanceBenchmark`: one PostgreSQL, the packaged server twice (-Xmx")
        .append(heap)
        .append(", one shared Bulk export dir), nginx on loopback. Intake: ")
        .append(patients)
        .append(
            " patients x (1 Patient + 4 Observations) per target and round (a site of its own), bodies of 500, 4 posters; ")
        .append("searches: ")
        .append(searches)
        .append(" per target and round, ")
        .append(clients)
        .append(" clients (read, Observation by patient, by patient+code, by code _count=20). ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores; /proc/loadavg before: ")
        .append(loadBefore)
        .append(", after: ")
        .append(loadAfter)
        .append(".\n\n")
        .append(
            "| what | target | resources / requests | time | rate | p50 ms | p95 ms | failures |\n")
        .append("|---|---|---|---|---|---|---|---|\n");
    rows.forEach(r -> s.append(r).append('\n'));
    Files.writeString(
        results,
        s.toString(),
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
