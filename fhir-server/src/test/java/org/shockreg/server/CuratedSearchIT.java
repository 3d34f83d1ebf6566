package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.Bundle.SearchEntryMode;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.testing.TestDatabase;
import org.shockreg.server.fhir.KeysetPagingProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Every search parameter, modifier, prefix, chain, include, sort and result parameter of the
 * curated FHIR API, over real HTTP with HAPI's generic client, on known data posted through intake.
 * Results are compared as exact sets of the source ids that were posted.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CuratedSearchIT {

  static final String TOKEN = "it-search-admin-token-0123456789";
  static final String RV = "https://fhir.shockreg.org/CodeSystem/registry-variable";
  static final String UCUM = "http://unitsofmeasure.org";
  static final Path DATA_DIR = dataDir();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.register(registry);
    registry.add("shockreg.data-dir", DATA_DIR::toString);
    registry.add("shockreg.security.tokens[0].token", () -> TOKEN);
    registry.add("shockreg.security.tokens[0].role", () -> "admin");
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired KeysetPagingProvider paging;
  final HttpClient http = HttpClient.newHttpClient();
  final FhirContext fhir = FhirContext.forR4Cached();
  IGenericClient client;

  /** curated id -> posted source id (derived facts: "derived:" + kind). */
  final Map<String, String> source = new HashMap<>();

  /** posted patient id -> curated pseudonym. */
  final Map<String, String> patient = new HashMap<>();

  static Path dataDir() {
    try {
      Path target = Path.of("target");
      Files.createDirectories(target);
      return Files.createTempDirectory(target.toAbsolutePath(), "it-search-");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static String patientJson(String id, String gender, String birthDate, String deceased) {
    return "{\"resourceType\":\"Patient\",\"id\":\""
        + id
        + "\""
        + (gender == null ? "" : ",\"gender\":\"" + gender + "\"")
        + ",\"birthDate\":\""
        + birthDate
        + "\""
        + (deceased == null ? "" : ",\"deceasedDateTime\":\"" + deceased + "\"")
        + "}";
  }

  static String observation(
      String id, String patient, String loinc, String time, String value, String unit) {
    return "{\"resourceType\":\"Observation\",\"id\":\""
        + id
        + "\",\"status\":\"final\","
        + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\""
        + loinc
        + "\"}]},"
        + "\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},\"effectiveDateTime\":\""
        + time
        + "\","
        + "\"valueQuantity\":{\"value\":"
        + value
        + ",\"unit\":\""
        + unit
        + "\",\"system\":\""
        + UCUM
        + "\",\"code\":\""
        + unit
        + "\"}}";
  }

  static String encounter(String id, String patient, String status, String start, String end) {
    return "{\"resourceType\":\"Encounter\",\"id\":\""
        + id
        + "\",\"status\":\""
        + status
        + "\","
        + "\"class\":{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"IMP\"},"
        + "\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},\"period\":{\"start\":\""
        + start
        + "\""
        + (end == null ? "" : ",\"end\":\"" + end + "\"")
        + "}}";
  }

  static String condition(String id, String patient, String icd, String onset) {
    return "{\"resourceType\":\"Condition\",\"id\":\""
        + id
        + "\",\"code\":{\"coding\":[{\"system\":"
        + "\"http://hl7.org/fhir/sid/icd-10-cm\",\"code\":\""
        + icd
        + "\"}]},\"subject\":{\"reference\":"
        + "\"Patient/"
        + patient
        + "\"},\"onsetDateTime\":\""
        + onset
        + "\"}";
  }

  static String procedure(String id, String patient, String cpt, String performed) {
    return "{\"resourceType\":\"Procedure\",\"id\":\""
        + id
        + "\",\"status\":\"completed\",\"code\":{\"coding\":"
        + "[{\"system\":\"http://www.ama-assn.org/go/cpt\",\"code\":\""
        + cpt
        + "\"}]},\"subject\":{\"reference\":"
        + "\"Patient/"
        + patient
        + "\"},"
        + performed
        + "}";
  }

  void ingest(String... lines) throws Exception {
    HttpResponse<String> res =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ingest/srch"))
                .header("Content-Type", "application/fhir+ndjson")
                .header("Authorization", "Bearer " + TOKEN)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        String.join("\n", lines), StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    Parameters report = fhir.newJsonParser().parseResource(Parameters.class, res.body());
    assertThat(report.getParameter("rejected").getValue().primitiveValue())
        .as(res.body())
        .isEqualTo("0");
    refreshIds();
  }

  void refreshIds() {
    jdbc.query(
        "SELECT observation_id, source_id FROM measurement",
        rs -> {
          source.put(rs.getString(1), rs.getString(2));
        });
    jdbc.query(
        "SELECT fact_id, kind FROM derived_fact",
        rs -> {
          source.put(rs.getString(1), "derived:" + rs.getString(2));
        });
    jdbc.query(
        "SELECT procedure_id, source_id FROM device_therapy",
        rs -> {
          source.put(rs.getString(1), rs.getString(2));
        });
    jdbc.query(
        "SELECT condition_id, source_id FROM diagnosis",
        rs -> {
          source.put(rs.getString(1), rs.getString(2));
        });
    jdbc.query(
        "SELECT encounter_id, source_id FROM encounter",
        rs -> {
          source.put(rs.getString(1), rs.getString(2));
        });
    jdbc.query(
        "SELECT patient_id, source_patient_id FROM patient_source_link",
        rs -> {
          source.put(rs.getString(1), rs.getString(2));
          patient.put(rs.getString(2), rs.getString(1));
        });
  }

  @BeforeAll
  void load() throws Exception {
    fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    client = fhir.newRestfulGenericClient("http://localhost:" + port + "/fhir");
    client.registerInterceptor(new BearerTokenAuthInterceptor(TOKEN));
    ingest(
        patientJson("pa", "female", "1950-05-05", "2025-03-10T10:00:00Z"),
        patientJson("pb", "male", "1960-01-01", null),
        patientJson("pc", null, "1975-07-07", null),
        encounter("ea", "pa", "finished", "2025-03-01T00:00:00Z", "2025-03-05T00:00:00Z"),
        encounter("eb", "pb", "in-progress", "2025-02-15T00:00:00Z", null),
        condition("ca", "pa", "R57.0", "2025-03-01T06:00:00Z"),
        condition("cb", "pb", "I21.4", "2025-02-14T06:00:00Z"),
        procedure(
            "xa",
            "pa",
            "33967",
            "\"performedPeriod\":{\"start\":\"2025-03-01T07:00:00Z\",\"end\":\"2025-03-03T07:00:00Z\"}"),
        procedure("xb", "pb", "33990", "\"performedDateTime\":\"2025-02-16T10:00:00Z\""),
        observation("oa1", "pa", "8867-4", "2025-03-01T10:00:00Z", "80", "/min"),
        observation("oa2", "pa", "8867-4", "2025-03-02T10:00:00Z", "120", "/min"),
        observation("oa3", "pa", "2524-7", "2025-03-01T12:00:00Z", "2.5", "mmol/L"),
        observation("oa4", "pa", "8480-6", "2025-03-01T08:00:00Z", "85", "mm[Hg]"),
        observation("ob1", "pb", "8867-4", "2025-02-15T09:00:00Z", "95", "/min"),
        observation("ob2", "pb", "2524-7", "2025-03-01T12:00:00Z", "5.1", "mmol/L"),
        observation("ob3", "pb", "8480-6", "2024-12-31T23:30:00Z", "110", "mm[Hg]"));
  }

  // ---- helpers ----

  Bundle search(String query) {
    String url = query.contains("$") ? "http://localhost:" + port + "/fhir/" + query : query;
    return client.search().byUrl(url).returnBundle(Bundle.class).execute();
  }

  /** The source ids of every match over all pages, in order. */
  List<String> ordered(String query) {
    List<String> out = new ArrayList<>();
    Bundle page = search(query);
    while (true) {
      for (BundleEntryComponent e : page.getEntry()) {
        if (e.getSearch().getMode() != SearchEntryMode.INCLUDE) {
          out.add(src(e));
        }
      }
      if (page.getLink("next") == null) {
        return out;
      }
      page = client.loadPage().next(page).execute();
    }
  }

  Set<String> ids(String query) {
    List<String> all = ordered(query);
    Set<String> set = new HashSet<>(all);
    assertThat(set).as("no duplicates in " + query).hasSize(all.size());
    return set;
  }

  Set<String> included(Bundle b) {
    return b.getEntry().stream()
        .filter(e -> e.getSearch().getMode() == SearchEntryMode.INCLUDE)
        .map(this::src)
        .collect(Collectors.toSet());
  }

  String src(BundleEntryComponent e) {
    String id = e.getResource().getIdElement().getIdPart();
    return source.getOrDefault(id, id);
  }

  static Set<String> set(String... ids) {
    return new HashSet<>(Arrays.asList(ids));
  }

  String p(String sourceId) {
    return patient.get(sourceId);
  }

  Set<String> derivedOf(String sourcePatient) {
    refreshIds();
    return new HashSet<>(
        jdbc.queryForList(
            "SELECT 'derived:' || kind FROM derived_fact WHERE patient_id = ?",
            String.class,
            p(sourcePatient)));
  }

  void bad(String query, String messagePart) {
    assertThatThrownBy(() -> search(query))
        .as(query)
        .isInstanceOf(InvalidRequestException.class)
        .satisfies(
            e -> {
              OperationOutcome oo =
                  (OperationOutcome) ((InvalidRequestException) e).getOperationOutcome();
              assertThat(oo).isNotNull();
              if (messagePart != null) {
                assertThat(oo.getIssueFirstRep().getDiagnostics()).contains(messagePart);
              }
            });
  }

  static final String MEASURED = "code=" + RV + "|hr," + RV + "|lactate," + RV + "|sbp";

  // ---- tokens ----

  @Test
  void tokens_systemCode_code_barCode_not_missing() {
    assertThat(ids("Observation?code=http://loinc.org|8867-4")).isEqualTo(set("oa1", "oa2", "ob1"));
    assertThat(ids("Observation?code=8867-4")).isEqualTo(set("oa1", "oa2", "ob1"));
    assertThat(ids("Observation?code=" + RV + "|hr")).isEqualTo(set("oa1", "oa2", "ob1"));
    assertThat(ids("Observation?code=|8867-4")).isEmpty();
    assertThat(ids("Observation?code=" + RV + "|hr," + RV + "|lactate"))
        .isEqualTo(set("oa1", "oa2", "ob1", "oa3", "ob2"));
    // AND by repetition: a code that is both hr and lactate does not exist
    assertThat(ids("Observation?code=" + RV + "|hr&code=" + RV + "|lactate")).isEmpty();
    assertThat(ids("Observation?code=" + RV + "|hr&code=http://loinc.org|8867-4"))
        .isEqualTo(set("oa1", "oa2", "ob1"));
    String pb = "&subject=" + p("pb");
    assertThat(ids("Observation?code:not=" + RV + "|hr" + pb)).isEqualTo(set("ob2", "ob3"));
    assertThat(ids("Observation?code:not=" + RV + "|hr," + RV + "|lactate" + pb))
        .isEqualTo(set("ob3"));
    assertThat(ids("Observation?code:missing=true")).isEmpty();
    assertThat(ids("Observation?code:missing=false" + pb)).isEqualTo(set("ob1", "ob2", "ob3"));
    assertThat(ids("Observation?category=vital-signs" + pb)).isEqualTo(set("ob1", "ob3"));
    assertThat(
            ids(
                "Observation?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"
                    + pb))
        .isEqualTo(set("ob2"));
    assertThat(ids("Observation?category:not=vital-signs" + pb)).isEqualTo(set("ob2"));
    // :not includes resources without the element: derived facts have no category
    assertThat(ids("Observation?category:not=vital-signs&subject=" + p("pa")))
        .isEqualTo(union(set("oa3"), derivedOf("pa")));
    assertThat(ids("Observation?category:missing=true&subject=" + p("pa")))
        .isEqualTo(derivedOf("pa"));
    assertThat(ids("Procedure?code=https://fhir.shockreg.org/CodeSystem/tmcs-device|iabp"))
        .isEqualTo(set("xa"));
    assertThat(ids("Procedure?code=http://www.ama-assn.org/go/cpt|33990")).isEqualTo(set("xb"));
    assertThat(ids("Procedure?code:not=impella")).isEqualTo(set("xa"));
    assertThat(
            ids(
                "Condition?code=https://fhir.shockreg.org/CodeSystem/diagnosis-category|cardiogenic-shock"))
        .isEqualTo(set("ca"));
    assertThat(ids("Condition?code=R57.0,I21.4")).isEqualTo(set("ca", "cb"));
    assertThat(ids("Condition?code:not=http://hl7.org/fhir/sid/icd-10-cm|R57.0"))
        .isEqualTo(set("cb"));
    assertThat(ids("Patient?gender=male")).isEqualTo(set("pb"));
    assertThat(ids("Patient?gender=female,male")).isEqualTo(set("pa", "pb"));
    assertThat(ids("Patient?gender=http://hl7.org/fhir/administrative-gender|female"))
        .isEqualTo(set("pa"));
    assertThat(ids("Patient?gender:not=male")).isEqualTo(set("pa", "pc"));
    assertThat(ids("Patient?gender:missing=true")).isEqualTo(set("pc"));
    assertThat(ids("Patient?gender:missing=false")).isEqualTo(set("pa", "pb"));
    assertThat(ids("Patient?_id=" + p("pa") + "," + p("pb"))).isEqualTo(set("pa", "pb"));
    assertThat(ids("Patient?_id=" + p("pa") + "&_id=" + p("pb"))).isEmpty();
    Set<String> valueConcepts =
        new HashSet<>(
            jdbc.queryForList(
                "SELECT 'derived:' || kind FROM derived_fact WHERE value_code IS NOT NULL",
                String.class));
    assertThat(ids("Observation?value-concept:missing=false")).isEqualTo(valueConcepts);
    bad("Observation?code:text=heart", "SR-SEARCH-3");
    bad("Observation?code:in=http://x/vs", "SR-SEARCH-3");
  }

  static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new LinkedHashSet<>(a);
    out.addAll(b);
    return out;
  }

  // ---- dates ----

  @Test
  void observationDate_everyPrefix_atItsPrecision() {
    String q = "Observation?" + MEASURED + "&date=";
    assertThat(ids(q + "2025-03-01")).isEqualTo(set("oa1", "oa3", "oa4", "ob2"));
    assertThat(ids(q + "eq2025-03")).isEqualTo(set("oa1", "oa2", "oa3", "oa4", "ob2"));
    assertThat(ids(q + "2025")).isEqualTo(set("oa1", "oa2", "oa3", "oa4", "ob1", "ob2"));
    assertThat(ids(q + "ne2025-03")).isEqualTo(set("ob1", "ob3"));
    assertThat(ids(q + "gt2025-03-01")).isEqualTo(set("oa2"));
    assertThat(ids(q + "ge2025-03-01")).isEqualTo(set("oa1", "oa2", "oa3", "oa4", "ob2"));
    assertThat(ids(q + "lt2025-03-01")).isEqualTo(set("ob1", "ob3"));
    assertThat(ids(q + "le2025-02-15")).isEqualTo(set("ob1", "ob3"));
    assertThat(ids(q + "sa2025-03-01")).isEqualTo(set("oa2"));
    assertThat(ids(q + "eb2025-01")).isEqualTo(set("ob3"));
    assertThat(ids(q + "2025-03-01T10:00:00Z")).isEqualTo(set("oa1"));
    assertThat(ids(q + "gt2025-03-01T10:00:00Z")).isEqualTo(set("oa2", "oa3", "ob2"));
    assertThat(ids(q + "le2025-03-01T10:00:00Z")).isEqualTo(set("oa1", "oa4", "ob1", "ob3"));
    // ap: the range widened by a tenth of its distance from now (here more than two months)
    assertThat(ids(q + "ap2025-03-02"))
        .isEqualTo(set("oa1", "oa2", "oa3", "oa4", "ob1", "ob2", "ob3"));
    assertThat(ids(q + "ap2020-01-01")).isEmpty();
    // AND by repetition, OR by comma
    assertThat(ids(q + "ge2025-03-01&date=lt2025-03-02"))
        .isEqualTo(set("oa1", "oa3", "oa4", "ob2"));
    assertThat(ids(q + "2025-02-15,2024-12-31")).isEqualTo(set("ob1", "ob3"));
    assertThat(ids("Observation?" + MEASURED + "&_lastUpdated=ge2020-01-01&subject=" + p("pb")))
        .isEqualTo(set("ob1", "ob2", "ob3"));
    assertThat(ids("Observation?_lastUpdated=lt2020-01-01")).isEmpty();
    assertThat(ids("Observation?" + MEASURED + "&date:missing=true")).isEmpty();
    assertThat(ids("Procedure?date=2025-03-01")).isEqualTo(set("xa"));
    assertThat(ids("Procedure?date=lt2025-03")).isEqualTo(set("xb"));
    assertThat(ids("Condition?onset-date=ge2025-02-14T06:00:00Z")).isEqualTo(set("ca", "cb"));
    assertThat(ids("Condition?onset-date=gt2025-02-14T06:00:00Z")).isEqualTo(set("ca"));
    assertThat(ids("Condition?onset-date=ne2025-03-01")).isEqualTo(set("cb"));
    bad("Observation?date=2025-13-45", null);
    bad("Observation?date=xx2025", null);
    bad("Observation?date=yesterday", null);
  }

  @Test
  void encounterDate_isThePeriod_comparedAsRanges() {
    // ea: 2025-03-01 .. 2025-03-05 (finished); eb: 2025-02-15 .. (ongoing)
    assertThat(ids("Encounter?date=2025-03")).isEqualTo(set("ea"));
    assertThat(ids("Encounter?date=2025-03-02")).isEmpty();
    assertThat(ids("Encounter?date=ne2025-03")).isEqualTo(set("eb"));
    assertThat(ids("Encounter?date=gt2025-03-31")).isEqualTo(set("eb"));
    assertThat(ids("Encounter?date=gt2025-03-02")).isEqualTo(set("ea", "eb"));
    assertThat(ids("Encounter?date=lt2025-02-20")).isEqualTo(set("eb"));
    assertThat(ids("Encounter?date=lt2025-02-15")).isEmpty();
    assertThat(ids("Encounter?date=sa2025-02-20")).isEqualTo(set("ea"));
    assertThat(ids("Encounter?date=eb2025-03-10")).isEqualTo(set("ea"));
    assertThat(ids("Encounter?date=eb2025-03-04")).isEmpty();
    assertThat(ids("Encounter?date=ge2025-03-04")).isEqualTo(set("ea", "eb"));
    assertThat(ids("Encounter?date=ge2025-03-05")).isEqualTo(set("eb"));
    assertThat(ids("Encounter?date=le2025-02-14")).isEmpty();
    assertThat(ids("Encounter?date=le2025-03")).isEqualTo(set("ea", "eb"));
    assertThat(ids("Encounter?date=ap2025-03-03")).isEqualTo(set("ea", "eb"));
    assertThat(ids("Encounter?date=ge2025-02-01&date=le2025-03-31")).isEqualTo(set("ea", "eb"));
  }

  @Test
  void patientDates_birthYear_andDeath() {
    assertThat(ids("Patient?birthdate=1950")).isEqualTo(set("pa"));
    // only the year is kept: a day is taken as its year
    assertThat(ids("Patient?birthdate=1950-12-31")).isEqualTo(set("pa"));
    assertThat(ids("Patient?birthdate=ge1960")).isEqualTo(set("pb", "pc"));
    assertThat(ids("Patient?birthdate=gt1960-06")).isEqualTo(set("pc"));
    assertThat(ids("Patient?birthdate=lt1960")).isEqualTo(set("pa"));
    assertThat(ids("Patient?birthdate=le1960")).isEqualTo(set("pa", "pb"));
    assertThat(ids("Patient?birthdate=ne1960")).isEqualTo(set("pa", "pc"));
    assertThat(ids("Patient?birthdate=sa1960")).isEqualTo(set("pc"));
    assertThat(ids("Patient?birthdate=eb1960")).isEqualTo(set("pa"));
    assertThat(ids("Patient?birthdate=1950,1975")).isEqualTo(set("pa", "pc"));
    assertThat(ids("Patient?death-date=2025-03-10")).isEqualTo(set("pa"));
    assertThat(ids("Patient?death-date=gt2025-03-10T09:00:00Z")).isEqualTo(set("pa"));
    assertThat(ids("Patient?death-date=lt2025")).isEmpty();
    assertThat(ids("Patient?death-date:missing=true")).isEqualTo(set("pb", "pc"));
    assertThat(ids("Patient?_lastUpdated=ge2020")).isEqualTo(set("pa", "pb", "pc"));
    bad("Patient?birthdate=19x0", null);
  }

  // ---- quantities ----

  @Test
  void valueQuantity_prefixes_andUcumConversion() {
    String hr = "Observation?code=" + RV + "|hr&value-quantity=";
    assertThat(ids("Observation?value-quantity=80")).isEqualTo(set("oa1"));
    assertThat(ids(hr + "gt90")).isEqualTo(set("oa2", "ob1"));
    assertThat(ids(hr + "ge95")).isEqualTo(set("oa2", "ob1"));
    assertThat(ids(hr + "lt95")).isEqualTo(set("oa1"));
    assertThat(ids(hr + "le95")).isEqualTo(set("oa1", "ob1"));
    assertThat(ids(hr + "ne80")).isEqualTo(set("oa2", "ob1"));
    assertThat(ids(hr + "ap100")).isEqualTo(set("ob1"));
    assertThat(ids(hr + "sa100")).isEqualTo(set("oa2"));
    assertThat(ids(hr + "eb90")).isEqualTo(set("oa1"));
    assertThat(ids(hr + "80,120")).isEqualTo(set("oa1", "oa2"));
    assertThat(ids(hr + "gt90&value-quantity=lt100")).isEqualTo(set("ob1"));
    // 11.3 kPa = 84.8 mm[Hg]
    assertThat(ids("Observation?value-quantity=ge11.3|" + UCUM + "|kPa"))
        .isEqualTo(set("oa4", "ob3"));
    assertThat(ids("Observation?value-quantity=lt3|" + UCUM + "|mmol/L")).isEqualTo(set("oa3"));
    assertThat(ids("Observation?value-quantity=5.1||mmol/L")).isEqualTo(set("ob2"));
    bad("Observation?value-quantity=abc", null);
    bad("Observation?value-quantity=5|http://loinc.org|x", "SR-SEARCH-5");
    bad("Observation?value-quantity=5||furlongs", "SR-SEARCH-6");
  }

  // ---- references and chains ----

  @Test
  void references_andChains() {
    Set<String> ofB = set("ob1", "ob2", "ob3");
    assertThat(ids("Observation?subject=Patient/" + p("pb"))).isEqualTo(ofB);
    assertThat(ids("Observation?patient=" + p("pb"))).isEqualTo(ofB);
    assertThat(ids("Observation?code=" + RV + "|hr&subject=" + p("pb") + "," + p("pa")))
        .isEqualTo(set("oa1", "oa2", "ob1"));
    assertThat(ids("Observation?subject:Patient=" + p("pb"))).isEqualTo(ofB);
    assertThat(ids("Observation?subject:Patient.gender=male")).isEqualTo(ofB);
    assertThat(ids("Observation?subject.gender=male")).isEqualTo(ofB);
    assertThat(ids("Observation?patient.gender=male")).isEqualTo(ofB);
    assertThat(ids("Observation?patient.birthdate=1960")).isEqualTo(ofB);
    assertThat(ids("Observation?patient.birthdate=ge1955&subject.gender=male")).isEqualTo(ofB);
    assertThat(ids("Observation?patient._id=" + p("pb"))).isEqualTo(ofB);
    assertThat(ids("Observation?code=" + RV + "|hr&patient.death-date=2025-03-10"))
        .isEqualTo(set("oa1", "oa2"));
    assertThat(ids("Observation?code=" + RV + "|hr&patient.death-date=lt2025-03-10")).isEmpty();
    assertThat(ids("Procedure?subject:Patient.gender=female")).isEqualTo(set("xa"));
    assertThat(ids("Procedure?patient=" + p("pb"))).isEqualTo(set("xb"));
    assertThat(ids("Condition?patient.birthdate=lt1955")).isEqualTo(set("ca"));
    assertThat(ids("Condition?subject=" + p("pb"))).isEqualTo(set("cb"));
    assertThat(ids("Encounter?subject.gender=male")).isEqualTo(set("eb"));
    assertThat(ids("Encounter?patient=Patient/" + p("pa"))).isEqualTo(set("ea"));
    // Observation.encounter: the shock episode's stay
    Set<String> inStay =
        ids(
            "Observation?encounter=Encounter/"
                + source.entrySet().stream()
                    .filter(e -> e.getValue().equals("ea"))
                    .findFirst()
                    .orElseThrow()
                    .getKey());
    assertThat(inStay).contains("oa1").doesNotContain("ob1", "ob2", "ob3");
    bad("Observation?subject=Group/x", "SR-SEARCH-2");
    bad("Observation?subject.name=x", "SR-SEARCH-1");
    bad("Observation?subject:Patient.foo=x", "SR-SEARCH-1");
    bad("Observation?subject.birthdate=notadate", "SR-SEARCH-11");
    bad("Observation?subject=Patient/", null);
    bad("Observation?encounter.status=finished", "SR-SEARCH-23");
  }

  // ---- sort ----

  @Test
  void sort_ascendingDescending_multiKey_andPaged() {
    String b = "Observation?subject=" + p("pb");
    assertThat(ordered(b + "&_sort=date")).containsExactly("ob3", "ob1", "ob2");
    assertThat(ordered(b + "&_sort=-date")).containsExactly("ob2", "ob1", "ob3");
    assertThat(ordered(b + "&_sort=date&_count=1")).containsExactly("ob3", "ob1", "ob2");
    assertThat(ordered(b + "&_sort=-date&_count=2")).containsExactly("ob2", "ob1", "ob3");
    assertThat(ordered(b + "&_sort=value-quantity")).containsExactly("ob2", "ob1", "ob3");
    assertThat(ordered(b + "&_sort=-value-quantity&_count=1")).containsExactly("ob3", "ob1", "ob2");
    assertThat(ordered(b + "&_sort=code,date")).containsExactly("ob1", "ob2", "ob3");
    // lactate: oa3 and ob2 at the same time: the second key decides, either way
    List<String> byId = ordered("Observation?code=" + RV + "|lactate&_sort=date,_id&_count=1");
    List<String> byIdDesc = ordered("Observation?code=" + RV + "|lactate&_sort=date,-_id&_count=1");
    assertThat(byId).containsExactlyInAnyOrder("oa3", "ob2");
    List<String> reversed = new ArrayList<>(byId);
    java.util.Collections.reverse(reversed);
    assertThat(byIdDesc).containsExactlyElementsOf(reversed);
    String firstById = patientIdOrder("oa3", "ob2");
    assertThat(byId.get(0)).isEqualTo(firstById);
    assertThat(ordered(MEASUREDQ + "&_sort=-date,-value-quantity&_count=2"))
        .containsExactly("oa2", "ob2", "oa3", "oa1", "oa4", "ob1", "ob3");
    assertThat(ordered(MEASUREDQ + "&_sort=-date,value-quantity&_count=2"))
        .containsExactly("oa2", "oa3", "ob2", "oa1", "oa4", "ob1", "ob3");
    assertThat(ordered(MEASUREDQ + "&_sort=date,-value-quantity&_count=3"))
        .containsExactly("ob3", "ob1", "oa4", "oa1", "ob2", "oa3", "oa2");
    assertThat(ordered("Patient?_sort=birthdate")).containsExactly("pa", "pb", "pc");
    assertThat(ordered("Patient?_sort=-birthdate&_count=1")).containsExactly("pc", "pb", "pa");
    // NULLs last ascending, first descending
    assertThat(ordered("Patient?_sort=gender&_count=1")).containsExactly("pa", "pb", "pc");
    assertThat(ordered("Patient?_sort=-gender&_count=1")).containsExactly("pc", "pb", "pa");
    assertThat(ordered("Patient?_sort=death-date,birthdate&_count=1"))
        .containsExactly("pa", "pb", "pc");
    assertThat(ordered("Patient?_sort=death-date&_count=1")).containsExactly("pa", "pb", "pc");
    assertThat(ordered("Patient?_sort=-death-date&_count=1")).containsExactly("pc", "pb", "pa");
    assertThat(ordered("Encounter?_sort=-date")).containsExactly("ea", "eb");
    assertThat(ordered("Procedure?_sort=date")).containsExactly("xb", "xa");
    assertThat(ordered("Condition?_sort=-onset-date")).containsExactly("ca", "cb");
    assertThat(ordered("Condition?_sort=code")).containsExactly("cb", "ca");
    assertThat(ordered("Patient?_sort=_lastUpdated,_id").size()).isEqualTo(3);
    bad("Observation?_sort=name", "SR-SEARCH-20");
    bad("Patient?_sort=date", "SR-SEARCH-20");
    bad("Patient?_sort=birthdate,-birthdate", "SR-SEARCH-21");
  }

  static final String MEASUREDQ = "Observation?" + MEASURED;

  /** Which of two observations has the smaller curated id. */
  String patientIdOrder(String a, String b) {
    String ida = curated(a);
    String idb = curated(b);
    return ida.compareTo(idb) < 0 ? a : b;
  }

  String curated(String sourceId) {
    return source.entrySet().stream()
        .filter(e -> e.getValue().equals(sourceId))
        .findFirst()
        .orElseThrow()
        .getKey();
  }

  // ---- include / revinclude ----

  @Test
  void include_andRevinclude() {
    Bundle b = search("Observation?subject=" + p("pb") + "&_include=Observation:subject");
    assertThat(matches(b)).isEqualTo(set("ob1", "ob2", "ob3"));
    assertThat(included(b)).isEqualTo(set("pb"));
    b =
        search(
            "Observation?code="
                + RV
                + "|hr&subject="
                + p("pa")
                + "&_include=Observation:encounter&_include=Observation:patient");
    assertThat(included(b)).contains("ea", "pa");
    b = search("Procedure?_include=Procedure:patient");
    assertThat(matches(b)).isEqualTo(set("xa", "xb"));
    assertThat(included(b)).isEqualTo(set("pa", "pb"));
    b = search("Condition?code=I21.4&_include=Condition:subject");
    assertThat(included(b)).isEqualTo(set("pb"));
    b = search("Encounter?_include=Encounter:subject&subject=" + p("pa"));
    assertThat(included(b)).isEqualTo(set("pa"));
    b =
        search(
            "Patient?_id="
                + p("pb")
                + "&_revinclude=Observation:subject&_revinclude=Procedure:subject"
                + "&_revinclude=Condition:subject&_revinclude=Encounter:subject");
    assertThat(matches(b)).isEqualTo(set("pb"));
    assertThat(included(b)).isEqualTo(set("ob1", "ob2", "ob3", "xb", "cb", "eb"));
    b = search("Patient?_id=" + p("pa") + "&_revinclude=Observation:patient");
    assertThat(included(b)).isEqualTo(union(set("oa1", "oa2", "oa3", "oa4"), derivedOf("pa")));
    b = search("Encounter?_id=" + curated("ea") + "&_revinclude=Observation:encounter");
    assertThat(included(b)).contains("oa1").doesNotContain("ob1", "ob2", "ob3");
    // includes come per page: each page carries the patients of its own matches
    b = search("Observation?" + MEASURED + "&_sort=date&_count=1&_include=Observation:subject");
    assertThat(matches(b)).isEqualTo(set("ob3"));
    assertThat(included(b)).isEqualTo(set("pb"));
    bad("Observation?_include=Observation:performer", null);
    bad("Patient?_include=Patient:organization", null);
    bad("Patient?_revinclude=Provenance:target", null);
    CapabilityStatement cs = client.capabilities().ofType(CapabilityStatement.class).execute();
    var observation =
        cs.getRestFirstRep().getResource().stream()
            .filter(r -> r.getType().equals("Observation"))
            .findFirst()
            .orElseThrow();
    assertThat(
            observation.getSearchInclude().stream()
                .map(s -> s.getValue())
                .collect(Collectors.toSet()))
        .isEqualTo(set("Observation:subject", "Observation:patient", "Observation:encounter"));
    var pat =
        cs.getRestFirstRep().getResource().stream()
            .filter(r -> r.getType().equals("Patient"))
            .findFirst()
            .orElseThrow();
    assertThat(
            pat.getSearchRevInclude().stream().map(s -> s.getValue()).collect(Collectors.toSet()))
        .contains(
            "Observation:subject", "Procedure:subject", "Condition:subject", "Encounter:subject");
  }

  Set<String> matches(Bundle b) {
    return b.getEntry().stream()
        .filter(e -> e.getSearch().getMode() == SearchEntryMode.MATCH)
        .map(this::src)
        .collect(Collectors.toSet());
  }

  // ---- result parameters ----

  @Test
  void count_summary_total_elements() {
    String b = "Observation?subject=" + p("pb");
    Bundle zero = search(b + "&_count=0");
    assertThat(zero.getTotal()).isEqualTo(3);
    assertThat(zero.getEntry()).isEmpty();
    assertThat(zero.getLink("next")).isNull();
    Bundle count = search(b + "&_summary=count");
    assertThat(count.getTotal()).isEqualTo(3);
    assertThat(count.getEntry()).isEmpty();
    Bundle accurate = search(b + "&_total=accurate&_count=2");
    assertThat(accurate.getTotal()).isEqualTo(3);
    assertThat(accurate.getEntry()).hasSize(2);
    assertThat(accurate.getLink("next")).isNotNull();
    assertThat(search(b + "&_total=estimate").getTotal()).isEqualTo(3);
    assertThat(search(b + "&_total=none").hasTotal()).isFalse();
    Bundle elements = search(b + "&_elements=code");
    assertThat(elements.getEntry()).hasSize(3);
    for (BundleEntryComponent e : elements.getEntry()) {
      Observation o = (Observation) e.getResource();
      assertThat(o.hasCode()).isTrue();
      assertThat(o.hasValue()).isFalse();
      assertThat(o.hasSubject()).isFalse();
    }
    bad(b + "&_count=-1", "SR-SEARCH-32");
    bad(b + "&_count=abc", null);
    bad(b + "&_total=sometimes", "SR-SEARCH-34");
    bad(b + "&_summary=everything", null);
  }

  @Test
  void strict_unknownParameters() {
    bad("Observation?foo=bar", null);
    bad("Observation?_foo=1", "SR-SEARCH-30");
    bad("Observation?_has:Observation:patient:code=x", "SR-SEARCH-30");
    bad("Observation?_tag=x", "SR-SEARCH-30");
    bad("Patient?_text=x", "SR-SEARCH-30");
    bad("Encounter?code=x", null);
    bad("Patient?name=x", null);
  }

  // ---- $everything ----

  @Test
  void everything_isThePatientsRecord_pagedLikeASearch() {
    Set<String> expectedB = set("pb", "ob1", "ob2", "ob3", "xb", "cb", "eb");
    assertThat(ids("Patient/" + p("pb") + "/$everything")).isEqualTo(expectedB);
    assertThat(ids("Patient/" + p("pb") + "/$everything?_count=2")).isEqualTo(expectedB);
    assertThat(ordered("Patient/" + p("pb") + "/$everything?_count=1"))
        .hasSize(7)
        .first()
        .isEqualTo("pb");
    assertThat(ids("Patient/" + p("pa") + "/$everything?_count=3"))
        .isEqualTo(union(set("pa", "oa1", "oa2", "oa3", "oa4", "xa", "ca", "ea"), derivedOf("pa")));
    assertThat(derivedOf("pa")).isNotEmpty();
    Bundle everything = search("Patient/" + p("pb") + "/$everything?_count=7");
    assertThat(everything.getType()).isEqualTo(Bundle.BundleType.SEARCHSET);
    assertThat(everything.getLink("next")).isNull();
    assertThatThrownBy(() -> search("Patient/unknown-patient/$everything"))
        .isInstanceOf(ResourceNotFoundException.class);
    bad("Patient/" + p("pb") + "/$everything?start=2025", "SR-SEARCH-31");
  }

  // ---- paging while data changes ----

  static String dbp(String id, String time, int value) {
    return observation(id, "pc", "8462-4", time, Integer.toString(value), "mm[Hg]");
  }

  /**
   * Pages through a date-sorted (both directions) and an unsorted search while rows are inserted
   * and updated between pages: every row that existed when the search began and whose sort key did
   * not change is seen exactly once, in order, and no row twice.
   */
  @Test
  void paging_staysCorrect_whileRowsAreInsertedAndUpdated() throws Exception {
    List<String> lines = new ArrayList<>();
    List<String> original = new ArrayList<>();
    for (int i = 1; i <= 12; i++) {
      String id = String.format("d%02d", i);
      original.add(id);
      // d05 and d06 share a time: the row id breaks the tie across a page boundary
      int hour = i == 6 ? 5 : i;
      lines.add(dbp(id, String.format("2025-04-01T%02d:00:00Z", hour), 40 + i));
    }
    ingest(lines.toArray(String[]::new));
    String q = "Observation?code=" + RV + "|dbp&_count=3";
    List<String> searches =
        List.of(q + "&_sort=date", q + "&_sort=-date", q, q + "&_sort=date,_id");
    List<Bundle> pages = new ArrayList<>();
    List<List<String>> seen = new ArrayList<>();
    for (String s : searches) {
      Bundle first = search(s);
      pages.add(first);
      seen.add(new ArrayList<>(first.getEntry().stream().map(this::src).toList()));
    }
    int round = 0;
    while (pages.stream().anyMatch(b -> b.getLink("next") != null)) {
      round++;
      // between pages: new rows before, among and after the existing ones, and updated values
      if (round <= 4) {
        ingest(
            dbp("n" + round + "a", "2025-03-31T0" + round + ":00:00Z", 60 + round),
            dbp("n" + round + "b", "2025-04-01T05:30:00Z", 62 + round),
            dbp("n" + round + "c", "2025-04-02T0" + round + ":00:00Z", 64 + round),
            dbp(
                original.get(round % 12),
                String.format("2025-04-01T%02d:00:00Z", round % 12 == 5 ? 5 : round % 12 + 1),
                70 + round),
            dbp(
                original.get((round * 5) % 12),
                String.format(
                    "2025-04-01T%02d:00:00Z", (round * 5) % 12 == 5 ? 5 : (round * 5) % 12 + 1),
                72 + round));
      }
      for (int i = 0; i < pages.size(); i++) {
        if (pages.get(i).getLink("next") != null) {
          Bundle next = client.loadPage().next(pages.get(i)).execute();
          pages.set(i, next);
          seen.get(i).addAll(next.getEntry().stream().map(this::src).toList());
        }
      }
      assertThat(round).isLessThan(20);
    }
    assertThat(round).isGreaterThanOrEqualTo(3);
    for (int i = 0; i < searches.size(); i++) {
      List<String> got = seen.get(i);
      assertThat(new HashSet<>(got)).as("no duplicates: " + searches.get(i)).hasSize(got.size());
      assertThat(got).as("no misses: " + searches.get(i)).containsAll(original);
    }
    List<String> ascending = seen.get(0).stream().filter(original::contains).toList();
    List<String> expected = new ArrayList<>(original);
    assertThat(ascending).containsExactlyElementsOf(expected);
    List<String> descending = seen.get(1).stream().filter(original::contains).toList();
    assertThat(descending.subList(0, 6)).containsExactly("d12", "d11", "d10", "d09", "d08", "d07");
    assertThat(descending.subList(8, 12)).containsExactly("d04", "d03", "d02", "d01");
    // unsorted is row order: the original rows come in the order they were inserted
    assertThat(seen.get(2).stream().filter(original::contains).toList())
        .containsExactlyElementsOf(expected);
  }

  // ---- next links across a restart ----

  @Test
  void nextLinks_surviveLosingTheInMemorySearches_untilTheyExpire() {
    Bundle page = search("Observation?subject=" + p("pb") + "&_sort=date&_count=1");
    List<String> seen = new ArrayList<>(page.getEntry().stream().map(this::src).toList());
    String searchId = page.getLink("next").getUrl().replaceAll(".*_getpages=([^&]+).*", "$1");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM fhir_search WHERE search_id = ?", Integer.class, searchId))
        .isEqualTo(1);
    while (page.getLink("next") != null) {
      paging.forgetInMemory(); // as after a restart, or on another instance
      page = client.loadPage().next(page).execute();
      seen.addAll(page.getEntry().stream().map(this::src).toList());
    }
    assertThat(seen).containsExactly("ob3", "ob1", "ob2");

    Bundle everything = search("Patient/" + p("pb") + "/$everything?_count=2");
    Set<String> all = new HashSet<>(everything.getEntry().stream().map(this::src).toList());
    while (everything.getLink("next") != null) {
      paging.forgetInMemory();
      everything = client.loadPage().next(everything).execute();
      all.addAll(everything.getEntry().stream().map(this::src).toList());
    }
    assertThat(all).isEqualTo(set("pb", "ob1", "ob2", "ob3", "xb", "cb", "eb"));

    Bundle expiring = search("Patient?_sort=birthdate&_count=1&_revinclude=Encounter:subject");
    assertThat(included(expiring)).isEqualTo(set("ea"));
    paging.forgetInMemory();
    Bundle second = client.loadPage().next(expiring).execute();
    assertThat(matches(second)).isEqualTo(set("pb"));
    assertThat(included(second)).isEqualTo(set("eb"));
    jdbc.update("UPDATE fhir_search SET expires_at = now() - interval '1 second'");
    paging.forgetInMemory();
    assertThatThrownBy(() -> client.loadPage().next(second).execute())
        .isInstanceOf(ResourceGoneException.class);
  }
}
