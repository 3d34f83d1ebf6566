package org.shockreg.server.edc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.shockreg.ingest.trial.RandomizationService;
import org.shockreg.ingest.trial.RandomizationService.RandomizationRefused;
import org.shockreg.registry.intake.DeadLetter;
import org.shockreg.registry.store.RegistryWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The trial EDC records a randomization: {@code {"patient": "<curated Patient id>", "arm":
 * "early-iabp", "time": "<ISO instant>"}} answers 201 with the ResearchSubject now on-study; 422
 * (unknown patient, study or arm; malformed body) and 409 (the episode is already randomized) as
 * problem+json, the body kept in the dead-letter store so it can be replayed.
 */
@RestController
public class RandomizationController {

  private static final Logger log = LoggerFactory.getLogger(RandomizationController.class);
  public static final String CHANNEL = "edc";

  private final RandomizationService randomizations;
  private final RegistryWriter writer;
  private final ObjectMapper json;

  public RandomizationController(
      RandomizationService randomizations, RegistryWriter writer, ObjectMapper json) {
    this.randomizations = randomizations;
    this.writer = writer;
    this.json = json;
  }

  @PostMapping(path = "/edc/{studyId}/randomizations")
  public ResponseEntity<?> randomize(
      @PathVariable String studyId, @RequestBody(required = false) byte[] body) {
    return apply(studyId, body == null ? new byte[0] : body, true);
  }

  /** Applies a randomization body; a refusal is dead-lettered when {@code deadLetter}. */
  public ResponseEntity<?> apply(String studyId, byte[] body, boolean deadLetter) {
    try {
      JsonNode n = parse(body);
      String subject =
          randomizations.randomize(
              studyId, text(n, "patient"), text(n, "arm"), time(text(n, "time")));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("researchSubject", "ResearchSubject/" + subject);
      out.put("status", "on-study");
      out.put("study", studyId);
      out.put("arm", text(n, "arm"));
      URI location =
          ServletUriComponentsBuilder.fromCurrentContextPath()
              .path("/fhir/ResearchSubject/{id}")
              .build(subject);
      return ResponseEntity.created(location).body(out);
    } catch (RandomizationRefused e) {
      HttpStatus status = e.conflict() ? HttpStatus.CONFLICT : HttpStatus.UNPROCESSABLE_ENTITY;
      Long deadLetterId =
          deadLetter
              ? writer.deadLetter(
                  DeadLetter.of(
                      null,
                      CHANNEL,
                      CHANNEL + ":" + studyId,
                      "application/json",
                      body,
                      e.code(),
                      e.getMessage(),
                      "Randomization",
                      null))
              : null;
      log.info(
          "event=randomization_refused study={} code={} deadLetter={}",
          studyId,
          e.code(),
          deadLetterId);
      ProblemDetail p = ProblemDetail.forStatusAndDetail(status, e.getMessage());
      p.setTitle(e.conflict() ? "Already randomized" : "Randomization not accepted");
      p.setProperty("code", e.code());
      if (deadLetterId != null) {
        p.setProperty("deadLetter", deadLetterId);
      }
      return ResponseEntity.status(status).body(p);
    }
  }

  private JsonNode parse(byte[] body) {
    try {
      JsonNode n = json.readTree(body);
      if (n == null || !n.isObject()) {
        throw new RandomizationRefused(
            false, "SR-EDC-7", "body: a JSON object {patient, arm, time} is required");
      }
      return n;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new RandomizationRefused(
          false, "SR-EDC-7", "body is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new RandomizationRefused(false, "SR-EDC-7", "body is not readable JSON");
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  private static Instant time(String text) {
    if (text == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw new RandomizationRefused(
          false,
          "SR-EDC-3",
          "time '" + text + "' is not an ISO instant with offset (2025-06-02T10:30:00Z)");
    }
  }
}
