package org.shockreg.server.admin;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.shockreg.ingest.hl7v2.MllpIntake;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.ingest.pipeline.UnparseableBodyException;
import org.shockreg.registry.intake.DeadLetterRepository;
import org.shockreg.registry.intake.IntakeCatalog;
import org.shockreg.registry.store.RegistryWriter;
import org.shockreg.server.edc.RandomizationController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Operations: dead letters (list, show, replay), unmapped codes, sites. Admin role only. */
@RestController
public class AdminController {

  private final DeadLetterRepository deadLetters;
  private final IntakeCatalog catalog;
  private final IntakePipeline pipeline;
  private final RegistryWriter writer;

  private final RandomizationController randomizations;
  private final MllpIntake hl7;

  public AdminController(
      DeadLetterRepository deadLetters,
      IntakeCatalog catalog,
      IntakePipeline pipeline,
      RegistryWriter writer,
      RandomizationController randomizations,
      MllpIntake hl7) {
    this.deadLetters = deadLetters;
    this.catalog = catalog;
    this.pipeline = pipeline;
    this.writer = writer;
    this.randomizations = randomizations;
    this.hl7 = hl7;
  }

  @GetMapping("/admin/dead-letters")
  public List<Map<String, Object>> deadLetters(
      @RequestParam(defaultValue = "open") String status,
      @RequestParam(defaultValue = "100") int limit) {
    return deadLetters.list(status, limit);
  }

  @GetMapping("/admin/dead-letters/{id}")
  public ResponseEntity<?> deadLetter(@PathVariable long id) {
    Optional<Map<String, Object>> found = deadLetters.find(id);
    if (found.isEmpty()) {
      return notFound("dead letter " + id + " does not exist");
    }
    Map<String, Object> row = new LinkedHashMap<>(found.get());
    row.put("payload", new String((byte[]) row.get("payload"), StandardCharsets.UTF_8));
    return ResponseEntity.ok(row);
  }

  /** Runs a dead letter's payload through intake again (after a rule or source fix). */
  @PostMapping("/admin/dead-letters/{id}/replay")
  public ResponseEntity<?> replay(@PathVariable long id) {
    Optional<DeadLetterRepository.Stored> found = deadLetters.forReplay(id);
    if (found.isEmpty()) {
      return notFound("dead letter " + id + " does not exist");
    }
    DeadLetterRepository.Stored letter = found.get();
    if (RandomizationController.CHANNEL.equals(letter.channel())) {
      // An EDC randomization refused earlier (e.g. its patient had not arrived yet).
      String origin = letter.origin();
      ResponseEntity<?> res =
          randomizations.apply(origin.substring(origin.indexOf(':') + 1), letter.payload(), false);
      writer.markReplayed(id, res.getStatusCode().is2xxSuccessful());
      return res;
    }
    if (MllpIntake.CONTENT_TYPE.equals(letter.contentType())) {
      // A whole HL7 v2 message (AE or AR): taken in again as if received, its ACK is the result.
      MllpIntake.Result ack = hl7.replay(letter.payload(), id);
      boolean resolved = "AA".equals(ack.code());
      writer.markReplayed(id, resolved);
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("deadLetter", id);
      result.put("resolved", resolved);
      result.put("ackCode", ack.code());
      result.put("ack", ack.ack().replace('\r', '\n'));
      return ResponseEntity.ok(result);
    }
    String site = letter.siteId();
    if (site == null) {
      ProblemDetail p =
          ProblemDetail.forStatusAndDetail(
              HttpStatus.CONFLICT, "dead letter " + id + " names no site and cannot be replayed");
      return ResponseEntity.status(HttpStatus.CONFLICT).body(p);
    }
    byte[] payload = letter.payload();
    String contentType = letter.contentType();
    Map<String, Object> result = new LinkedHashMap<>();
    try {
      IntakeReport report =
          pipeline.ingest(
              new IntakeRequest(
                  site,
                  IntakeRequest.CHANNEL_REPLAY,
                  "replay:" + id,
                  contentType,
                  null,
                  IntakeRequest.Body.of(payload)));
      boolean resolved = report.rejected() == 0;
      writer.markReplayed(id, resolved);
      result.put("deadLetter", id);
      result.put("resolved", resolved);
      result.put("report", report.toString());
      result.put(
          "newDeadLetters",
          report.issues().stream().map(IntakeReport.Issue::deadLetterId).toList());
      return ResponseEntity.ok(result);
    } catch (UnparseableBodyException e) {
      writer.markReplayed(id, false);
      ProblemDetail p =
          ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_ENTITY, e.getMessage());
      return ResponseEntity.unprocessableEntity().body(p);
    }
  }

  @GetMapping("/admin/unmapped-codes")
  public List<Map<String, Object>> unmappedCodes(@RequestParam(required = false) String site) {
    return catalog.unmappedCodes(site);
  }

  @GetMapping("/admin/sites")
  public List<Map<String, Object>> sites() {
    return catalog.sites();
  }

  private static ResponseEntity<ProblemDetail> notFound(String detail) {
    return ResponseEntity.status(HttpStatus.NOT_FOUND)
        .body(ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, detail));
  }
}
