package org.shockreg.server.admin;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.shockreg.ingest.hl7v2.MllpIntake;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.ingest.pipeline.UnparseableBodyException;
import org.shockreg.registry.store.RegistryWriter;
import org.shockreg.server.edc.RandomizationController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Operations: dead letters (list, show, replay), unmapped codes, sites. Admin role only. */
@RestController
public class AdminController {

  private final JdbcTemplate jdbc;
  private final IntakePipeline pipeline;
  private final RegistryWriter writer;

  private final RandomizationController randomizations;
  private final MllpIntake hl7;

  public AdminController(
      JdbcTemplate jdbc, IntakePipeline pipeline, RegistryWriter writer, RandomizationController randomizations,
      MllpIntake hl7) {
    this.jdbc = jdbc;
    this.pipeline = pipeline;
    this.writer = writer;
    this.randomizations = randomizations;
    this.hl7 = hl7;
  }

  @GetMapping("/admin/dead-letters")
  public List<Map<String, Object>> deadLetters(
      @RequestParam(defaultValue = "open") String status,
      @RequestParam(defaultValue = "100") int limit) {
    return jdbc.queryForList(
        "SELECT dead_letter_id AS id, site_id AS \"siteId\", channel, origin, content_type AS"
            + " \"contentType\", reason_code AS \"reasonCode\", reason, resource_type AS"
            + " \"resourceType\", resource_id AS \"resourceId\", status, replay_count AS"
            + " \"replayCount\", received_at AS \"receivedAt\", replayed_at AS \"replayedAt\","
            + " octet_length(payload) AS \"payloadBytes\""
            + " FROM dead_letter WHERE (? = 'all' OR status = ?) ORDER BY dead_letter_id DESC LIMIT ?",
        status,
        status,
        Math.min(Math.max(limit, 1), 1000));
  }

  @GetMapping("/admin/dead-letters/{id}")
  public ResponseEntity<?> deadLetter(@PathVariable long id) {
    List<Map<String, Object>> rows =
        jdbc.queryForList(
            "SELECT dead_letter_id AS id, site_id AS \"siteId\", channel, origin, content_type AS"
                + " \"contentType\", reason_code AS \"reasonCode\", reason, resource_type AS"
                + " \"resourceType\", resource_id AS \"resourceId\", status, replay_count AS"
                + " \"replayCount\", received_at AS \"receivedAt\", payload"
                + " FROM dead_letter WHERE dead_letter_id = ?",
            id);
    if (rows.isEmpty()) {
      return notFound("dead letter " + id + " does not exist");
    }
    Map<String, Object> row = new LinkedHashMap<>(rows.get(0));
    row.put("payload", new String((byte[]) row.get("payload"), StandardCharsets.UTF_8));
    return ResponseEntity.ok(row);
  }

  /** Runs a dead letter's payload through intake again (after a rule or source fix). */
  @PostMapping("/admin/dead-letters/{id}/replay")
  public ResponseEntity<?> replay(@PathVariable long id) {
    List<Map<String, Object>> rows =
        jdbc.queryForList(
            "SELECT site_id, channel, origin, content_type, payload FROM dead_letter WHERE dead_letter_id = ?", id);
    if (rows.isEmpty()) {
      return notFound("dead letter " + id + " does not exist");
    }
    Map<String, Object> row = rows.get(0);
    if (RandomizationController.CHANNEL.equals(row.get("channel"))) {
      // An EDC randomization refused earlier (e.g. its patient had not arrived yet).
      String origin = (String) row.get("origin");
      ResponseEntity<?> res =
          randomizations.apply(origin.substring(origin.indexOf(':') + 1), (byte[]) row.get("payload"), false);
      writer.markReplayed(id, res.getStatusCode().is2xxSuccessful());
      return res;
    }
    if (MllpIntake.CONTENT_TYPE.equals(row.get("content_type"))) {
      // A whole HL7 v2 message (AE or AR): taken in again as if received, its ACK is the result.
      MllpIntake.Result ack = hl7.replay((byte[]) row.get("payload"), id);
      boolean resolved = "AA".equals(ack.code());
      writer.markReplayed(id, resolved);
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("deadLetter", id);
      result.put("resolved", resolved);
      result.put("ackCode", ack.code());
      result.put("ack", ack.ack().replace('\r', '\n'));
      return ResponseEntity.ok(result);
    }
    String site = (String) row.get("site_id");
    if (site == null) {
      ProblemDetail p =
          ProblemDetail.forStatusAndDetail(
              HttpStatus.CONFLICT, "dead letter " + id + " names no site and cannot be replayed");
      return ResponseEntity.status(HttpStatus.CONFLICT).body(p);
    }
    byte[] payload = (byte[]) row.get("payload");
    String contentType = (String) row.get("content_type");
    Map<String, Object> result = new LinkedHashMap<>();
    try {
      IntakeReport report =
          pipeline.ingest(
              new IntakeRequest(
                  site, IntakeRequest.CHANNEL_REPLAY, "replay:" + id, contentType, null,
                  IntakeRequest.Body.of(payload)));
      boolean resolved = report.rejected() == 0;
      writer.markReplayed(id, resolved);
      result.put("deadLetter", id);
      result.put("resolved", resolved);
      result.put("report", report.toString());
      result.put("newDeadLetters", report.issues().stream().map(IntakeReport.Issue::deadLetterId).toList());
      return ResponseEntity.ok(result);
    } catch (UnparseableBodyException e) {
      writer.markReplayed(id, false);
      ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_ENTITY, e.getMessage());
      return ResponseEntity.unprocessableEntity().body(p);
    }
  }

  @GetMapping("/admin/unmapped-codes")
  public List<Map<String, Object>> unmappedCodes(@RequestParam(required = false) String site) {
    return jdbc.queryForList(
        "SELECT site_id AS \"siteId\", resource_type AS \"resourceType\", system, code, display,"
            + " seen_count AS \"count\", first_seen AS \"firstSeen\", last_seen AS \"lastSeen\""
            + " FROM unmapped_code WHERE (?::text IS NULL OR site_id = ?)"
            + " ORDER BY site_id, seen_count DESC, system, code",
        site,
        site);
  }

  @GetMapping("/admin/sites")
  public List<Map<String, Object>> sites() {
    return jdbc.queryForList(
        "SELECT s.site_id AS \"siteId\", s.origin, s.created_at AS \"createdAt\","
            + " (SELECT count(*) FROM patient p WHERE p.site_id = s.site_id) AS patients,"
            + " (SELECT count(*) FROM source_resource_head h WHERE h.site_id = s.site_id) AS"
            + " \"sourceResources\" FROM site s ORDER BY s.site_id");
  }

  private static ResponseEntity<ProblemDetail> notFound(String detail) {
    return ResponseEntity.status(HttpStatus.NOT_FOUND)
        .body(ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, detail));
  }
}
