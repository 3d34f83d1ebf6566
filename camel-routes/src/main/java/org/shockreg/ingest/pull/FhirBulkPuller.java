package org.shockreg.ingest.pull;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.ingest.pull.BulkManifest.FileRef;
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

  private final String sourceId;
  private final PullSource source;
  private final String base;
  private final PullStore store;
  private final IntakePipeline pipeline;
  private final RegistryWriter writer;
  private final Path workDir;
  private final BulkJobClient jobs;

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
    this.store = store;
    this.pipeline = pipeline;
    this.writer = writer;
    this.workDir = workDir;
    this.jobs = new BulkJobClient(sourceId, base, client, store, json, workDir, polling, clock);
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
      Instant since = since();
      job = jobs.kickOff(kickoffUrl(since), since);
    }
    BulkManifest manifest = jobs.poll(job);
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
        Path file = jobs.download(f, manifest.requiresAccessToken(), files);
        long n = BulkJobClient.countLines(file);
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
        Path file = jobs.download(f, manifest.requiresAccessToken(), files);
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
      jobs.delete(job.statusUrl());
    } finally {
      for (Path f : files) {
        Files.deleteIfExists(f);
      }
    }
  }

  private static String enc(String v) {
    return URLEncoder.encode(v, StandardCharsets.UTF_8);
  }
}
