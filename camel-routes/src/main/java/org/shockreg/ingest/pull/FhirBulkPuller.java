package org.shockreg.ingest.pull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.ingest.pull.PullSourcesProperties.PullSource;
import org.shockreg.registry.intake.DeadLetter;
import org.shockreg.registry.store.RegistryWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of one {@code fhir-bulk} source (FHIR Bulk Data Access IG 2.0, client side): kick-off
 * ({@code $export}, system level or {@code Group/<id>}), status polling honouring {@code
 * Retry-After}, NDJSON downloads streamed to {@code <work-dir>} and taken in through intake from
 * the file, error files dead-lettered, then the watermark of every exported type set to the
 * manifest's {@code transactionTime}, the job deleted at the server and the files removed.
 *
 * <p>The job's status URL is recorded in {@code bulk_job} right after the kick-off and removed only
 * when the job is done: a run that stops (failure, restart) resumes polling that job next time.
 */
public class FhirBulkPuller {

  private static final Logger log = LoggerFactory.getLogger(FhirBulkPuller.class);
  static final String NDJSON = "application/fhir+ndjson";

  /**
   * Polling: without {@code Retry-After} wait {@code initial}, doubling up to {@code max}; give up
   * after {@code total}.
   */
  public record Polling(Duration initial, Duration max, Duration total) {
    public static final Polling DEFAULT =
        new Polling(Duration.ofSeconds(2), Duration.ofMinutes(2), Duration.ofHours(12));
  }

  /** The job failed or the server answered something a bulk client cannot go on with. */
  public static class BulkFailure extends IOException {
    public BulkFailure(String message) {
      super(message);
    }
  }

  /** One entry of a manifest's {@code output} or {@code error}. */
  record FileRef(String type, String url, Long count) {}

  /** The completed job's manifest. */
  record Manifest(
      Instant transactionTime,
      boolean requiresAccessToken,
      List<FileRef> output,
      List<FileRef> error) {}

  private final String sourceId;
  private final PullSource source;
  private final String base;
  private final FhirPageClient client;
  private final PullStore store;
  private final IntakePipeline pipeline;
  private final RegistryWriter writer;
  private final ObjectMapper json;
  private final Path workDir;
  private final Polling polling;
  private final Clock clock;

  public FhirBulkPuller(
      String sourceId,
      PullSource source,
      FhirPageClient client,
      PullStore store,
      IntakePipeline pipeline,
      RegistryWriter writer,
      ObjectMapper json,
      Path workDir,
      Polling polling,
      Clock clock) {
    this.sourceId = sourceId;
    this.source = source;
    this.base = source.baseUrl().replaceAll("/+$", "");
    this.client = client;
    this.store = store;
    this.pipeline = pipeline;
    this.writer = writer;
    this.json = json;
    this.workDir = workDir;
    this.polling = polling;
    this.clock = clock;
  }

  /** The kick-off URL: {@code _since} is the oldest watermark of the types, else {@code since}. */
  String kickoffUrl(Instant since) {
    StringBuilder url = new StringBuilder(base);
    if ("group".equals(source.level())) {
      url.append("/Group/").append(enc(source.group()));
    } else if ("patient".equals(source.level())) {
      url.append("/Patient");
    }
    url.append("/$export?_type=")
        .append(enc(String.join(",", source.types())))
        .append("&_outputFormat=")
        .append(enc(NDJSON));
    if (!source.typeFilters().isEmpty()) {
      url.append("&_typeFilter=").append(enc(String.join(",", source.typeFilters())));
    }
    if (since != null) {
      url.append("&_since=").append(enc(FhirRestPuller.format(since)));
    }
    return url.toString();
  }

  /**
   * The lower bound of the next export: the oldest watermark of the configured types, else {@code
   * since}.
   */
  Instant since() {
    Map<String, Instant> wm = store.watermarks(sourceId);
    Instant oldest = null;
    for (String t : source.types()) {
      Instant w = wm.get(t);
      if (w == null) {
        oldest = null; // a type never exported: from the configured start
        break;
      }
      if (oldest == null || w.isBefore(oldest)) {
        oldest = w;
      }
    }
    if (oldest != null) {
      return oldest;
    }
    return source.since() == null ? null : PullSourcesValidator.parseSince(source.since());
  }

