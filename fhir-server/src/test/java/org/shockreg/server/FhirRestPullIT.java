package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Pulling from a real HAPI FHIR server (the test EHR) over HTTP into the registry on a real
 * PostgreSQL: first and incremental runs, transient faults, broken paging, admin endpoints. The
 * tests build on each other's EHR content, in order.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FhirRestPullIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-0123456789";
  static final String EHR_TOKEN = "ehr-secret-token-42";
  static final String SOURCE = "test-ehr";
  static final String RV = "https://fhir.shockreg.org/CodeSystem/registry-variable";
  static final TestEhr EHR = startEhr();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws IOException {
    registerServer(registry, newDataDir("it-pull-"));
    registerToken(registry, 0, TOKEN, "admin");
    String p = "shockreg.sources." + SOURCE + ".";
    registry.add(p + "type", () -> "fhir-rest");
    registry.add(p + "base-url", EHR::baseUrl);
    registry.add(p + "schedule", () -> "1h");
    registry.add(p + "resource-types", () -> "Patient,Observation,Procedure");
    registry.add(p + "page-size", () -> "2");
    registry.add(p + "timeout", () -> "2s");
    registry.add(p + "auth.type", () -> "bearer");
    registry.add(p + "auth.token", () -> EHR_TOKEN);
    // exact watermark assertions below; the default overlap is tested in PullOverlapIT
    registry.add(p + "overlap", () -> "0s");
    // a bulk source beside the REST one
    registry.add("shockreg.sources.later-bulk.type", () -> "fhir-bulk");
    registry.add("shockreg.sources.later-bulk.base-url", () -> "https://bulk.example.org/fhir");
    registry.add("shockreg.sources.later-bulk.schedule", () -> "0 0 2 * * *");
    // listed by /admin/sources, never run: its host does not exist
    registry.add("shockreg.sources.later-bulk.enabled", () -> "false");
  }

  static TestEhr startEhr() {
    return startEhr(EHR_TOKEN);
  }

  static TestEhr startEhr(String token) {
    try {
      return new TestEhr(token);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Autowired JdbcTemplate jdbc;
  final ObjectMapper json = new ObjectMapper();
  IGenericClient client;

  @BeforeAll
  void client() {
    client = fhirClient(TOKEN);
  }

  @AfterAll
  void stopEhr() throws Exception {
    EHR.close();
  }

  // --- EHR content --------------------------------------------------------------------------

  static Patient patient(String id, int birthYear) {
    Patient p = new Patient();
    p.setId(id);
    p.addIdentifier().setSystem("urn:oid:1.2.3.4.77").setValue("MRN-" + id);
    p.setGender(Enumerations.AdministrativeGender.FEMALE);
    p.setBirthDateElement(new org.hl7.fhir.r4.model.DateType(birthYear + "-03-04"));
    return p;
  }

  static Observation heartRate(String id, String patient, int minute, int bpm) {
    Observation o = new Observation();
    o.setId(id);
    o.setStatus(Observation.ObservationStatus.FINAL);
    o.setCode(new CodeableConcept(new Coding("http://loinc.org", "8867-4", "Heart rate")));
    o.setSubject(new Reference("Patient/" + patient));
    o.setEffective(new DateTimeType(String.format("2025-06-01T08:%02d:00Z", minute)));
    o.setValue(
        new Quantity()
            .setValue(bpm)
            .setUnit("/min")
            .setSystem("http://unitsofmeasure.org")
            .setCode("/min"));
    return o;
  }

  static Observation lactate(String id, String patient, double mgPerDl) {
    Observation o = new Observation();
    o.setId(id);
    o.setStatus(Observation.ObservationStatus.FINAL);
    o.setCode(new CodeableConcept(new Coding("http://loinc.org", "14118-4", "Lactate")));
    o.setSubject(new Reference("Patient/" + patient));
    o.setEffective(new DateTimeType("2025-06-01T09:00:00Z"));
    o.setValue(
        new Quantity()
            .setValue(mgPerDl)
            .setUnit("mg/dL")
            .setSystem("http://unitsofmeasure.org")
            .setCode("mg/dL"));
    return o;
  }

  static Procedure iabp(String id, String patient) {
    Procedure p = new Procedure();
    p.setId(id);
    p.setStatus(Procedure.ProcedureStatus.COMPLETED);
    p.setCode(new CodeableConcept(new Coding("http://www.ama-assn.org/go/cpt", "33967", null)));
    p.setSubject(new Reference("Patient/" + patient));
    p.setPerformed(new Period().setStartElement(new DateTimeType("2025-06-01T10:00:00Z")));
    return p;
  }

  // --- helpers ----------------------------------------------------------------------------------

  /** An admin call without a body (GET, or POST to start something). */
  HttpResponse<String> admin(String method, String path) throws Exception {
    return send(method, path, TOKEN, null, null);
  }

  JsonNode sourceStatus() throws Exception {
    HttpResponse<String> res = admin("GET", "/admin/sources");
    assertThat(res.statusCode()).isEqualTo(200);
    for (JsonNode s : json.readTree(res.body())) {
      if (SOURCE.equals(s.path("id").asText())) {
        return s;
      }
    }
    throw new AssertionError("no source " + SOURCE + " in " + res.body());
  }

  long lastRunId() throws Exception {
    return sourceStatus().path("lastRun").path("runId").asLong(0);
  }

  /** POST .../run (202), then waits, via GET /admin/sources, until that run has finished. */
  JsonNode runAndWait() throws Exception {
    long before = lastRunId();
    HttpResponse<String> res = admin("POST", "/admin/sources/" + SOURCE + "/run");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
    return awaitRunAfter(before);
  }

  JsonNode awaitRunAfter(long before) {
    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              JsonNode s = sourceStatus();
              last[0] = s;
              return s.path("lastRun").path("runId").asLong(0) > before
                  && !"running".equals(s.path("state").asText())
                  && !s.path("lastRun").path("finished").isNull()
                  && !s.path("lastRun").path("finished").isMissingNode();
            });
    return last[0];
  }

  int measurements() {
    return jdbc.queryForObject(
        "SELECT count(*) FROM measurement WHERE site_id = ?", Integer.class, SOURCE);
  }

  Instant watermark(String type) {
    return jdbc.queryForObject(
            "SELECT watermark FROM sync_watermark WHERE source_id = ? AND resource_type = ?",
            Timestamp.class,
            SOURCE,
            type)
        .toInstant();
  }

  List<Map<String, Object>> deadLetters(String reasonCode) {
    return jdbc.queryForList(
        "SELECT channel, origin, reason, convert_from(payload, 'UTF8') AS payload FROM dead_letter"
            + " WHERE site_id = ? AND reason_code = ?",
        SOURCE,
        reasonCode);
  }

  // --- tests ------------------------------------------------------------------------------------

  @Test
  @Order(1)
  void firstRun_pullsEveryPageOfEveryType_andTheDataIsCurated() throws Exception {
    // one lastUpdated for all three, across the boundary of the first page (page size 2)
    Instant patients = EHR.put(patient("p-1", 1960), patient("p-2", 1971), patient("p-3", 1982));
    EHR.put(heartRate("hr-1", "p-1", 1, 110));
    EHR.put(heartRate("hr-2", "p-1", 2, 112));
    EHR.put(lactate("lac-1", "p-1", 45));
    EHR.put(heartRate("hr-3", "p-2", 3, 80));
    Instant lastObs = EHR.put(heartRate("hr-4", "p-3", 4, 70));
    EHR.put(iabp("iabp-1", "p-1"));

    JsonNode s = runAndWait();

    JsonNode run = s.path("lastRun");
    assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("succeeded");
    assertThat(run.path("resources").asLong()).isEqualTo(3 + 5 + 1);
    assertThat(run.path("pages").asLong()).isEqualTo(2 + 3 + 1);
    assertThat(EHR.searches("Patient").get(0))
        .doesNotContain("_lastUpdated=")
        .contains("_count=2", "_sort=_lastUpdated");
    assertThat(EHR.requests).anyMatch(r -> r.contains("_getpages"));
    assertThat(watermark("Observation")).isEqualTo(lastObs);
    assertThat(watermark("Patient")).isEqualTo(patients);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM patient WHERE site_id = ?", Integer.class, SOURCE))
        .isEqualTo(3);
    assertThat(measurements()).isEqualTo(5);

    Bundle lactates =
        client
            .search()
            .forResource(Observation.class)
            .where(Observation.CODE.exactly().systemAndCode(RV, "lactate"))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(lactates.getEntry()).hasSize(1);
    Observation lac = (Observation) lactates.getEntryFirstRep().getResource();
    assertThat(lac.getValueQuantity().getValue()).isEqualByComparingTo("4.9956");
    assertThat(lac.getValueQuantity().getCode()).isEqualTo("mmol/L");
  }

  @Test
  @Order(2)
  void secondRun_asksOnlyForWhatChanged_andUpdatesFactsWithoutDuplicates() throws Exception {
    Instant observationWatermark = watermark("Observation");
    int requestsBefore = EHR.requests.size();
    EHR.put(heartRate("hr-2", "p-1", 2, 95)); // a new version
    EHR.put(heartRate("hr-5", "p-2", 5, 99)); // new

    JsonNode run = runAndWait().path("lastRun");

    assertThat(run.path("state").asText()).isEqualTo("succeeded");
    assertThat(run.path("resources").asLong()).isEqualTo(2);
    List<String> asked = EHR.requests.subList(requestsBefore, EHR.requests.size());
    assertThat(asked)
        .anyMatch(
            r ->
                r.startsWith("/fhir/Observation?")
                    && r.contains("_lastUpdated=gt" + observationWatermark));
    assertThat(asked)
        .filteredOn(r -> r.startsWith("/fhir/Patient?"))
        .allMatch(r -> r.contains("_lastUpdated=gt"));
    assertThat(measurements()).isEqualTo(6);
    assertThat(
            jdbc.queryForList(
                "SELECT value FROM measurement WHERE site_id = ? AND value IN (95, 112)",
                BigDecimal.class,
                SOURCE))
        .extracting(BigDecimal::intValue)
        .containsExactly(95);
  }

  @Test
  @Order(3)
  void transientFaults_areRetried_andNothingIsLost() throws Exception {
    EHR.put(heartRate("hr-6", "p-3", 6, 101));
    EHR.failNext(2, 503);
    JsonNode run = runAndWait().path("lastRun");
    assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("succeeded");
    assertThat(run.path("resources").asLong()).isEqualTo(1);

    EHR.put(heartRate("hr-7", "p-3", 7, 102));
    EHR.failNext(1, 429); // Retry-After: 1
    EHR.slowNext(1, Duration.ofSeconds(3)); // the retry then times out (timeout 2s) and is retried
    run = runAndWait().path("lastRun");
    assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("succeeded");
    assertThat(run.path("resources").asLong()).isEqualTo(1);
    assertThat(measurements()).isEqualTo(8);
  }

  @Test
  @Order(4)
  void unreachableSource_failsTheRun_keepsTheWatermark_andTheNextRunCatchesUp() throws Exception {
    Instant before = watermark("Observation");
    EHR.put(heartRate("hr-8", "p-1", 8, 103));
    EHR.failNext(5, 503); // every attempt of the first request
    JsonNode s = runAndWait();
    JsonNode run = s.path("lastRun");
    assertThat(run.path("state").asText()).isEqualTo("failed");
    assertThat(run.path("lastError").asText()).contains("503");
    assertThat(s.path("consecutiveFailures").asInt()).isEqualTo(1);
    assertThat(watermark("Observation")).isEqualTo(before);

    EHR.clearFaults();
    run = runAndWait().path("lastRun");
    assertThat(run.path("state").asText()).isEqualTo("succeeded");
    assertThat(measurements()).isEqualTo(9);
    assertThat(sourceStatus().path("consecutiveFailures").asInt()).isZero();
  }

  @Test
  @Order(5)
  void brokenNextLink_isPartial_deadLettered_andALaterRunCompletesWithoutGapsOrDuplicates()
      throws Exception {
    EHR.put(heartRate("hr-9", "p-1", 9, 104));
    EHR.put(heartRate("hr-10", "p-2", 10, 105));
    Instant third = EHR.put(heartRate("hr-11", "p-3", 11, 106));
    EHR.breakNextLinks(1);

    JsonNode run = runAndWait().path("lastRun");

    assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("partial");
    assertThat(run.path("errors").asLong()).isEqualTo(1);
    assertThat(run.path("lastError").asText()).contains("410");
    List<Map<String, Object>> dead = deadLetters("pull-page-http-410");
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).get("channel")).isEqualTo("pull");
    assertThat((String) dead.get(0).get("origin")).contains("_getpages");
    assertThat(watermark("Observation")).isBefore(third);
    assertThat(measurements()).isEqualTo(11); // the first page (hr-9, hr-10) is in

    EHR.clearFaults();
    run = runAndWait().path("lastRun");
    assertThat(run.path("state").asText()).isEqualTo("succeeded");
    assertThat(watermark("Observation")).isEqualTo(third);
    assertThat(measurements()).isEqualTo(12);
  }

  @Test
  @Order(6)
  void malformedPage_isPartial_deadLetteredWithItsBody_andALaterRunCompletes() throws Exception {
    EHR.put(heartRate("hr-12", "p-1", 12, 107));
    EHR.put(heartRate("hr-13", "p-2", 13, 108));
    Instant third = EHR.put(heartRate("hr-14", "p-3", 14, 109));
    EHR.malformedNextPages(1);

    JsonNode run = runAndWait().path("lastRun");

    assertThat(run.path("state").asText()).isEqualTo("partial");
    List<Map<String, Object>> dead = deadLetters("pull-page-not-json");
    assertThat(dead).hasSize(1);
    assertThat((String) dead.get(0).get("payload")).startsWith("{\"resourceType\":\"Bundle\"");
    assertThat(watermark("Observation")).isBefore(third);

    EHR.clearFaults();
    run = runAndWait().path("lastRun");
    assertThat(run.path("state").asText()).isEqualTo("succeeded");
    assertThat(watermark("Observation")).isEqualTo(third);
    assertThat(measurements()).isEqualTo(15);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM source_resource_head WHERE site_id = ? AND resource_type = 'Observation'",
                Integer.class,
                SOURCE))
        .isEqualTo(15);
  }

  @Test
  @Order(7)
  void adminSources_showsStateCountsAndWatermarks_andRunAnswers404And409() throws Exception {
    JsonNode s = sourceStatus();
    assertThat(s.path("type").asText()).isEqualTo("fhir-rest");
    assertThat(s.path("enabled").asBoolean()).isTrue();
    assertThat(s.path("baseUrl").asText()).isEqualTo(EHR.baseUrl());
    assertThat(s.path("schedule").asText()).isEqualTo("1h");
    assertThat(s.path("state").asText()).isEqualTo("idle");
    assertThat(s.path("watermarks").has("Patient")).isTrue();
    assertThat(s.path("watermarks").has("Observation")).isTrue();
    assertThat(s.path("watermarks").has("Procedure")).isTrue();
    assertThat(s.path("lastRun").path("state").asText()).isEqualTo("succeeded");

    JsonNode all = json.readTree(admin("GET", "/admin/sources").body());
    assertThat(all.findValuesAsText("id")).contains("later-bulk");

    HttpResponse<String> unknown = admin("POST", "/admin/sources/nope/run");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.headers().firstValue("Content-Type").orElse("")).contains("problem+json");

    long before = lastRunId();
    EHR.slowNext(1, Duration.ofMillis(1500));
    assertThat(admin("POST", "/admin/sources/" + SOURCE + "/run").statusCode()).isEqualTo(202);
    HttpResponse<String> again = admin("POST", "/admin/sources/" + SOURCE + "/run");
    assertThat(again.statusCode()).isEqualTo(409);
    JsonNode done = awaitRunAfter(before);
    assertThat(done.path("lastRun").path("state").asText()).isEqualTo("succeeded");
    assertThat(done.path("lastRun").path("resources").asLong()).isZero();
  }

  @Test
  @Order(8)
  void aResourceTheRulesReject_isDeadLettered_andTheRestOfItsPageIsCurated() throws Exception {
    int before = measurements();
    Observation bad = heartRate("hr-bad", "p-1", 20, 99);
    bad.setValue(new Quantity().setValue(99).setUnit("furlongs"));
    EHR.put(bad, heartRate("hr-good", "p-2", 21, 98));

    JsonNode run = runAndWait().path("lastRun");

    assertThat(run.path("state").asText()).isEqualTo("succeeded");
    assertThat(measurements()).isEqualTo(before + 1);
    List<Map<String, Object>> dead =
        jdbc.queryForList(
            "SELECT channel, reason_code, convert_from(payload, 'UTF8') AS payload FROM dead_letter"
                + " WHERE site_id = ? AND resource_id = 'hr-bad'",
            SOURCE);
    assertThat(dead)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.get("channel")).isEqualTo("pull");
              assertThat(d.get("reason_code")).isEqualTo("unknown-unit");
              assertThat((String) d.get("payload")).contains("furlongs");
            });
  }
}
