package org.shockreg.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import org.shockreg.ingest.rekey.RekeyJob;
import org.shockreg.ingest.rekey.RekeyProperties;
import org.shockreg.ingest.rekey.RekeyRefused;
import org.shockreg.ingest.rekey.RekeyStatus;
import org.shockreg.server.audit.RekeyAudit;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Re-keying (docs/pseudonym-key.md): {@code POST /admin/rekey} checks the old database against this
 * one and starts the job (202, then watch {@code GET /admin/rekey}); a body {@code {"url",
 * "username", "password", "force"}} overrides {@code shockreg.rekey.source.*}. Admin role only.
 */
@RestController
public class RekeyAdminController {

  private final RekeyJob job;
  private final RekeyAudit audit;
  private final ObjectMapper json;

  public RekeyAdminController(RekeyJob job, RekeyAudit audit, ObjectMapper json) {
    this.job = job;
    this.audit = audit;
    this.json = json;
  }

  @GetMapping("/admin/rekey")
  public RekeyStatus status() {
    return job.status();
  }

  @PostMapping("/admin/rekey")
  public ResponseEntity<?> start(
      @RequestBody(required = false) byte[] body, HttpServletRequest request) {
    JsonNode n;
    try {
      n = body == null || body.length == 0 ? json.createObjectNode() : json.readTree(body);
    } catch (IOException e) {
      n = null;
    }
    if (n == null || !n.isObject()) {
      RekeyAudit.started(request, null, false, "body is not a JSON object");
      return problem(
          HttpStatus.UNPROCESSABLE_ENTITY,
          "source",
          "the body must be a JSON object {url, username, password, force} or empty");
    }
    RekeyProperties.Source given =
        new RekeyProperties.Source(text(n, "url"), text(n, "username"), text(n, "password"));
    boolean force = n.path("force").asBoolean(false);
    try {
      RekeyStatus started = job.start(given, force, audit.finisher(request));
      RekeyAudit.started(request, started.source(), force, null);
      return ResponseEntity.accepted().location(URI.create("/admin/rekey")).body(started);
    } catch (RekeyRefused e) {
      RekeyAudit.started(request, null, force, e.code() + ": " + e.getMessage());
      return problem(
          e.conflict() ? HttpStatus.CONFLICT : HttpStatus.UNPROCESSABLE_ENTITY,
          e.code(),
          e.getMessage());
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  private static ResponseEntity<ProblemDetail> problem(
      HttpStatus status, String code, String detail) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
    p.setTitle("Re-keying not started");
    p.setProperty("code", code);
    return ResponseEntity.status(status).body(p);
  }
}
