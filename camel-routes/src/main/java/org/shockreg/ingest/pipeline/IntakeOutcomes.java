package org.shockreg.ingest.pipeline;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.shockreg.registry.intake.DeadLetter;
import org.shockreg.registry.store.RegistryWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The report stage of intake: writes what a batch or a body did into its {@link IntakeReport},
 * parks rejected resources and bodies in the dead-letter store, and counts outcomes for dashboards.
 */
final class IntakeOutcomes {

  private static final Logger log = LoggerFactory.getLogger(IntakeOutcomes.class);
  private static final String[] OUTCOMES = {
    "received", "curated", "unchanged", "rejected", "unmapped"
  };

  private final RegistryWriter writer;
  private final MeterRegistry meters;

  IntakeOutcomes(RegistryWriter writer, MeterRegistry meters) {
    this.writer = writer;
    this.meters = meters;
  }

  /** The versions not applied, in body order, each with why (older version, Patient delete). */
  void reportSkips(List<Candidate> older, IntakeReport report) {
    for (Candidate c : older) {
      report.skipped++;
      report.skips.add(
          c.skip != null
              ? new IntakeReport.Skip(c.type, c.id, c.entry.index(), c.skip[0], c.skip[1])
              : new IntakeReport.Skip(
                  c.type,
                  c.id,
                  c.entry.index(),
                  "older-version",
                  "this version ("
                      + c.version.describe()
                      + ") is older than the "
                      + c.olderThan
                      + "; kept in the raw store, not curated"));
    }
  }

  /**
   * The report as it reads once the batch's transaction commits, for writes inside it: {@code
   * soFar} (counted) with the skips and rejections added, each issue not parked yet (id 0).
   */
  IntakeReport preview(IntakeReport soFar, List<Candidate> older, List<Rejection> rejections) {
    IntakeReport preview = new IntakeReport();
    preview.add(soFar);
    List<Candidate> sorted = new ArrayList<>(older);
    sorted.sort(Comparator.comparingInt(c -> c.entry.index()));
    reportSkips(sorted, preview);
    for (Rejection r : rejections) {
      preview.rejected++;
      preview.issues.add(issue(r, Reasons.withoutValues(r.reason()), 0));
    }
    return preview;
  }

  private static IntakeReport.Issue issue(Rejection r, String reason, long deadLetterId) {
    return new IntakeReport.Issue(r.type(), r.id(), r.index(), r.code(), reason, deadLetterId);
  }

  /** Each rejected resource or line to the dead-letter store, reported with where it was parked. */
  void deadLetter(IntakeRequest request, List<Rejection> rejections, IntakeReport report) {
    for (Rejection r : rejections) {
      report.rejected++;
      String reason = Reasons.withoutValues(r.reason());
      long id =
          writer.deadLetter(
              DeadLetter.of(
                  request.siteId(),
                  request.channel(),
                  request.origin(),
                  "application/fhir+json",
                  (r.payload() == null ? "" : r.payload()).getBytes(StandardCharsets.UTF_8),
                  r.code(),
                  reason,
                  r.type(),
                  r.id()));
      report.issues.add(issue(r, reason, id));
    }
  }

  /** Per outcome, for dashboards (the console's intake chart samples these). */
  void countOutcomes(String channel, IntakeReport report) {
    meters.counter("shockreg.intake.bodies", "channel", channel).increment();
    int[] counts = {
      report.received(), report.curated(), report.unchanged(), report.rejected(), report.unmapped()
    };
    for (int i = 0; i < OUTCOMES.length; i++) {
      if (counts[i] > 0) {
        meters
            .counter("shockreg.intake.outcomes", "channel", channel, "outcome", OUTCOMES[i])
            .increment(counts[i]);
      }
    }
  }

  /**
   * Rejects a body over a limit before anything of it is taken in: dead-lettered (whole, or when
   * {@code head} is given, only that start of it) and answered as an {@link IntakeLimitException}.
   */
  IntakeLimitException rejectBody(IntakeRequest request, String code, String reason, byte[] head) {
    long id =
        head == null
            ? deadLetterBody(request, code, reason)
            : deadLetter(request, head, code, reason);
    log.warn(
        "event=intake_body_rejected site={} channel={} code={} reason=\"{}\" deadLetter={}",
        request.siteId(),
        request.channel(),
        code,
        reason,
        id);
    meters
        .counter("shockreg.intake.rejected_bodies", "channel", request.channel(), "code", code)
        .increment();
    return new IntakeLimitException(code, reason, id);
  }

  /** A body nothing of which can be read, dead-lettered whole. */
  UnparseableBodyException unparseableBody(IntakeRequest request, String reason) {
    long id = deadLetterBody(request, "unparseable-body", reason);
    log.warn(
        "event=intake_body_rejected site={} channel={} reason=\"{}\" deadLetter={}",
        request.siteId(),
        request.channel(),
        reason,
        id);
    return new UnparseableBodyException(reason, id);
  }

  private long deadLetterBody(IntakeRequest request, String code, String reason) {
    byte[] payload;
    try (InputStream in = request.body().open()) {
      // bodies are at most shockreg.limits.max-body-bytes: an unreadable one is kept whole
      payload = in.readAllBytes();
    } catch (IOException e) {
      payload =
          ("(body could not be re-read: " + e.getMessage() + ")").getBytes(StandardCharsets.UTF_8);
    }
    return deadLetter(request, payload, code, reason);
  }

  private long deadLetter(IntakeRequest request, byte[] payload, String code, String reason) {
    return writer.deadLetter(
        DeadLetter.of(
            request.siteId(),
            request.channel(),
            request.origin(),
            request.contentType(),
            payload,
            code,
            reason,
            null,
            null));
  }
}
