package org.shockreg.server.intake;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.StringType;
import org.shockreg.ingest.pipeline.IntakeLimitException;
import org.shockreg.ingest.pipeline.IntakeLimits;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.ingest.pipeline.SpooledBody;
import org.shockreg.ingest.pipeline.UnknownSourceException;
import org.shockreg.ingest.pipeline.UnparseableBodyException;
import org.shockreg.registry.db.DataDirectoryProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /ingest/{sourceId}}: a FHIR Bundle or NDJSON through the intake pipeline,
 * synchronously; answers after commit with a {@code Parameters} report. The body is streamed into a
 * spool (memory while small, a file under {@code <data-dir>/intake-spool} beyond) and counted as it
 * arrives: over {@code shockreg.limits.max-body-bytes} it is answered 413 and only its start goes
 * to the dead-letter store (docs/intake.md "Limits").
 */
@RestController
public class IntakeController {

  static final MediaType FHIR_JSON = MediaType.parseMediaType("application/fhir+json");

  private static final Logger log = LoggerFactory.getLogger(IntakeController.class);

  private final IntakePipeline pipeline;
  private final FhirContext fhir;
  private final Path spool;

  public IntakeController(IntakePipeline pipeline, FhirContext fhir, DataDirectoryProperties dirs) {
    this.pipeline = pipeline;
    this.fhir = fhir;
    this.spool = dirs.resolve("intake-spool");
    removeLeftovers(spool);
  }

  @PostMapping("/ingest/{sourceId}")
  public ResponseEntity<String> ingest(@PathVariable String sourceId, HttpServletRequest request)
      throws IOException {
    // an unknown source is refused before its body is read
    pipeline.requireSite(sourceId, IntakeRequest.CHANNEL_HTTP);
    IntakeLimits limits = pipeline.limits();
    long max = limits.maxBodyBytes().toBytes();
    int keep = (int) Math.min(limits.deadLetterSampleBytes().toBytes(), max);
    long declared = request.getContentLengthLong();
    InputStream in = request.getInputStream();
    if (declared > max) {
      // refused up front: only the start is read, for the dead-letter store
      byte[] head = in.readNBytes(keep);
      throw pipeline.rejectTooLarge(
          request(sourceId, request, IntakeRequest.Body.of(head)), head, declared, true);
    }
    IntakeReport report;
    try (SpooledBody body = SpooledBody.read(in, max, keep, spool)) {
      report = pipeline.ingest(request(sourceId, request, body));
    } catch (SpooledBody.TooLarge e) {
      throw pipeline.rejectTooLarge(
          request(sourceId, request, IntakeRequest.Body.of(e.head())), e.head(), e.seen(), false);
    }
    org.shockreg.server.audit.AuditContext.ingested(
        request, report.received(), report.curated(), report.rejected());
    return ResponseEntity.ok().contentType(FHIR_JSON).body(encode(toParameters(report)));
  }

  private static IntakeRequest request(
      String sourceId, HttpServletRequest request, IntakeRequest.Body body) {
    return new IntakeRequest(
        sourceId,
        IntakeRequest.CHANNEL_HTTP,
        "POST /ingest/" + sourceId,
        request.getContentType(),
        null,
        body);
  }

  /** Spool files a crash left behind (a clean run deletes each after its request). */
  private static void removeLeftovers(Path spool) {
    if (!Files.isDirectory(spool)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(spool, "intake-*.body")) {
      for (Path f : files) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      log.warn("event=intake_spool_cleanup_failed error={}", e.getClass().getSimpleName());
    }
  }

