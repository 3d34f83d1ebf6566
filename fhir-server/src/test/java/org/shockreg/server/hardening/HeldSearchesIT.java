package org.shockreg.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.server.IntegrationTestSupport;
import org.shockreg.server.fhir.KeysetPagingProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Held searches (next links that survive a restart) keep request parameters, never SQL, and a held
 * row is only ever re-run through the normal parameter parsing: a row edited to smuggle SQL in is a
 * parameter value like any other, an unknown parameter is refused as on a new request.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeldSearchesIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-held-0123456789ab";
  static final String OTHER = "it-other-admin-held-0123456789ab";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, newDataDir("it-held-"));
    registerToken(registry, 0, TOKEN, "admin");
    registerToken(registry, 1, OTHER, "admin");
  }

  @Autowired JdbcTemplate jdbc;
  @Autowired KeysetPagingProvider paging;

  @BeforeAll
  void patients() throws Exception {
    StringBuilder ndjson = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      ndjson
          .append("{\"resourceType\":\"Patient\",\"id\":\"held-")
          .append(i)
          .append("\",\"gender\":\"male\",\"birthDate\":\"19")
          .append(50 + i)
          .append("-01-01\"}\n");
      ndjson
          .append("{\"resourceType\":\"Observation\",\"id\":\"held-lvef-")
          .append(i)
          .append(
              "\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"10230-1\"}]},")
          .append("\"subject\":{\"reference\":\"Patient/held-")
          .append(i)
          .append(
              "\"},\"effectiveDateTime\":\"2025-04-01T08:00:00Z\",\"valueQuantity\":{\"value\":25,\"unit\":\"%\"}}\n");
    }
    HttpResponse<String> res = post("/ingest/held-site", NDJSON, ndjson.toString(), TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
  }

  HttpResponse<String> get(String url) throws Exception {
    return get(url, TOKEN);
  }

  Bundle bundle(String url) throws Exception {
    HttpResponse<String> res = get(url);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return fhir.newJsonParser().parseResource(Bundle.class, res.body());
  }

  static List<String> ids(Bundle b) {
    List<String> ids = new ArrayList<>();
    b.getEntry().forEach(e -> ids.add(e.getResource().getIdElement().getIdPart()));
    return ids;
  }

  static String searchId(Bundle page) {
    return page.getLink("next").getUrl().replaceAll(".*_getpages=([^&]+).*", "$1");
  }

  @Test
  void aNextLinkWorksOnlyForTheCallerWhoSearched_inMemoryAndFromTheDatabase() throws Exception {
    String base = "http://localhost:" + port + "/fhir/";
    Bundle first = bundle(base + "Patient?gender=male&_sort=birthdate&_count=1");
    String next = first.getLink("next").getUrl();
    assertThat(get(next, OTHER).statusCode()).isEqualTo(410);
    paging.forgetInMemory();
    assertThat(get(next, OTHER).statusCode()).isEqualTo(410);
    assertThat(
            jdbc.queryForObject(
                "SELECT principal FROM fhir_search WHERE search_id = ?",
                String.class,
                searchId(first)))
        .isEqualTo("token:token-0");
    assertThat(get(next).statusCode()).isEqualTo(200);
    assertThat(get(next, OTHER).statusCode())
        .isEqualTo(410); // held again in memory: still the first caller's
  }

  @Test
  void heldRowHasParametersOnly_andAFollowedLinkReRunsThem() throws Exception {
    String base = "http://localhost:" + port + "/fhir/";
    Bundle first = bundle(base + "Patient?gender=male&_sort=birthdate&_count=1&_total=accurate");
    String id = searchId(first);
    Map<String, Object> row =
        jdbc.queryForMap(
            "SELECT resource_type, operation, instance_id, parameters::text AS parameters, row_to_json(f)::text AS whole"
                + " FROM fhir_search f WHERE search_id = ?",
            id);
    assertThat(row.get("resource_type")).isEqualTo("Patient");
    assertThat(row.get("operation")).isNull();
    assertThat((String) row.get("parameters"))
        .contains("\"gender\": [\"male\"]")
        .contains("\"_sort\": [\"birthdate\"]")
        .doesNotContain("_total");
    // nothing of the compiled SQL: no clauses, no bind names, no column names
    assertThat(((String) row.get("whole")).toLowerCase())
        .doesNotContain("select")
        .doesNotContain("where")
        .doesNotContain(":p0")
        .doesNotContain("birth_year")
        .doesNotContain("sex");
    assertThat(
            jdbc.queryForList(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'fhir_search'",
                String.class))
        .containsExactlyInAnyOrder(
            "search_id",
            "created_at",
            "expires_at",
            "resource_type",
            "operation",
            "instance_id",
            "parameters",
            "principal");

    List<String> seen = new ArrayList<>(ids(first));
    Bundle page = first;
    while (page.getLink("next") != null) {
      paging.forgetInMemory(); // as after a restart, or on another instance
      page = bundle(page.getLink("next").getUrl());
      seen.addAll(ids(page));
    }
    List<String> inOnePage = ids(bundle(base + "Patient?gender=male&_sort=birthdate&_count=10"));
    assertThat(inOnePage).hasSize(4);
    assertThat(seen).isEqualTo(inOnePage);

    String patient = inOnePage.get(2);
    Bundle everything = bundle(base + "Patient/" + patient + "/$everything?_count=1");
    Map<String, Object> op =
        jdbc.queryForMap(
            "SELECT operation, instance_id FROM fhir_search WHERE search_id = ?",
            searchId(everything));
    assertThat(op).containsEntry("operation", "$everything").containsEntry("instance_id", patient);
    List<String> all = new ArrayList<>(ids(everything));
    while (everything.getLink("next") != null) {
      paging.forgetInMemory();
      everything = bundle(everything.getLink("next").getUrl());
      all.addAll(ids(everything));
    }
    assertThat(all).hasSize(2).startsWith(patient);
  }

  @Test
  void anEditedRowIsParsedAsParameters_neverExecuted() throws Exception {
    String base = "http://localhost:" + port + "/fhir/";
    Bundle first = bundle(base + "Patient?gender=male&_count=1");
    String id = searchId(first);
    String next = first.getLink("next").getUrl();

    // SQL put into a parameter value is a value: it matches no patient, it is not run
    jdbc.update(
        "UPDATE fhir_search SET parameters = ?::jsonb WHERE search_id = ?",
        "{\"_id\": [\"x') OR true OR ('1'='1\"], \"_count\": [\"1\"]}",
        id);
    paging.forgetInMemory();
    Bundle tampered = bundle(next);
    assertThat(tampered.getEntry()).isEmpty();

    // a name no search declares is refused by the parser, as on a new request
    jdbc.update(
        "UPDATE fhir_search SET parameters = ?::jsonb WHERE search_id = ?",
        "{\"1=1; DELETE FROM patient; --\": [\"x\"]}",
        id);
    paging.forgetInMemory();
    HttpResponse<String> refused = get(next);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("OperationOutcome");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM patient WHERE site_id = 'held-site'", Integer.class))
        .isEqualTo(4);
  }
}