  public void run(FhirRestPuller.Progress p, FhirRestPuller.Listener listener)
      throws IOException, InterruptedException {
    PullStore.BulkJob job = store.bulkJob(sourceId).orElse(null);
    if (job != null) {
      log.info(
          "event=bulk_job_resumed source={} status={} kickedOffAt={}",
          sourceId,
          LoggedUrl.of(job.statusUrl()),
          job.kickedOffAt());
    } else {
      job = kickOff();
    }
    Manifest manifest = poll(job);
    if (manifest == null) {
      // the server no longer knows the job (expired, restarted): forget it, start anew next run
      store.deleteBulkJob(sourceId);
      throw new BulkFailure(
          "the export job at "
              + LoggedUrl.of(job.statusUrl())
              + " is gone (404/410); a new one is kicked off next run");
    }
    Files.createDirectories(workDir);
    List<Path> files = new ArrayList<>();
    try {
      // in the configured type order (Patients first, so references resolve)
      List<FileRef> outputs = new ArrayList<>(manifest.output());
      outputs.sort(
          java.util.Comparator.comparingInt(
              f -> {
                int i = source.types().indexOf(f.type());
                return i < 0 ? Integer.MAX_VALUE : i;
              }));
      for (FileRef f : outputs) {
        Path file = download(f, manifest.requiresAccessToken(), files);
        long n = countLines(file);
        IntakeReport report =
            pipeline.ingest(
                new IntakeRequest(
                    sourceId,
                    FhirRestPuller.CHANNEL_PULL,
                    LoggedUrl.of(f.url()),
                    NDJSON,
                    null,
                    () -> Files.newInputStream(file)));
        p.pages++;
        p.resources += n;
        if (report.rejected() > 0) {
          p.errors += report.rejected();
          p.lastError =
              report.rejected()
                  + " "
                  + f.type()
                  + " resource(s) rejected by intake (dead-lettered)";
          listener.error(p);
        }
        listener.page(p, n);
        log.info(
            "event=bulk_file_ingested source={} type={} resources={} url={}",
            sourceId,
            f.type(),
            n,
            LoggedUrl.of(f.url()));
      }
      for (FileRef f : manifest.error()) {
        Path file = download(f, manifest.requiresAccessToken(), files);
        long id =
            writer.deadLetter(
                DeadLetter.of(
                    sourceId,
                    FhirRestPuller.CHANNEL_PULL,
                    LoggedUrl.of(f.url()),
                    NDJSON,
                    Files.readAllBytes(file),
                    "bulk-export-error",
                    "the export reported errors for "
                        + (f.type() == null ? "some resources" : f.type())
                        + " (error file)",
                    f.type(),
                    null));
        p.errors++;
        p.partial = true;
        p.lastError = "the export reported errors (dead letter " + id + ")";
        listener.error(p);
        log.warn(
            "event=bulk_error_file source={} deadLetter={} url={}",
            sourceId,
            id,
            LoggedUrl.of(f.url()));
      }
      // Everything is in: the next export starts where this one's snapshot was taken.
      for (String t : source.types()) {
        store.advance(sourceId, t, manifest.transactionTime());
        listener.watermark(t, manifest.transactionTime());
      }
      store.deleteBulkJob(sourceId);
      delete(job.statusUrl());
    } finally {
      for (Path f : files) {
        Files.deleteIfExists(f);
      }
    }
  }

  private PullStore.BulkJob kickOff() throws IOException, InterruptedException {
    Instant since = since();
    String url = kickoffUrl(since);
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
  Manifest poll(PullStore.BulkJob job) throws IOException, InterruptedException {
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
        return manifest(res.body());
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

  Manifest manifest(String body) throws BulkFailure {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (IOException e) {
      throw new BulkFailure("the export manifest is not JSON: " + e.getMessage());
    }
    Instant tt;
    try {
      tt = OffsetDateTime.parse(root.path("transactionTime").asText("")).toInstant();
    } catch (DateTimeParseException e) {
      throw new BulkFailure("the export manifest has no valid transactionTime");
    }
    return new Manifest(
        tt,
        root.path("requiresAccessToken").asBoolean(false),
        files(root.path("output")),
        files(root.path("error")));
  }

  private static List<FileRef> files(JsonNode array) {
    List<FileRef> out = new ArrayList<>();
    for (JsonNode f : array) {
      String url = f.path("url").asText(null);
      if (url != null && !url.isBlank()) {
        out.add(
            new FileRef(
                f.path("type").asText(null),
                url,
                f.has("count") ? f.path("count").asLong() : null));
      }
    }
    return out;
  }

  private Path download(FileRef f, boolean withToken, List<Path> files)
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
            Map.of("Accept", NDJSON),
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

  private void delete(String statusUrl) throws InterruptedException {
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

  private static String enc(String v) {
    return URLEncoder.encode(v, StandardCharsets.UTF_8);
  }

  private static String brief(String s) {
    return s == null || s.isBlank() ? "" : ": " + (s.length() > 300 ? s.substring(0, 300) : s);
  }
}
