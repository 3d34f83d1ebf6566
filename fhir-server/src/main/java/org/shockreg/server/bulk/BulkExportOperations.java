package org.shockreg.server.bulk;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.List;
import java.util.TreeSet;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.shockreg.registry.bulk.BulkExportJob;
import org.shockreg.server.fhir.FhirOperationProvider;
import org.shockreg.server.security.ShockRegPrincipal;

/**
 * The Bulk Data Access IG 2.0 export endpoints under {@code /fhir} (so behind the bearer token and
 * in the CapabilityStatement): kick-off at system, Patient and Group level, status polling and
 * cancel ({@code $export-poll-status}), file download ({@code $export-file}). Strict: any parameter
 * besides {@code _outputFormat}, {@code _type} and {@code _since} is a 400. A job is bound to the
 * caller that kicked it off (404 to anyone else) and writes only the types its scopes let it read;
 * an edc caller's job only its studies' subjects (docs/security.md).
 */
public class BulkExportOperations implements FhirOperationProvider {

  static final String EXPORT = "$export";
  static final String POLL = "$export-poll-status";
  static final String FILE = "$export-file";
  static final String NDJSON = "application/fhir+ndjson";
  private static final String CANONICAL =
      "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export";
  private static final String LIMITS =
      " Needs the header Prefer: respond-async. Not supported (400): _typeFilter, _elements,"
          + " patient, includeAssociatedData, organizeOutputBy, allowPartialManifests; any"
          + " _outputFormat other than application/fhir+ndjson. Poll the Content-Location it returns"
          + " ($export-poll-status); DELETE there cancels.";

  private final BulkExportService service;
  private final FhirContext fhir;
  private final ObjectMapper json;

  public BulkExportOperations(BulkExportService service, FhirContext fhir, ObjectMapper json) {
    this.service = service;
    this.fhir = fhir;
    this.json = json;
  }

  // ---- kick-off

  @Description(
      shortDefinition = "Bulk Data export of all curated data (Bulk Data Access IG 2.0)",
      value =
          "Exports Patient, Encounter, Condition, Procedure and Observation as NDJSON." + LIMITS)
  @Operation(name = EXPORT, manualResponse = true, idempotent = true, canonicalUrl = CANONICAL)
  public void systemExport(
      @Description(
              shortDefinition = "application/fhir+ndjson (default), application/ndjson or ndjson")
          @OperationParam(name = "_outputFormat", typeName = "string", min = 0, max = 1)
          IPrimitiveType<String> outputFormat,
      @Description(shortDefinition = "Comma-separated resource types (default: all exported types)")
          @OperationParam(
              name = "_type",
              typeName = "string",
              min = 0,
              max = OperationParam.MAX_UNLIMITED)
          List<IPrimitiveType<String>> type,
      @Description(
              shortDefinition = "Only resources whose curated lastUpdated is after this instant")
          @OperationParam(name = "_since", typeName = "instant", min = 0, max = 1)
          IPrimitiveType<Date> since,
      ServletRequestDetails request)
      throws IOException {
    kickOff("system", null, outputFormat, type, since, request);
  }

