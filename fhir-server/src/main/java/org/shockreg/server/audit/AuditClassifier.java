package org.shockreg.server.audit;

import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.shockreg.registry.audit.AuditCodes;
import org.shockreg.registry.audit.AuditRecord;

/**
 * Turns a finished request into an {@link AuditRecord}: what its handler noted in the {@link
 * AuditContext}, else what its path says. A 401 is a failed login (DICOM 110114/110122) whatever
 * the path; 403 and 429 keep the type of what was attempted, with a failure outcome.
 */
final class AuditClassifier {

  private static final Pattern INGEST = Pattern.compile("^/ingest/([^/]+)/?$");
  private static final Pattern EDC_EXPORT =
      Pattern.compile("^/edc/([^/]+)/(odm|export\\.csv|data-dictionary\\.csv)$");
  private static final Pattern EDC = Pattern.compile("^/edc/([^/]+)(/.*)?$");
  private static final Pattern FHIR_TYPE =
      Pattern.compile("^/fhir/([A-Z][A-Za-z]+)(?:/([^/$]+))?.*$");
  private static final Set<String> OPEN_PREFIXES =
      Set.of(
          "/actuator/health",
          "/.well-known/",
          "/console/",
          "/webjars/",
          "/static/",
          "/fhir/swagger-ui/");
  private static final Set<String> OPEN_PATHS =
      Set.of("/", "/favicon.ico", "/console", "/fhir/metadata", "/fhir/api-docs", "/fhir");

  /** entity_type of objects that are no FHIR resource: audit-entity-type 2 (system object). */
  static final String SYSTEM_OBJECT = "2";

  private AuditClassifier() {}

  static AuditRecord classify(HttpServletRequest req, int status, AuditContext c, Instant now) {
    String path = path(req);
    boolean refused = status == 401 || status == 403;
    if (c.skip || (!refused && c.type == null && open(path))) {
      return null;
    }
    if (c.type == null) {
      byPath(req.getMethod(), path, c);
    }
    AuditCodes.Code type = c.type;
    AuditCodes.Code subtype = c.subtype;
    String action = c.action;
    if (status == 401) {
      type = AuditCodes.USER_AUTHENTICATION;
      subtype = AuditCodes.LOGIN;
      action = "E";
    }
    String desc = c.outcomeDesc;
    if (desc == null && status >= 400) {
      desc =
          switch (status) {
            case 401 -> "authentication failed (no or invalid bearer token)";
            case 403 -> "forbidden";
            case 429 -> "too many requests";
            default -> "HTTP " + status;
          };
    }
    return new AuditRecord(
        now,
        type,
        subtype,
        action,
        AuditRecord.outcomeOf(status),
        desc,
        c.principal == null ? "anonymous" : c.principal.id(),
        c.principal == null ? null : c.principal.role().code(),
        req.getRemoteAddr(),
        c.entityType,
        c.entityWhat,
        AuditQuery.encode(req.getQueryString()),
        c.detail,
        req.getMethod(),
        path.length() > 500 ? path.substring(0, 500) : path,
        status);
  }

  private static boolean open(String path) {
    return OPEN_PATHS.contains(path) || OPEN_PREFIXES.stream().anyMatch(path::startsWith);
  }

  /** What the path says, for requests no handler described (Spring MVC endpoints, refusals). */
  private static void byPath(String method, String path, AuditContext c) {
    String action =
        switch (method) {
          case "GET", "HEAD" -> "R";
          case "DELETE" -> "D";
          default -> "E";
        };
    Matcher m;
    if ((m = INGEST.matcher(path)).matches()) {
      c.event(AuditCodes.IMPORT, null, "C").entity(SYSTEM_OBJECT, "site:" + m.group(1));
    } else if ((m = EDC_EXPORT.matcher(path)).matches()) {
      c.event(AuditCodes.EXPORT, null, "R").entity("ResearchStudy", "ResearchStudy/" + m.group(1));
    } else if ((m = EDC.matcher(path)).matches()) {
      boolean randomization = "/randomizations".equals(m.group(2)) && "POST".equals(method);
      c.event(AuditCodes.PATIENT_RECORD, null, randomization ? "C" : action)
          .entity("ResearchStudy", "ResearchStudy/" + m.group(1));
    } else if ((m = FHIR_TYPE.matcher(path)).matches()) {
      // refused before HAPI parsed it (401), or not matched by any handler (400): from the path
      String id = m.group(2);
      boolean get = "GET".equals(method);
      if (get && id == null) {
        c.event(AuditCodes.REST, AuditCodes.interaction("search-type"), "E");
      } else if (get && !id.startsWith("_")) {
        c.event(AuditCodes.REST, AuditCodes.interaction("read"), "R");
      } else {
        c.event(AuditCodes.REST, null, action);
      }
      c.entity(m.group(1), id == null ? m.group(1) : m.group(1) + "/" + id);
    } else if (path.equals("/fhir") || path.startsWith("/fhir/")) {
      c.event(AuditCodes.REST, null, action).entity(null, null);
    } else {
      // /admin/** (mappings reload, dead-letter replay, sources), /actuator/**, anything else
      c.event(AuditCodes.APPLICATION_ACTIVITY, null, action).entity(SYSTEM_OBJECT, path);
    }
  }

  static String path(HttpServletRequest req) {
    String uri = req.getRequestURI();
    String ctx = req.getContextPath();
    String p =
        uri == null ? "" : uri.substring(Math.min(uri.length(), ctx == null ? 0 : ctx.length()));
    return p.isEmpty() ? "/" : p;
  }
}
