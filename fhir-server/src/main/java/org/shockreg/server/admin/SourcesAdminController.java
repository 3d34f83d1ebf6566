package org.shockreg.server.admin;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.shockreg.ingest.hl7v2.MllpProperties;
import org.shockreg.ingest.pull.FhirRestPullService;
import org.shockreg.registry.intake.Hl7MessageStore;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Pull and MLLP sources: their state, last run and watermarks; start a run now. Admin role only.
 */
@RestController
public class SourcesAdminController {

  private final FhirRestPullService pulls;
  private final Hl7MessageStore hl7;
  private final MllpProperties mllp;

  public SourcesAdminController(
      FhirRestPullService pulls, Hl7MessageStore hl7, MllpProperties mllp) {
    this.pulls = pulls;
    this.hl7 = hl7;
    this.mllp = mllp;
  }

  /**
   * Pull sources, then MLLP sending facilities (type {@code mllp}: counts and last message time).
   */
  @GetMapping("/admin/sources")
  public List<Object> sources() {
    List<Object> all = new ArrayList<>(pulls.status());
    all.addAll(hl7.sources(mllp.facilities()));
    return all;
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
          problem(
              HttpStatus.CONFLICT,
              "source " + id + " is disabled or of a type that cannot run yet");
    };
  }

  private static ResponseEntity<ProblemDetail> unknown(String id) {
    return problem(HttpStatus.NOT_FOUND, "no pull source '" + id + "' is configured");
  }

  private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String detail) {
    return ResponseEntity.status(status).body(ProblemDetail.forStatusAndDetail(status, detail));
  }
}
