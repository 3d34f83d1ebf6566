package org.shockreg.ingest.pull;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.shockreg.ingest.pull.BulkManifest.FileRef;
import org.shockreg.ingest.pull.FhirBulkPuller.BulkFailure;
import org.shockreg.ingest.pull.FhirBulkPuller.Polling;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP side of one Bulk Data job (kick-off, status polling, file download, delete). */
class BulkJobClient {

  private static final Logger log = LoggerFactory.getLogger(BulkJobClient.class);

  private final String sourceId;
  private final String base;
  private final FhirPageClient client;
  private final PullStore store;
  private final ObjectMapper json;
  private final Path workDir;
  private final Polling polling;
  private final Clock clock;

  BulkJobClient(
      String sourceId,
      String base,
      FhirPageClient client,
      PullStore store,
      ObjectMapper json,
      Path workDir,
      Polling polling,
      Clock clock) {
    this.sourceId = sourceId;
    this.base = base;
    this.client = client;
    this.store = store;
    this.json = json;
    this.workDir = workDir;
    this.polling = polling;
    this.clock = clock;
  }

  PullStore.BulkJob kickOff(String url, Instant since) throws IOException, InterruptedException {
    HttpResponse<String> res =
        client.send(
            "GET",
            url,
            Map.of("Accept", "application/fhir+json", "Prefer", "respond-async"),
            true,
            HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() != 202) {
      throw new BulkFailure(
          "kick-off "
              + LoggedUrl.of(url)
              + " answered HTTP "
              + res.statusCode()
              + brief(res.body()));
    }
    String location = res.headers().firstValue("Content-Location").orElse(null);
    if (location == null || location.isBlank()) {
      throw new BulkFailure(
          "kick-off " + LoggedUrl.of(url) + " answered 202 without Content-Location");
    }
    String status = URI.create(url).resolve(location.trim()).toString();
    requireSameOrigin(status, "status URL");
    store.saveBulkJob(sourceId, status, url, since);
    log.info(
        "event=bulk_kicked_off source={} since={} status={}",
        sourceId,
        since,
        LoggedUrl.of(status));
    return store.bulkJob(sourceId).orElseThrow();
  }

  /** Polls until the manifest; null when the server no longer knows the job. */
  BulkManifest poll(PullStore.BulkJob job) throws IOException, InterruptedException {
    Instant giveUp = clock.instant().plus(polling.total());
    Duration next = polling.initial();
    while (true) {
      HttpResponse<String> res =
          client.send(
              "GET",
              job.statusUrl(),
              Map.of("Accept", "application/json"),
              true,
              HttpResponse.BodyHandlers.ofString());
      int status = res.statusCode();
      if (status == 200) {
        return BulkManifest.parse(json, res.body());
      }
      if (status == 404 || status == 410) {
        return null;
      }
      if (status != 202) {
        // The job failed (an OperationOutcome): it is over, the next run kicks off again.
        store.deleteBulkJob(sourceId);
        throw new BulkFailure(
            "export job failed: HTTP "
                + status
                + " from "
                + LoggedUrl.of(job.statusUrl())
                + brief(res.body()));
      }
      if (clock.instant().isAfter(giveUp)) {
        throw new BulkFailure(
            "export job still running after " + polling.total() + "; polling again next run");
      }
      Duration wait = FhirPageClient.retryAfter(res).orElse(next);
      if (wait.compareTo(polling.max()) > 0) {
        wait = polling.max();
      }
      next =
          next.multipliedBy(2).compareTo(polling.max()) > 0 ? polling.max() : next.multipliedBy(2);
      log.debug(
          "event=bulk_in_progress source={} progress=\"{}\" waitMs={}",
          sourceId,
          res.headers().firstValue("X-Progress").orElse(""),
          wait.toMillis());
      client.sleeper().sleep(wait);
    }
  }

  Path download(FileRef f, boolean withToken, List<Path> files)
      throws IOException, InterruptedException {
    if (withToken) {
      requireSameOrigin(f.url(), "file URL"); // the token goes only to the source itself
    }
    Path file =
        Files.createTempFile(workDir, (f.type() == null ? "file" : f.type()) + "-", ".ndjson");
    files.add(file);
    HttpResponse<Path> res =
        client.send(
            "GET",
            f.url(),
            Map.of("Accept", FhirBulkPuller.NDJSON),
            withToken,
            HttpResponse.BodyHandlers.ofFile(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING));
    if (res.statusCode() != 200) {
      throw new BulkFailure(
          "download "
              + LoggedUrl.of(f.url())
              + " answered HTTP "
              + res.statusCode()
              + "; the job is polled again next run");
    }
    return file;
  }

  void delete(String statusUrl) throws InterruptedException {
    try {
      HttpResponse<String> res =
          client.send("DELETE", statusUrl, Map.of(), true, HttpResponse.BodyHandlers.ofString());
      log.info(
          "event=bulk_job_deleted source={} status={} http={}",
          sourceId,
          LoggedUrl.of(statusUrl),
          res.statusCode());
    } catch (FhirPageClient.TransientFailure e) {
      log.warn(
          "event=bulk_job_delete_failed source={} status={} error=\"{}\"",
          sourceId,
          LoggedUrl.of(statusUrl),
          e.getMessage());
    }
  }

  private void requireSameOrigin(String url, String what) throws BulkFailure {
    URI b = URI.create(base);
    URI u = URI.create(url);
    if (!(Objects.equals(b.getHost(), u.getHost())
        && b.getPort() == u.getPort()
        && b.getScheme().equalsIgnoreCase(u.getScheme()))) {
      throw new BulkFailure(
          "the "
              + what
              + " "
              + LoggedUrl.of(url)
              + " leaves the source; not followed with our credentials");
    }
  }

  static long countLines(Path file) throws IOException {
    long n = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.isBlank()) {
          n++;
        }
      }
    }
    return n;
  }

  private static String brief(String s) {
    return s == null || s.isBlank() ? "" : ": " + (s.length() > 300 ? s.substring(0, 300) : s);
  }
}
