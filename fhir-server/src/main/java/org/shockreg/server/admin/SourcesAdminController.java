package org.shockreg.server.admin;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.shockreg.ingest.pull.FhirRestPullService;
import org.shockreg.ingest.pull.FhirRestPullService.SourceStatus;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** Pull sources: their state, last run and watermarks; start a run now. Admin role only. */
@RestController
public class SourcesAdminController {

  private final FhirRestPullService pulls;

  public SourcesAdminController(FhirRestPullService pulls) {
    this.pulls = pulls;
  }

  @GetMapping("/admin/sources")
  public List<SourceStatus> sources() {
    return pulls.status();
  }

  @GetMapping("/admin/sources/{id}")
  public ResponseEntity<?> source(@PathVariable String id) {
    return pulls.status(id).<ResponseEntity<?>>map(ResponseEntity::ok).orElseGet(() -> unknown(id));
  }

  /** Starts a run now, in the background: 202, then watch {@code GET /admin/sources/{id}}. */
  @PostMapping("/admin/sources/{id}/run")
  public ResponseEntity<?> run(@PathVariable String id) {
    return switch (pulls.trigger(id)) {
      case STARTED ->
          ResponseEntity.accepted()
              .location(URI.create("/admin/sources/" + id))
              .body(Map.of("source", id, "status", "started"));
      case UNKNOWN -> unknown(id);
      case RUNNING -> problem(HttpStatus.CONFLICT, "source " + id + " is running already");
      case NOT_RUNNABLE ->
          problem(HttpStatus.CONFLICT, "source " + id + " is disabled or of a type that cannot run yet");
    };
  }

  private static ResponseEntity<ProblemDetail> unknown(String id) {
    return problem(HttpStatus.NOT_FOUND, "no pull source '" + id + "' is configured");
  }

  private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String detail) {
    return ResponseEntity.status(status).body(ProblemDetail.forStatusAndDetail(status, detail));
  }
}
