package org.shockreg.benchmarks;

import ca.uhn.fhir.context.FhirContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.shockreg.benchmarks.IngestInputs.Body;
import org.shockreg.benchmarks.mllp.MllpBenchmark;

/**
 * Intake end to end over HTTP: the seeded cohort of the ingest benchmark as NDJSON bodies, posted
 * to {@code POST /ingest/{site}} of the packaged server on its embedded PostgreSQL (everything on:
 * rules, derivations, screening, audit), first by one client, then a second cohort by {@code
 * bench.clients} clients at once. resources/s = resources received / wall seconds from the first
 * request to the last answer. Appends a row to RESULTS.md (issue 15: >= 15,000/s).
 */
public final class HttpIngestBenchmark {

  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  public static void main(String[] args) throws Exception {
    int resources = Integer.getInteger("bench.resources", 100_000);
    int bodyResources = Integer.getInteger("bench.bodyResources", 5_000);
    int clients = Integer.getInteger("bench.clients", 4);
    long seed = Long.getLong("bench.seed", 20261125L);
    Path jar = Path.of(System.getProperty("bench.serverJar", "../fhir-server/target/shockreg.jar"));
    Path data =
        Path.of(System.getProperty("bench.httpDir", "target/bench-http"))
            .resolve("app-" + System.currentTimeMillis())
            .toAbsolutePath();
    Path results = Path.of(System.getProperty("bench.results", "RESULTS.md"));

    FhirContext fhir = FhirContext.forR4Cached();
    List<Body> warmup = IngestInputs.generate(fhir, seed + 1, -300, 0, "warmup-");
    List<Body> one = IngestInputs.generate(fhir, seed, resources, bodyResources, "one-");
    List<Body> many = IngestInputs.generate(fhir, seed + 2, resources, bodyResources, "many-");
    int httpPort = MllpBenchmark.freePort();
    Process server =
        MllpBenchmark.start(
            jar,
            data,
            MllpBenchmark.freePort(),
            httpPort,
            System.getProperty("bench.serverHeap", "1g"));
    try {
      String base = "http://localhost:" + httpPort;
      String token = Files.readString(data.resolve("admin-token")).trim();
      HttpClient http = HttpClient.newHttpClient();
      post(http, base, token, warmup, 1);
      Pass single = post(http, base, token, one, 1);
      Pass parallel = post(http, base, token, many, clients);
      System.out.printf("bench: http ingest 1 client %s%n", single);
      System.out.printf("bench: http ingest %d clients %s%n", clients, parallel);
      String when = WHEN.format(Instant.now());
      Files.writeString(
          results,
          single.row(when, 1, bodyResources) + parallel.row(when, clients, bodyResources),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } finally {
      server.destroy();
      if (!server.waitFor(40, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  record Pass(int resources, int bodies, double seconds) {
    double perSecond() {
      return resources / seconds;
    }

    String row(String when, int clients, int bodyResources) {
      return String.format(
          "| %s | HTTP NDJSON | %d | %d | %d | **%,.0f** | %.2f |%n",
          when, resources, bodyResources, clients, perSecond(), seconds);
    }

    @Override
    public String toString() {
      return String.format(
          "resources=%d bodies=%d seconds=%.2f perSecond=%.0f",
          resources, bodies, seconds, perSecond());
    }
  }

  /** Posts every body, {@code clients} at a time; any answer but 200 stops the run. */
  private static Pass post(
      HttpClient http, String base, String token, List<Body> bodies, int clients) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long t0 = System.nanoTime();
    try {
      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      for (Body b : bodies) {
        HttpRequest request =
            HttpRequest.newBuilder(URI.create(base + "/ingest/" + b.siteId()))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/fhir+ndjson")
                .POST(HttpRequest.BodyPublishers.ofByteArray(b.ndjson()))
                .build();
        answers.add(pool.submit(() -> http.send(request, HttpResponse.BodyHandlers.ofString())));
      }
      for (Future<HttpResponse<String>> f : answers) {
        HttpResponse<String> r = f.get();
        if (r.statusCode() != 200) {
          throw new IllegalStateException("intake answered " + r.statusCode() + ": " + r.body());
        }
      }
    } finally {
      pool.shutdown();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new Pass(bodies.stream().mapToInt(Body::resources).sum(), bodies.size(), seconds);
  }

  private HttpIngestBenchmark() {}
}