  static Parameters toParameters(IntakeReport r) {
    Parameters p = new Parameters();
    p.addParameter().setName("received").setValue(new IntegerType(r.received()));
    p.addParameter().setName("curated").setValue(new IntegerType(r.curated()));
    p.addParameter().setName("unchanged").setValue(new IntegerType(r.unchanged()));
    p.addParameter().setName("rejected").setValue(new IntegerType(r.rejected()));
    p.addParameter().setName("unmapped").setValue(new IntegerType(r.unmapped()));
    p.addParameter().setName("skipped").setValue(new IntegerType(r.skipped()));
    p.addParameter().setName("retracted").setValue(new IntegerType(r.retracted()));
    p.addParameter().setName("deleted").setValue(new IntegerType(r.deleted()));
    p.addParameter().setName("ignored").setValue(new IntegerType(r.ignored()));
    for (IntakeReport.Issue i : r.issues()) {
      ParametersParameterComponent issue = p.addParameter().setName("issue");
      if (i.resourceType() != null) {
        issue.addPart().setName("resourceType").setValue(new StringType(i.resourceType()));
      }
      if (i.resourceId() != null) {
        issue.addPart().setName("id").setValue(new StringType(i.resourceId()));
      }
      issue.addPart().setName("index").setValue(new IntegerType(i.index()));
      issue.addPart().setName("code").setValue(new StringType(i.code()));
      issue.addPart().setName("reason").setValue(new StringType(i.reason()));
      issue
          .addPart()
          .setName("deadLetter")
          .setValue(new StringType(Long.toString(i.deadLetterId())));
    }
    // Skipped with a reason of their own (an older version): not errors, so not issues.
    for (IntakeReport.Skip s : r.skips()) {
      ParametersParameterComponent skip = p.addParameter().setName("skip");
      skip.addPart().setName("resourceType").setValue(new StringType(s.resourceType()));
      skip.addPart().setName("id").setValue(new StringType(s.resourceId()));
      skip.addPart().setName("index").setValue(new IntegerType(s.index()));
      skip.addPart().setName("code").setValue(new StringType(s.code()));
      skip.addPart().setName("reason").setValue(new StringType(s.reason()));
    }
    // Taken in, but part of it not done (a merge whose target cannot be resolved): not counted.
    for (IntakeReport.Warning w : r.warnings()) {
      ParametersParameterComponent warning = p.addParameter().setName("warning");
      warning.addPart().setName("resourceType").setValue(new StringType(w.resourceType()));
      warning.addPart().setName("id").setValue(new StringType(w.resourceId()));
      warning.addPart().setName("index").setValue(new IntegerType(w.index()));
      warning.addPart().setName("code").setValue(new StringType(w.code()));
      warning.addPart().setName("reason").setValue(new StringType(w.reason()));
    }
    return p;
  }

  @ExceptionHandler(UnparseableBodyException.class)
  ResponseEntity<String> unparseable(UnparseableBodyException e) {
    return outcome(
        HttpStatus.BAD_REQUEST,
        OperationOutcome.IssueType.STRUCTURE,
        "SR-INTAKE-1: " + e.getMessage() + " (kept as dead letter " + e.deadLetterId() + ")");
  }

  @ExceptionHandler(IntakeLimitException.class)
  ResponseEntity<String> overLimit(IntakeLimitException e) {
    return outcome(
        HttpStatus.PAYLOAD_TOO_LARGE,
        OperationOutcome.IssueType.TOOLONG,
        "SR-INTAKE-3: " + e.getMessage() + " (kept as dead letter " + e.deadLetterId() + ")");
  }

  @ExceptionHandler(UnknownSourceException.class)
  ResponseEntity<String> unknownSource(UnknownSourceException e) {
    return outcome(
        HttpStatus.BAD_REQUEST,
        OperationOutcome.IssueType.NOTFOUND,
        "SR-INTAKE-2: " + e.getMessage());
  }

  private ResponseEntity<String> outcome(
      HttpStatus status, OperationOutcome.IssueType type, String message) {
    OperationOutcome oo = new OperationOutcome();
    oo.addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(type)
        .setDiagnostics(message);
    return ResponseEntity.status(status).contentType(FHIR_JSON).body(encode(oo));
  }

  private String encode(org.hl7.fhir.r4.model.Resource r) {
    return fhir.newJsonParser().encodeResourceToString(r);
  }
}
