package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
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
 * A {@code fhir-bulk} source against a Bulk Data export server (the test bulk EHR) over HTTP into
 * the registry on a real PostgreSQL: first and incremental ({@code _since}) exports, status
 * polling, token-protected files, job clean-up, error files, resuming a recorded job. In order.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.extension.ExtendWith(
    org.springframework.boot.test.system.OutputCaptureExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FhirBulkPullIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-bulk-0123456789";
  static final String EHR_TOKEN = "bulk-ehr-secret-7";
  static final String SOURCE = "bulk-ehr";
  static final String RV = "https://fhir.shockreg.org/CodeSystem/registry-variable";
  static final TestBulkEhr EHR = startEhr();
  static Path dataDir;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws IOException {
    dataDir = newDataDir("it-bulk-");
    registerServer(registry, dataDir);
    registerToken(registry, 0, TOKEN, "admin");
    String p = "shockreg.sources." + SOURCE + ".";
    registry.add(p + "type", () -> "fhir-bulk");
    registry.add(p + "base-url", EHR::baseUrl);
    registry.add(p + "schedule", () -> "1h");
    registry.add(p + "resource-types", () -> "Patient,Observation");
    registry.add(p + "timeout", () -> "5s");
    registry.add(p + "auth.type", () -> "bearer");
    registry.add(p + "auth.token", () -> EHR_TOKEN);
  }

  static TestBulkEhr startEhr() {
    try {
      return new TestBulkEhr(EHR_TOKEN, 2);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Autowired JdbcTemplate jdbc;
  final ObjectMapper json = new ObjectMapper();
  IGenericClient client;
  static Instant firstTransactionTime;

  @BeforeAll
  void client() {
    client = fhirClient(TOKEN);
  }

  @AfterAll
  void stopEhr() throws Exception {
    EHR.close();
  }

  static Patient patient(String id, int birthYear) {
    Patient p = new Patient();
    p.setId(id);
    p.addIdentifier().setSystem("urn:oid:1.2.3.4.78").setValue("MRN-" + id);
    p.setGender(Enumerations.AdministrativeGender.MALE);
    p.setBirthDateElement(new org.hl7.fhir.r4.model.DateType(birthYear + "-05-06"));
    return p;
  }

  static Observation heartRate(String id, String patient, int minute, int bpm) {
    Observation o = new Observation();
    o.setId(id);
    o.setStatus(Observation.ObservationStatus.FINAL);
    o.setCode(new CodeableConcept(new Coding("http://loinc.org", "8867-4", "Heart rate")));
    o.setSubject(new Reference("Patient/" + patient));
    o.setEffective(new DateTimeType(String.format("2025-07-01T08:%02d:00Z", minute)));
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
    o.setEffective(new DateTimeType("2025-07-01T09:00:00Z"));
    o.setValue(
        new Quantity()
            .setValue(mgPerDl)
            .setUnit("mg/dL")
            .setSystem("http://unitsofmeasure.org")
            .setCode("mg/dL"));
    return o;
  }

  /** An admin call without a body (GET, or POST to start something). */
  HttpResponse<String> admin(String method, String path) throws Exception {
    return send(method, path, TOKEN, null, null);
  }

  JsonNode sourceStatus() throws Exception {
    HttpResponse<String> res = admin("GET", "/admin/sources/" + SOURCE);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return json.readTree(res.body());
  }

  JsonNode runAndWait() throws Exception {
    long before = sourceStatus().path("lastRun").path("runId").asLong(0);
    HttpResponse<String> res = admin("POST", "/admin/sources/" + SOURCE + "/run");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              JsonNode s = sourceStatus();
              last[0] = s;
              JsonNode finished = s.path("lastRun").path("finished");
              return s.path("lastRun").path("runId").asLong(0) > before
                  && !"running".equals(s.path("state").asText())
                  && !finished.isNull()
                  && !finished.isMissingNode();
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

  int openJobs() {
    return jdbc.queryForObject(
        "SELECT count(*) FROM bulk_job WHERE source_id = ?", Integer.class, SOURCE);
  }

  long filesLeft() throws IOException {
    Path dir = dataDir.resolve("bulk").resolve(SOURCE);
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

  @Test
  @Order(1)
  void firstRun_exportsPatientsAndObservations_andTheyAreCurated(
      org.springframework.boot.test.system.CapturedOutput output) throws Exception {
    EHR.put(patient("bp-1", 1955), patient("bp-2", 1966));
    EHR.put(heartRate("bhr-1", "bp-1", 1, 120), heartRate("bhr-2", "bp-2", 2, 90));
    firstTransactionTime = EHR.put(lactate("blac-1", "bp-1", 54));

    JsonNode s = runAndWait();

    JsonNode run = s.path("lastRun");
    assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("succeeded");
    assertThat(run.path("resources").asLong()).isEqualTo(5);
    assertThat(s.path("type").asText()).isEqualTo("fhir-bulk");

    assertThat(EHR.kickoffs).hasSize(1);
    TestBulkEhr.Kickoff k = EHR.kickoffs.get(0);
    assertThat(k.path()).isEqualTo("/$export");
    assertThat(k.prefer()).isEqualTo("respond-async");
    assertThat(k.accept()).isEqualTo("application/fhir+json");
    assertThat(k.params())
        .containsEntry("_type", "Patient,Observation")
        .containsEntry("_outputFormat", "application/fhir+ndjson")
        .doesNotContainKey("_since");
    assertThat(EHR.statusPolls).hasSize(3); // 202, 202 (Retry-After: 1), then the manifest
    assertThat(EHR.deleted).containsExactly("job-1");
    assertThat(EHR.fileRequests).hasSize(2).allMatch(r -> r.endsWith(" authorized"));
    assertThat(openJobs()).isZero();
    assertThat(filesLeft()).isZero();

    // file URLs may be pre-signed: logged as host and path only
    assertThat(output.getOut())
        .contains("event=bulk_file_ingested")
        .doesNotContain("presigned-secret");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM dead_letter WHERE origin LIKE '%presigned-secret%'",
                Integer.class))
        .isZero();
    assertThat(watermark("Patient")).isEqualTo(firstTransactionTime);
    assertThat(watermark("Observation")).isEqualTo(firstTransactionTime);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM patient WHERE site_id = ?", Integer.class, SOURCE))
        .isEqualTo(2);
    assertThat(measurements()).isEqualTo(3);
    Bundle lactates =
        client
            .search()
            .forResource(Observation.class)
            .where(Observation.CODE.exactly().systemAndCode(RV, "lactate"))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(lactates.getEntry()).hasSize(1);
    assertThat(
            ((Observation) lactates.getEntryFirstRep().getResource()).getValueQuantity().getCode())
        .isEqualTo("mmol/L");
  }

  @Test
  @Order(2)
  void filesNeedTheToken() throws Exception {
    HttpResponse<String> res = get(EHR.baseUrl() + "/files/job-1/Patient.ndjson", null);
    assertThat(res.statusCode()).isEqualTo(401);
  }

  @Test
  @Order(3)
  void secondRun_asksSinceTheLastTransactionTime_andOnlyNewDataArrives() throws Exception {
    EHR.put(heartRate("bhr-3", "bp-2", 3, 99));

    JsonNode run = runAndWait().path("lastRun");

    assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("succeeded");
    assertThat(run.path("resources").asLong()).isEqualTo(1);
    assertThat(EHR.kickoffs).hasSize(2);
    assertThat(EHR.kickoffs.get(1).params())
        .containsEntry("_since", firstTransactionTime.toString());
    assertThat(EHR.deleted).containsExactly("job-1", "job-2");
    assertThat(measurements()).isEqualTo(4);
  }

  @Test
  @Order(4)
  void anErrorFile_landsInTheDeadLetters_andTheRunIsPartial() throws Exception {
    EHR.put(heartRate("bhr-4", "bp-1", 4, 101));
    EHR.errorInNextExport(
        "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"processing\","
            + "\"diagnostics\":\"Observation/bad-1 could not be exported\"}]}");

    JsonNode run = runAndWait().path("lastRun");

    assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("partial");
    assertThat(run.path("errors").asLong()).isEqualTo(1);
    List<Map<String, Object>> dead =
        jdbc.queryForList(
            "SELECT channel, origin, convert_from(payload, 'UTF8') AS payload FROM dead_letter"
                + " WHERE site_id = ? AND reason_code = 'bulk-export-error'",
            SOURCE);
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).get("channel")).isEqualTo("pull");
    assertThat((String) dead.get(0).get("payload"))
        .contains("Observation/bad-1 could not be exported");
    assertThat(measurements()).isEqualTo(5);
    assertThat(openJobs()).isZero();
    assertThat(filesLeft()).isZero();
  }

  @Test
  @Order(5)
  void aRecordedJob_isResumed_notKickedOffAgain() throws Exception {
    EHR.put(heartRate("bhr-5", "bp-2", 5, 77));
    // a job kicked off before a "restart": only its status URL is left, in bulk_job
    HttpResponse<String> kick =
        get(
            EHR.baseUrl() + "/$export?_type=Patient,Observation&_since=" + watermark("Observation"),
            EHR_TOKEN,
            "Prefer",
            "respond-async");
    assertThat(kick.statusCode()).isEqualTo(202);
    String status = kick.headers().firstValue("Content-Location").orElseThrow();
    jdbc.update(
        "INSERT INTO bulk_job (source_id, status_url, kickoff_url) VALUES (?, ?, ?)",
        SOURCE,
        status,
        EHR.baseUrl() + "/$export");
    int kickoffs = EHR.kickoffs.size();

    JsonNode run = runAndWait().path("lastRun");

    assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("succeeded");
    assertThat(run.path("resources").asLong()).isEqualTo(1);
    assertThat(EHR.kickoffs).hasSize(kickoffs);
    assertThat(EHR.hasJob(status)).isFalse();
    assertThat(openJobs()).isZero();
    assertThat(measurements()).isEqualTo(6);
  }
}
