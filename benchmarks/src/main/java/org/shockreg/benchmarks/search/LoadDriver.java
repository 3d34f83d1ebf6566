package org.shockreg.benchmarks.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.shockreg.benchmarks.search.SearchSet.Kind;

/**
 * Sends the search set over real HTTP (one keep-alive {@link HttpClient}, HTTP/1.1) and records
 * each request's latency (request sent to body fully read) per query kind. Requests are dealt
 * round-robin over the kinds in a seeded shuffled order, so every kind gets the same share.
 */
final class LoadDriver {

  /** One measured phase: per kind latencies and status codes. */
  static final class Phase {
    final String name;
    final int clients;
    final Map<String, KindStats> kinds = new LinkedHashMap<>();
    long wallNanos;

    Phase(String name, int clients, List<Kind> all) {
      this.name = name;
      this.clients = clients;
      for (Kind k : all) {
        kinds.put(k.name(), new KindStats());
      }
    }

    int requests() {
      return kinds.values().stream().mapToInt(KindStats::requests).sum();
    }

    double throughput() {
      return requests() / (wallNanos / 1e9);
    }

    /** Latencies of every successful request, all kinds. */
    long[] allOk() {
      return kinds.values().stream()
          .flatMapToLong(k -> Arrays.stream(k.okNanos()))
          .sorted()
          .toArray();
    }
  }

  /** Latencies and statuses of one kind in one phase. */
  static final class KindStats {
    private final List<Long> ok = new ArrayList<>();
    final TreeMap<Integer, Integer> errors = new TreeMap<>(); // status (0 = I/O failure) -> count
    String firstError;

    synchronized void record(int status, long nanos, String error) {
      if (status == 200) {
        ok.add(nanos);
      } else {
        errors.merge(status, 1, Integer::sum);
        if (firstError == null) {
          firstError = error;
        }
      }
    }

    synchronized long[] okNanos() {
      return ok.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    synchronized int requests() {
      return ok.size() + errors.values().stream().mapToInt(Integer::intValue).sum();
    }

    synchronized int errorCount() {
      return errors.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  private final HttpClient client;
  private final String fhirBase;
  private final String token;
  private final List<Kind> kinds;
  private final ObjectMapper json = new ObjectMapper();

  LoadDriver(String baseUrl, String token, List<Kind> kinds, int clients) {
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .executor(Executors.newFixedThreadPool(Math.max(2, clients)))
            .build();
    this.fhirBase = baseUrl + "/fhir/";
    this.token = token;
    this.kinds = kinds;
  }

  private LoadDriver(LoadDriver base, List<Kind> kinds) {
    this.client = base.client;
    this.fhirBase = base.fhirBase;
    this.token = base.token;
    this.kinds = kinds;
  }

  /** The same client, server and token, other query kinds. */
  LoadDriver forKinds(List<Kind> kinds) {
    return new LoadDriver(this, kinds);
  }

  HttpClient client() {
    return client;
  }

  /**
   * {@code requests} requests from {@code clients} concurrent clients, values drawn from {@code
   * seed}.
   */
  Phase run(String name, int requests, int clients, long seed) throws Exception {
    Phase phase = new Phase(name, clients, kinds);
    // Kind order: each block of kinds.size() requests holds every kind once, shuffled.
    SplittableRandom order = new SplittableRandom(seed);
    int[] plan = new int[requests];
    int[] block = new int[kinds.size()];
    for (int i = 0; i < block.length; i++) {
      block[i] = i;
    }
    for (int start = 0; start < requests; start += block.length) {
      for (int i = block.length - 1; i > 0; i--) {
        int j = order.nextInt(i + 1);
        int t = block[i];
        block[i] = block[j];
        block[j] = t;
      }
      System.arraycopy(block, 0, plan, start, Math.min(block.length, requests - start));
    }
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long started = System.nanoTime();
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        SplittableRandom values = new SplittableRandom(seed * 31 + c);
        running.add(
            pool.submit(
                () -> {
                  int i;
                  while ((i = next.getAndIncrement()) < requests) {
                    Kind k = kinds.get(plan[i]);
                    one(k, values, phase.kinds.get(k.name()), 0);
                  }
                  return null;
                }));
      }
      for (Future<?> f : running) {
        f.get();
      }
    } finally {
      phase.wallNanos = System.nanoTime() - started;
      pool.shutdownNow();
    }
    return phase;
  }

  private void one(Kind k, SplittableRandom values, KindStats stats, int attempt) {
    String url = fhirBase + k.query().apply(values);
    try {
      if (k.followNext()) {
        // The search that yields the link is set-up, not measured.
        HttpResponse<byte[]> first = get(url);
        if (first.statusCode() != 200) {
          stats.record(first.statusCode(), 0, url + " -> " + snippet(first.body()));
          return;
        }
        String nextUrl = nextLink(first.body());
        if (nextUrl == null) {
          if (attempt < 5) {
            // a patient with too few Observations for a second page: draw another one
            one(k, values, stats, attempt + 1);
          } else {
            stats.record(-1, 0, url + " -> no next link in 6 searches");
          }
          return;
        }
        url = nextUrl;
      }
      long t0 = System.nanoTime();
      HttpResponse<byte[]> r = get(url);
      long nanos = System.nanoTime() - t0;
      if (r.statusCode() == 200
          && k.sortedByDateDescending()
          && !sortedByDateDescending(r.body())) {
        // A server that ignores _sort answers 200 with row order: that is not what was asked.
        stats.record(-2, nanos, url + " -> 200 but not sorted by date descending (_sort ignored)");
        return;
      }
      stats.record(
          r.statusCode(), nanos, r.statusCode() == 200 ? null : url + " -> " + snippet(r.body()));
    } catch (IOException e) {
      stats.record(0, 0, url + " -> " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stats.record(0, 0, url + " -> interrupted");
    }
  }

  HttpResponse<byte[]> get(String url) throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + token)
            .header("Accept", "application/fhir+json")
            .timeout(Duration.ofSeconds(120))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Whether the bundle's Observations come latest effective time first. */
  private boolean sortedByDateDescending(byte[] body) throws IOException {
    java.time.Instant previous = null;
    for (JsonNode e : json.readTree(body).path("entry")) {
      JsonNode res = e.path("resource");
      if (!"Observation".equals(res.path("resourceType").asText())) {
        continue;
      }
      String t = res.path("effectiveDateTime").asText(null);
      if (t == null) {
        t = res.path("effectivePeriod").path("start").asText(null);
      }
      java.time.Instant at = instant(t);
      if (at == null) {
        continue;
      }
      if (previous != null && previous.isBefore(at)) {
        return false;
      }
      previous = at;
    }
    return true;
  }

  /** A FHIR dateTime with a time and offset as an instant; anything else (a bare date): null. */
  private static java.time.Instant instant(String t) {
    if (t == null) {
      return null;
    }
    try {
      return java.time.OffsetDateTime.parse(t).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  private String nextLink(byte[] body) throws IOException {
    JsonNode bundle = json.readTree(body);
    for (JsonNode link : bundle.path("link")) {
      if ("next".equals(link.path("relation").asText())) {
        return link.path("url").asText(null);
      }
    }
    return null;
  }

  /** The first words of an error body (an OperationOutcome's diagnostics when there is one). */
  static String snippet(byte[] body) {
    String s = new String(body, java.nio.charset.StandardCharsets.UTF_8);
    int d = s.indexOf("\"diagnostics\"");
    if (d >= 0) {
      s = s.substring(d);
    }
    s = s.replaceAll("\\s+", " ");
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  static double percentileMillis(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    // nearest rank
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
  }
}
