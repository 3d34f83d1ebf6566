package org.shockreg.registry.audit;

import java.time.Instant;
import java.util.Map;

/**
 * One audit event as stored in {@code audit_event} and served as a FHIR AuditEvent
 * (docs/security.md "Audit"). Holds no token and no patient identifier beyond curated pseudonymous
 * ids.
 *
 * @param type the event type ({@link AuditCodes})
 * @param subtype the FHIR interaction or DICOM subtype, or null
 * @param action C, R, U, D or E
 * @param outcome 0 success, 4 minor failure (4xx), 8 serious failure (5xx), 12 major failure
 * @param agentWho the principal id ({@code token:<name>}, {@code jwt:<iss>#<sub>}) or {@code
 *     anonymous}
 * @param entityType a FHIR resource type, or a system object kind ({@code site}, {@code job} ...)
 * @param entityWhat the reference or name of what was touched ({@code Patient/x}, a site id ...)
 * @param entityQuery the query string, base64 (FHIR AuditEvent.entity.query), or null
 * @param detail extra name/value pairs (ingest counts ...), or empty
 */
public record AuditRecord(
    Instant recorded,
    AuditCodes.Code type,
    AuditCodes.Code subtype,
    String action,
    int outcome,
    String outcomeDesc,
    String agentWho,
    String agentRole,
    String agentAddress,
    String entityType,
    String entityWhat,
    String entityQuery,
    Map<String, String> detail,
    String httpMethod,
    String httpPath,
    int httpStatus) {

  public AuditRecord {
    detail = detail == null ? Map.of() : Map.copyOf(detail);
  }

  /** The outcome code of an HTTP status. */
  public static int outcomeOf(int status) {
    if (status >= 500) {
      return 8;
    }
    return status >= 400 ? 4 : 0;
  }
}