  @Description(
      shortDefinition = "Bulk Data export of every patient's compartment (Bulk Data Access IG 2.0)",
      value =
          "Exports all patients and their Encounter, Condition, Procedure and Observation."
              + LIMITS)
  @Operation(
      name = EXPORT,
      typeName = "Patient",
      manualResponse = true,
      idempotent = true,
      canonicalUrl = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export")
  public void patientExport(
      @Description(
              shortDefinition = "application/fhir+ndjson (default), application/ndjson or ndjson")
          @OperationParam(name = "_outputFormat", typeName = "string", min = 0, max = 1)
          IPrimitiveType<String> outputFormat,
      @Description(shortDefinition = "Comma-separated resource types (default: all exported types)")
          @OperationParam(
              name = "_type",
              typeName = "string",
              min = 0,
              max = OperationParam.MAX_UNLIMITED)
          List<IPrimitiveType<String>> type,
      @Description(
              shortDefinition = "Only resources whose curated lastUpdated is after this instant")
          @OperationParam(name = "_since", typeName = "instant", min = 0, max = 1)
          IPrimitiveType<Date> since,
      ServletRequestDetails request)
      throws IOException {
    kickOff("patient", null, outputFormat, type, since, request);
  }

  @Description(
      shortDefinition = "Bulk Data export of a Group's members (Bulk Data Access IG 2.0)",
      value =
          "Exports the Group's patients and their Encounter, Condition, Procedure and Observation;"
              + " membership as of the export."
              + LIMITS)
  @Operation(
      name = EXPORT,
      typeName = "Group",
      manualResponse = true,
      idempotent = true,
      canonicalUrl = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export")
  public void groupExport(
      @IdParam IIdType groupId,
      @Description(
              shortDefinition = "application/fhir+ndjson (default), application/ndjson or ndjson")
          @OperationParam(name = "_outputFormat", typeName = "string", min = 0, max = 1)
          IPrimitiveType<String> outputFormat,
      @Description(shortDefinition = "Comma-separated resource types (default: all exported types)")
          @OperationParam(
              name = "_type",
              typeName = "string",
              min = 0,
              max = OperationParam.MAX_UNLIMITED)
          List<IPrimitiveType<String>> type,
      @Description(
              shortDefinition = "Only resources whose curated lastUpdated is after this instant")
          @OperationParam(name = "_since", typeName = "instant", min = 0, max = 1)
          IPrimitiveType<Date> since,
      ServletRequestDetails request)
      throws IOException {
    kickOff("group", groupId.getIdPart(), outputFormat, type, since, request);
  }

  private void kickOff(
      String level,
      String groupId,
      IPrimitiveType<String> outputFormat,
      List<IPrimitiveType<String>> type,
      IPrimitiveType<Date> since,
      ServletRequestDetails request)
      throws IOException {
    KickoffRequest.check(request, outputFormat);
    ShockRegPrincipal caller = ExportAccess.caller(request);
    List<ExportedType> types =
        ExportAccess.readable(caller, KickoffRequest.types(type), type != null && !type.isEmpty());
    Instant sinceInstant =
        since == null || since.getValue() == null ? null : since.getValue().toInstant();
    if ("group".equals(level) && service.groupMembers(groupId).isEmpty()) {
      throw new ResourceNotFoundException("SR-BULK-5: Group/" + groupId + " is not known");
    }
    String jobId;
    try {
      jobId =
          service.kickOff(
              new Kickoff(
                  level,
                  groupId,
                  request.getCompleteUrl(),
                  types,
                  sinceInstant,
                  NDJSON,
                  caller.id(),
                  caller.studyRestriction().map(s -> List.copyOf(new TreeSet<>(s))).orElse(null)));
    } catch (ExportQueueFullException e) {
      BaseServerResponseException busy =
          new BaseServerResponseException(
              429, "SR-BULK-6: too many export jobs are waiting; try again later") {};
      busy.addResponseHeader("Retry-After", String.valueOf(retryAfterSeconds() * 10));
      throw busy;
    }
    HttpServletResponse res = request.getServletResponse();
    res.setStatus(202);
    res.setHeader("Content-Location", statusUrl(request, jobId));
    writeOutcome(
        res, OperationOutcome.IssueSeverity.INFORMATION, "informational", "export job accepted");
  }

  // ---- status, cancel

  @Description(
      shortDefinition = "Status of a Bulk Data export job (GET) or its cancellation (DELETE)",
      value =
          "202 with X-Progress and Retry-After while the job runs, 200 with the manifest when it is"
              + " complete, 500 with an OperationOutcome when it failed, 404 when unknown or expired."
              + " DELETE cancels a running job or deletes a finished one with its files.")
  @Operation(name = POLL, manualResponse = true, idempotent = true, deleteEnabled = true)
  public void pollStatus(
      @Description(shortDefinition = "The job id from the kick-off's Content-Location")
          @OperationParam(name = "_jobId", typeName = "string", min = 1, max = 1)
          IPrimitiveType<String> jobId,
      ServletRequestDetails request)
      throws IOException {
    String id = jobId == null ? null : jobId.getValue();
    // bound to whoever kicked it off: to anyone else it does not exist
    BulkExportJob job =
        service.find(id, ExportAccess.caller(request).id()).orElseThrow(() -> notFound(id));
    HttpServletResponse res = request.getServletResponse();
    if (request.getRequestType() == RequestTypeEnum.DELETE) {
      if (!service.delete(id)) {
        throw notFound(id);
      }
      res.setStatus(202);
      writeOutcome(
          res, OperationOutcome.IssueSeverity.INFORMATION, "informational", "export job deleted");
      return;
    }
    switch (job.status()) {
      case BulkExportJob.ACCEPTED, BulkExportJob.IN_PROGRESS -> {
        res.setStatus(202);
        res.setHeader(
            "X-Progress",
            BulkExportJob.ACCEPTED.equals(job.status())
                ? "queued"
                : "in-progress: " + service.progress(job) + " resources exported");
        res.setHeader("Retry-After", String.valueOf(retryAfterSeconds()));
      }
      case BulkExportJob.COMPLETED -> {
        res.setStatus(200);
        res.setContentType("application/json;charset=UTF-8");
        res.setHeader(
            "Expires",
            DateTimeFormatter.RFC_1123_DATE_TIME.format(job.expiresAt().atOffset(ZoneOffset.UTC)));
        json.writeValue(res.getOutputStream(), manifest(job, request));
      }
      default -> {
        res.setStatus(500);
        writeOutcome(
            res,
            OperationOutcome.IssueSeverity.FATAL,
            "exception",
            "SR-BULK-7: the export failed: " + job.error());
      }
    }
  }

  private ObjectNode manifest(BulkExportJob job, ServletRequestDetails request) {
    ObjectNode m = json.createObjectNode();
    m.put("transactionTime", job.transactionTime().toString());
    m.put("request", job.requestUrl());
    m.put("requiresAccessToken", true);
    ArrayNode output = m.putArray("output");
    for (BulkExportJob.File f : job.output()) {
      output
          .addObject()
          .put("type", f.type())
          .put("url", fileUrl(request, job.jobId(), f.file()))
          .put("count", f.count());
    }
    // IG 2.0: DELETE transaction Bundles of what was deleted after _since; without _since there
    // is nothing to report and the array stays empty (the IG allows empty or absent)
    ArrayNode deleted = m.putArray("deleted");
    for (BulkExportJob.File f : job.deleted()) {
      deleted
          .addObject()
          .put("type", f.type())
          .put("url", fileUrl(request, job.jobId(), f.file()))
          .put("count", f.count());
    }
    m.putArray("error");
    return m;
  }

  // ---- files

  @Description(
      shortDefinition =
          "An NDJSON file of a completed Bulk Data export (the manifest's output url)")
  @Operation(name = FILE, manualResponse = true, idempotent = true)
  public void file(
      @OperationParam(name = "_jobId", typeName = "string", min = 1, max = 1)
          IPrimitiveType<String> jobId,
      @OperationParam(name = "file", typeName = "string", min = 1, max = 1)
          IPrimitiveType<String> file,
      ServletRequestDetails request)
      throws IOException {
    String id = jobId == null ? null : jobId.getValue();
    String name = file == null ? null : file.getValue();
    BulkExportJob job =
        service.find(id, ExportAccess.caller(request).id()).orElseThrow(() -> notFound(id));
    Path path =
        service
            .file(job, name)
            .orElseThrow(() -> new ResourceNotFoundException("SR-BULK-8: no such export file"));
    HttpServletResponse res = request.getServletResponse();
    res.setStatus(200);
    res.setContentType(NDJSON);
    res.setContentLengthLong(Files.size(path));
    try (OutputStream out = res.getOutputStream()) {
      Files.copy(path, out);
    }
  }

  // ---- helpers

  private long retryAfterSeconds() {
    return Math.max(1, (service.retryAfter().toMillis() + 999) / 1000);
  }

  private static ResourceNotFoundException notFound(String jobId) {
    return new ResourceNotFoundException(
        "SR-BULK-9: no export job "
            + (jobId == null ? "(no _jobId)" : jobId)
            + " (unknown, deleted or expired)");
  }

  private static String statusUrl(ServletRequestDetails request, String jobId) {
    return request.getFhirServerBase() + "/" + POLL + "?_jobId=" + jobId;
  }

  private static String fileUrl(ServletRequestDetails request, String jobId, String file) {
    return request.getFhirServerBase()
        + "/"
        + FILE
        + "?_jobId="
        + jobId
        + "&file="
        + URLEncoder.encode(file, StandardCharsets.UTF_8);
  }

  private void writeOutcome(
      HttpServletResponse res, OperationOutcome.IssueSeverity severity, String code, String text)
      throws IOException {
    OperationOutcome oo = new OperationOutcome();
    oo.addIssue()
        .setSeverity(severity)
        .setCode(OperationOutcome.IssueType.fromCode(code))
        .setDiagnostics(text);
    res.setContentType("application/fhir+json;charset=UTF-8");
    byte[] body = fhir.newJsonParser().encodeResourceToString(oo).getBytes(StandardCharsets.UTF_8);
    res.setContentLength(body.length);
    res.getOutputStream().write(body);
  }
}
