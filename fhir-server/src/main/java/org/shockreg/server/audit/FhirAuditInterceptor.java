package org.shockreg.server.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Set;
import org.shockreg.registry.audit.AuditCodes;
import org.shockreg.server.fhir.FhirServerInterceptor;

/**
 * Tells the audit trail what a FHIR request is, as HAPI parsed it: the interaction (subtype of type
 * {@code rest}), the resource type and id, or for Bulk export kick-off and file download a DICOM
 * Export event. Runs before the authorization interceptor (lower order), so a 403 is recorded with
 * what was attempted. On an error it keeps the error's code (SR-...), not its text, which can echo
 * a search value.
 */
public class FhirAuditInterceptor implements FhirServerInterceptor {

  /** restful-interaction codes that RestOperationTypeEnum shares. */
  private static final Set<String> INTERACTIONS =
      Set.of(
          "read",
          "vread",
          "update",
          "patch",
          "delete",
          "history-instance",
          "history-type",
          "history-system",
          "create",
          "search-type",
          "search-system",
          "transaction",
          "batch");

  @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = -100)
  public boolean describe(RequestDetails request, HttpServletRequest req) {
    AuditContext c = AuditContext.of(req);
    RestOperationTypeEnum op = request.getRestOperationType();
    if (c == null || op == null) {
      return true;
    }
    if (op == RestOperationTypeEnum.METADATA) {
      c.skip = true; // the open CapabilityStatement
      return true;
    }
    String type = request.getResourceName();
    String id = request.getId() == null ? null : request.getId().getIdPart();
    String what = type == null ? null : id == null ? type : type + "/" + id;
    String operation = request.getOperation();
    if ("$export".equals(operation)) {
      c.event(AuditCodes.EXPORT, AuditCodes.interaction("operation"), "R")
          .entity(type, what)
          .detail("operation", operation);
    } else if ("$export-file".equals(operation)) {
      c.event(AuditCodes.EXPORT, AuditCodes.interaction("operation"), "R")
          .entity(AuditClassifier.SYSTEM_OBJECT, "bulk-job:" + first(request, "_jobId"))
          .detail("operation", operation)
          .detail("file", first(request, "file"));
    } else if ("$export-poll-status".equals(operation)) {
      c.event(
              AuditCodes.REST,
              AuditCodes.interaction("operation"),
              "DELETE".equals(req.getMethod()) ? "D" : "R")
          .entity(AuditClassifier.SYSTEM_OBJECT, "bulk-job:" + first(request, "_jobId"))
          .detail("operation", operation);
    } else {
      c.event(AuditCodes.REST, AuditCodes.interaction(interaction(op)), action(op))
          .entity(type, what);
      if (operation != null && !operation.isEmpty()) {
        c.detail("operation", operation);
      }
    }
    return true;
  }

  @Hook(Pointcut.SERVER_HANDLE_EXCEPTION)
  public boolean failed(HttpServletRequest req, BaseServerResponseException e) {
    AuditContext c = AuditContext.of(req);
    if (c != null && e != null) {
      String m = e.getMessage();
      // "HAPI-0123: SR-SEARCH-11: ..." or "SR-...: ...": the SR code only (values stay out)
      int sr = m == null ? -1 : m.indexOf("SR-");
      if (sr >= 0) {
        int colon = m.indexOf(':', sr);
        c.outcomeDescription(
            colon > sr ? m.substring(sr, colon) : m.substring(sr, Math.min(m.length(), sr + 20)));
      } else {
        c.outcomeDescription(e.getClass().getSimpleName() + " (HTTP " + e.getStatusCode() + ")");
      }
    }
    return true;
  }

  private static String first(RequestDetails request, String name) {
    String[] v = request.getParameters().get(name);
    return v == null || v.length == 0 ? null : v[0];
  }

  static String interaction(RestOperationTypeEnum op) {
    return switch (op) {
      case EXTENDED_OPERATION_SERVER, EXTENDED_OPERATION_TYPE, EXTENDED_OPERATION_INSTANCE ->
          "operation";
      case GET_PAGE -> "search";
      case METADATA -> "capabilities";
      default -> INTERACTIONS.contains(op.getCode()) ? op.getCode() : "operation";
    };
  }

  /** BALP: reads R, searches and operations E (query), writes C/U/D. */
  static String action(RestOperationTypeEnum op) {
    return switch (op) {
      case READ, VREAD -> "R";
      case CREATE -> "C";
      case UPDATE, PATCH -> "U";
      case DELETE -> "D";
      default -> "E";
    };
  }
}
