package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Bundle entries with {@code request.method = DELETE} over real HTTP on a real PostgreSQL: they
 * retract the facts of the source resource, are kept in the raw store and counted as {@code
 * deleted}, follow the version rule, leave tombstones; a conditional delete is rejected; a Patient
 * delete is recorded and skipped, its clinical facts stay. Every test uses a site of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BundleDeleteIT extends IntegrationTestSupport {

  static final String TOKEN = "it-delete-admin-0123456789";
  static final String RV = "https://fhir.shockreg.org/CodeSystem/registry-variable";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, newDataDir("it-versions-"));
    registerToken(registry, 0, TOKEN, "admin");
    registry.add("shockreg.mllp.port", () -> "-1");
    registry.add("shockreg.bulk-export.retry-after", () -> "1s");
  }

  @Autowired JdbcTemplate jdbc;
  IGenericClient client;

  @BeforeAll
  void client() {
    client = fhirClient(TOKEN);
  }

  @Test
  void aDeleteEntry_retractsTheFacts_keepsARawRow_countsDeleted_andLeavesATombstone()
      throws Exception {
    String site = "delete-a";
    post(site, bundle("transaction", entry(lvef("1", "20")), entry(patient())));
    String observationId =
        jdbc.queryForObject(
            "SELECT observation_id FROM measurement WHERE site_id = ? AND source_id = 'lvef-1'",
            String.class,
            site);
    assertThat(curatedLvef(site)).hasSize(1);
    String since =
        jdbc.queryForObject(
            "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
            String.class);

    Parameters answer = post(site, bundle("transaction", delete("Observation/lvef-1", null, null)));
    assertThat(countOrAbsent(answer, "deleted")).isEqualTo(1);
    assertThat(countOrAbsent(answer, "received")).isEqualTo(1);
    assertThat(curatedLvef(site)).isEmpty();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM raw_resource WHERE site_id = ? AND resource_id = 'lvef-1'",
                Integer.class,
                site))
        .isEqualTo(2);
    assertThat(
            jdbc.queryForObject(
                "SELECT outcome FROM source_resource_head WHERE site_id = ? AND resource_id = 'lvef-1'",
                String.class,
                site))
        .isEqualTo("deleted");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM curated_deletion WHERE resource_type = 'Observation' AND resource_id = ?",
                Integer.class,
                observationId))
        .isEqualTo(1);
    // and Bulk export with _since lists it in its deleted files
    assertThat(sinceExportDeletions(since)).contains("Observation/" + observationId);
    // the same delete again changes nothing
    Parameters again = post(site, bundle("transaction", delete("Observation/lvef-1", null, null)));
    assertThat(countOrAbsent(again, "unchanged")).isEqualTo(1);
    assertThat(countOrAbsent(again, "deleted")).isZero();
  }

  @Test
  void aHistoryBundle_newestFirst_endingInADelete_curatesNothing_andAnAbsoluteUrlWorks()
      throws Exception {
    String site = "delete-b";
    post(site, bundle("batch", entry(patient())));
    Parameters answer =
        post(
            site,
            bundle(
                "history",
                delete(
                    "https://ehr.example/fhir/Observation/lvef-1/_history/3",
                    "W/\"3\"",
                    "2025-04-03T08:00:00Z"),
                entry(lvef("2", "30")),
                entry(lvef("1", "20"))));
    assertThat(countOrAbsent(answer, "deleted")).isEqualTo(1);
    assertThat(countOrAbsent(answer, "skipped")).isEqualTo(2);
    assertThat(curatedLvef(site)).isEmpty();
  }

  @Test
  void anOlderDelete_doesNotRetractANewerVersion_andANewerVersionAfterADeleteCuratesAgain()
      throws Exception {
    String site = "delete-c";
    post(site, bundle("batch", entry(patient()), entry(lvef("3", "33"))));
    Parameters late =
        post(site, bundle("history", delete("Observation/lvef-1/_history/2", null, null)));
    assertThat(countOrAbsent(late, "skipped")).isEqualTo(1);
    assertThat(countOrAbsent(late, "deleted")).isZero();
    assertThat(curatedLvef(site)).containsExactly(new BigDecimal("33"));

    post(site, bundle("history", delete("Observation/lvef-1/_history/4", null, null)));
    assertThat(curatedLvef(site)).isEmpty();
    // a version older than the delete stays out, a newer one curates again
    Parameters old = post(site, bundle("batch", entry(lvef("3", "33"))));
    assertThat(countOrAbsent(old, "skipped")).isEqualTo(1);
    assertThat(curatedLvef(site)).isEmpty();
    post(site, bundle("batch", entry(lvef("5", "35"))));
    assertThat(curatedLvef(site)).containsExactly(new BigDecimal("35"));
  }

  @Test
  void aConditionalDelete_isRejectedToTheDeadLetterStore() throws Exception {
    String site = "delete-d";
    Parameters answer =
        post(site, bundle("transaction", delete("Observation?identifier=urn:lab|123", null, null)));
    assertThat(countOrAbsent(answer, "rejected")).isEqualTo(1);
    ParametersParameterComponent issue =
        answer.getParameter().stream()
            .filter(p -> p.getName().equals("issue"))
            .findFirst()
            .orElseThrow();
    assertThat(part(issue, "code")).isEqualTo("conditional-delete");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM dead_letter WHERE site_id = ? AND reason_code = 'conditional-delete'",
                Integer.class,
                site))
        .isEqualTo(1);
  }

  @Test
  void aPatientDelete_isRecordedAndSkipped_itsClinicalFactsStay() throws Exception {
    String site = "delete-e";
    post(site, bundle("transaction", entry(patient()), entry(lvef("1", "20"))));
    String pid =
        jdbc.queryForObject("SELECT patient_id FROM patient WHERE site_id = ?", String.class, site);
    Parameters answer = post(site, bundle("transaction", delete("Patient/p-1", null, null)));
    assertThat(countOrAbsent(answer, "skipped")).isEqualTo(1);
    ParametersParameterComponent skip =
        answer.getParameter().stream()
            .filter(p -> p.getName().equals("skip"))
            .findFirst()
            .orElseThrow();
    assertThat(part(skip, "code")).isEqualTo("patient-delete");
    assertThat(client.read().resource(Patient.class).withId(pid).execute().getGender().toCode())
        .isEqualTo("female");
    assertThat(curatedLvef(site)).hasSize(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM raw_resource WHERE site_id = ? AND resource_type = 'Patient'",
                Integer.class,
                site))
        .isEqualTo(2);
  }

  // ---- fixtures -------------------------------------------------------------------------------

  /** The DELETE urls of a Bulk export's deleted files ({@code _type=Observation&_since=}). */
  List<String> sinceExportDeletions(String since) throws Exception {
    HttpResponse<String> kick =
        get(
            "/fhir/$export?_type=Observation&_since="
                + java.net.URLEncoder.encode(since, StandardCharsets.UTF_8),
            TOKEN,
            "Prefer",
            "respond-async",
            "Accept",
            "application/fhir+json");
    assertThat(kick.statusCode()).as(kick.body()).isEqualTo(202);
    String status = kick.headers().firstValue("Content-Location").orElseThrow();
    HttpResponse<String> done =
        org.awaitility.Awaitility.await("export still running")
            .atMost(java.time.Duration.ofSeconds(30))
            .pollInterval(java.time.Duration.ofMillis(200))
            .until(() -> get(status), r -> r.statusCode() != 202);
    assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
    List<String> urls = new ArrayList<>();
    for (var d :
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(done.body())
            .withArray("deleted")) {
      for (String line : get(d.get("url").asText()).body().split("\n")) {
        if (!line.isBlank()) {
          for (Bundle.BundleEntryComponent e :
              fhir.newJsonParser().parseResource(Bundle.class, line).getEntry()) {
            urls.add(e.getRequest().getUrl());
          }
        }
      }
    }
    return urls;
  }

  HttpResponse<String> get(String url) throws Exception {
    return get(url, TOKEN);
  }

  static String patient() {
    return "{\"resourceType\":\"Patient\",\"id\":\"p-1\",\"gender\":\"female\",\"birthDate\":\"1955-01-01\"}";
  }

  static String lvef(String versionId, String value) {
    return "{\"resourceType\":\"Observation\",\"id\":\"lvef-1\",\"meta\":{\"versionId\":\""
        + versionId
        + "\"},"
        + "\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"10230-1\"}]},"
        + "\"subject\":{\"reference\":\"Patient/p-1\"},\"effectiveDateTime\":\"2025-04-01T08:00:00Z\","
        + "\"valueQuantity\":{\"value\":"
        + value
        + ",\"unit\":\"%\"}}";
  }

  static String entry(String resource) {
    return "{\"resource\":" + resource + ",\"request\":{\"method\":\"PUT\",\"url\":\"x\"}}";
  }

  static String delete(String url, String etag, String lastModified) {
    List<String> response = new ArrayList<>();
    response.add("\"status\":\"204\"");
    if (etag != null) {
      response.add("\"etag\":\"" + etag.replace("\"", "\\\"") + "\"");
    }
    if (lastModified != null) {
      response.add("\"lastModified\":\"" + lastModified + "\"");
    }
    return "{\"request\":{\"method\":\"DELETE\",\"url\":\""
        + url
        + "\"},\"response\":{"
        + String.join(",", response)
        + "}}";
  }

  static String bundle(String type, String... entries) {
    return "{\"resourceType\":\"Bundle\",\"type\":\""
        + type
        + "\",\"entry\":["
        + String.join(",", entries)
        + "]}";
  }

  List<BigDecimal> curatedLvef(String site) {
    List<BigDecimal> values = new ArrayList<>();
    for (String patient :
        jdbc.queryForList("SELECT patient_id FROM patient WHERE site_id = ?", String.class, site)) {
      Bundle found =
          client
              .search()
              .forResource(Observation.class)
              .where(Observation.SUBJECT.hasId("Patient/" + patient))
              .and(Observation.CODE.exactly().systemAndCode(RV, "lvef"))
              .returnBundle(Bundle.class)
              .execute();
      for (Bundle.BundleEntryComponent e : found.getEntry()) {
        values.add(
            ((Observation) e.getResource()).getValueQuantity().getValue().stripTrailingZeros());
      }
    }
    return values;
  }

  /** A count of the intake's answer, -1 when it does not report it at all. */
  static int countOrAbsent(Parameters p, String name) {
    ParametersParameterComponent c = p.getParameter(name);
    return c == null ? -1 : ((IntegerType) c.getValue()).getValue();
  }

  static String part(ParametersParameterComponent p, String name) {
    return p.getPart().stream()
        .filter(x -> x.getName().equals(name))
        .findFirst()
        .orElseThrow()
        .getValue()
        .primitiveValue();
  }

  Parameters post(String site, String body) throws Exception {
    HttpResponse<String> res = post("/ingest/" + site, "application/fhir+json", body, TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return parameters(res);
  }
}
