package org.shockreg.benchmarks.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One bulk export as a Bulk Data Access IG 2.0 client does it: kick-off with {@code Prefer:
 * respond-async} (202 + {@code Content-Location}), status polls honouring {@code Retry-After} but
 * never sleeping longer than the poll cap (202 while running, 200 + JSON manifest when done), then
 * every {@code output[].url} downloaded with the same bearer token and its NDJSON lines counted.
 */
final class BulkExportRun {

  /** What one export did; {@code error} set when it could not run. */
  record Result(
      String label,
      String error,
      long resources,
      Map<String, Long> perType,
      int files,
      long bytes,
      double secondsToManifest,
      double secondsWithDownload,
      int polls,
      double serverCpuSeconds,
      double databaseCpuSeconds) {

    /** CPU microseconds per resource, kick-off to manifest: server JVM, PostgreSQL. */
    double serverCpuMicros() {
      return serverCpuSeconds * 1e6 / resources;
    }

    double databaseCpuMicros() {
      return databaseCpuSeconds * 1e6 / resources;
    }

    /** The rate both processes' CPU time allows on 2 otherwise idle cores. */
    double projectedTwoIdleCores() {
      return 2e6 / (serverCpuMicros() + databaseCpuMicros());
    }

    double rateToManifest() {
      return resources / secondsToManifest;
    }

    double rateWithDownload() {
      return resources / secondsWithDownload;
    }

    String summary() {
      if (error != null) {
        return label + ": " + error;
      }
      return String.format(
          Locale.ROOT,
          "%s: %,d resources %s in %d files (%.0f MB): %.1f s to the manifest (%,.0f resources/s, %d polls),"
              + " %.1f s with download (%,.0f resources/s); CPU per resource: server %.1f us, PostgreSQL %.1f us"
              + " (%,.0f resources/s on 2 idle cores)",
          label,
          resources,
          perType,
          files,
          bytes / 1e6,
          secondsToManifest,
          rateToManifest(),
          polls,
          secondsWithDownload,
          rateWithDownload(),
          serverCpuMicros(),
          databaseCpuMicros(),
          projectedTwoIdleCores());
    }
  }

  private static final long MIN_POLL_MILLIS = 100;

  private final HttpClient client;
  private final String fhirBase;
  private final String token;
  private final long pollCapMillis;
  private final long timeoutSeconds;
  private final ObjectMapper json = new ObjectMapper();
  private final CpuClock cpu;

  BulkExportRun(
      HttpClient client,
      String baseUrl,
      String token,
      long pollCapMillis,
      long timeoutSeconds,
      CpuClock cpu) {
    this.cpu = cpu;
    this.client = client;
    this.fhirBase = baseUrl + "/fhir";
    this.token = token;
    this.pollCapMillis = pollCapMillis;
    this.timeoutSeconds = timeoutSeconds;
  }

  Result run(String label, String query) throws IOException, InterruptedException {
    String kickoffUrl = fhirBase + "/$export" + (query.isEmpty() ? "" : "?" + query);
    CpuClock.Reading cpuBefore = cpu.read();
    long started = System.nanoTime();
    HttpResponse<byte[]> kickoff =
        client.send(
            request(kickoffUrl).header("Prefer", "respond-async").GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (kickoff.statusCode() != 202) {
      return failed(
          label,
          "not available (HTTP "
              + kickoff.statusCode()
              + ": "
              + LoadDriver.snippet(kickoff.body())
              + ")");
    }
    String status = kickoff.headers().firstValue("Content-Location").orElse(null);
    if (status == null) {
      return failed(label, "202 without Content-Location");
    }
    URI statusUri = URI.create(kickoffUrl).resolve(status);
    int polls = 0;
    JsonNode manifest;
    long deadline = started + timeoutSeconds * 1_000_000_000L;
    while (true) {
      HttpResponse<byte[]> r =
          client.send(
              request(statusUri.toString()).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      polls++;
      if (r.statusCode() == 200) {
        manifest = json.readTree(r.body());
        break;
      }
      if (r.statusCode() != 202) {
        return failed(
            label,
            "status poll answered HTTP " + r.statusCode() + ": " + LoadDriver.snippet(r.body()));
      }
      if (System.nanoTime() > deadline) {
        cancel(statusUri);
        return failed(label, "not complete after " + timeoutSeconds + " s");
      }
      // Retry-After up to the cap (so sleeping does not dominate), never a busy loop.
      Thread.sleep(Math.max(MIN_POLL_MILLIS, Math.min(pollCapMillis, retryAfterMillis(r))));
    }
    long manifestAt = System.nanoTime();
    CpuClock.Reading cpuAtManifest = cpu.read();
    Map<String, Long> perType = new LinkedHashMap<>();
    long resources = 0;
    long bytes = 0;
    int files = 0;
    for (JsonNode out : manifest.path("output")) {
      String url = out.path("url").asText();
      HttpResponse<InputStream> file =
          client.send(
              request(URI.create(kickoffUrl).resolve(url).toString())
                  .header("Accept", "application/fhir+ndjson")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      if (file.statusCode() != 200) {
        file.body().close();
        return failed(label, "file download answered HTTP " + file.statusCode() + " for " + url);
      }
      long[] counted = countLines(file.body());
      files++;
      resources += counted[0];
      bytes += counted[1];
      perType.merge(out.path("type").asText("?"), counted[0], Long::sum);
    }
    long done = System.nanoTime();
    // The IG's cleanup: DELETE on the status URL after the files are fetched.
    cancel(statusUri);
    return new Result(
        label,
        null,
        resources,
        perType,
        files,
        bytes,
        (manifestAt - started) / 1e9,
        (done - started) / 1e9,
        polls,
        cpuAtManifest.server() - cpuBefore.server(),
        cpuAtManifest.database() - cpuBefore.database());
  }

  private HttpRequest.Builder request(String url) {
    return HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/fhir+json")
        .timeout(Duration.ofMinutes(10));
  }

  private void cancel(URI statusUri) {
    try {
      client.send(
          request(statusUri.toString()).DELETE().build(), HttpResponse.BodyHandlers.discarding());
    } catch (IOException | InterruptedException ignored) {
      // best effort
    }
  }

  /** Retry-After in seconds (the IG's form); absent or an HTTP date: 1 s. */
  private static long retryAfterMillis(HttpResponse<?> r) {
    String v = r.headers().firstValue("Retry-After").orElse("1").trim();
    try {
      return Math.max(0, Long.parseLong(v)) * 1000;
    } catch (NumberFormatException e) {
      return 1000;
    }
  }

  /** Non-empty lines and bytes of an NDJSON stream. */
  private static long[] countLines(InputStream in) throws IOException {
    long lines = 0;
    long bytes = 0;
    boolean content = false;
    byte[] buf = new byte[1 << 16];
    try (in) {
      int n;
      while ((n = in.read(buf)) > 0) {
        bytes += n;
        for (int i = 0; i < n; i++) {
          byte b = buf[i];
          if (b == '\n') {
            if (content) {
              lines++;
            }
            content = false;
          } else if (b != '\r' && b != ' ') {
            content = true;
          }
        }
      }
    }
    if (content) {
      lines++;
    }
    return new long[] {lines, bytes};
  }

  private static Result failed(String label, String error) {
    return new Result(label, error, 0, Map.of(), 0, 0, 0, 0, 0, 0, 0);
  }
}
