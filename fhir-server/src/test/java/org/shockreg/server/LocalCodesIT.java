package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeSystem.ConceptDefinitionComponent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.ConceptMap.ConceptMapGroupComponent;
import org.hl7.fhir.r4.model.ConceptMap.SourceElementComponent;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Site mapping files over real HTTP on a real PostgreSQL (data-dictionary.md section 6): a local
 * code is curated at its site only, a reload brings a changed file into force (or, when the file is
 * broken, keeps the old rules), and the active mappings are served as ConceptMaps and CodeSystems.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalCodesIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-local-codes-0123";
  static final String ANALYST = "it-analyst-token-local-codes-0123";
  static final String RV = "https://fhir.shockreg.org/CodeSystem/registry-variable";
  static final String SITE_A = "local-a";
  static final String SITE_B = "local-b";
  static final String LOCAL_LACTATE =
      """
      measurements:
        - { system: 99LAB, code: LACT, display: "Lactate BGA", variable: lactate, unit: mg/dL }
      """;
  static final Path SITES_DIR = sitesDir();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.register(registry);
    registry.add(
        "shockreg.data-dir",
        () -> SITES_DIR.resolveSibling(SITES_DIR.getFileName() + "-data").toString());
    registry.add("shockreg.mappings.sites-dir", SITES_DIR::toString);
    registerToken(registry, 0, TOKEN, "admin");
    registerToken(registry, 1, ANALYST, "analyst");
  }

  /** A sites directory with the file of site local-a, written before the server starts. */
  static Path sitesDir() {
    try {
      Path target = Path.of("target").toAbsolutePath();
      Files.createDirectories(target);
      Path dir = Files.createTempDirectory(target, "it-sites-");
      Files.writeString(dir.resolve(SITE_A + ".yaml"), LOCAL_LACTATE);
      return dir;
    } catch (IOException e) {
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

  HttpResponse<String> send(
      String method, String path, String contentType, String body, String token) throws Exception {
    return send(
        method,
        path,
        token,
        contentType,
        body == null ? null : body.getBytes(StandardCharsets.UTF_8));
  }

  Parameters ingest(String site, String ndjson) throws Exception {
    HttpResponse<String> res = send("POST", "/ingest/" + site, NDJSON, ndjson, TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return parameters(res);
  }

  /** An Observation with the local lactate code (99LAB|LACT, an HL7 v2 style coding system). */
  static String localLactate(String id, String patient, String value) {
    return localLactate(id, patient, value, "2025-06-02T08:30:00+02:00");
  }

  static String localLactate(String id, String patient, String value, String effective) {
    return "{\"resourceType\":\"Observation\",\"id\":\""
        + id
        + "\",\"status\":\"final\","
        + "\"code\":{\"coding\":[{\"system\":\"99LAB\",\"code\":\"LACT\",\"display\":\"Lactate BGA\"}]},"
        + "\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},"
        + "\"effectiveDateTime\":\""
        + effective
        + "\","
        + "\"valueQuantity\":{\"value\":"
        + value
        + ",\"unit\":\"mg/dL\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg/dL\"}}\n";
  }

  /** Curated Observations with the local code, effective 2025-06-02 (the first test's data). */
  List<Observation> curatedLocalLactates() {
    Bundle b =
        client
            .search()
            .forResource(Observation.class)
            .where(Observation.CODE.exactly().systemAndCode("99LAB", "LACT"))
            .and(Observation.DATE.exactly().day("2025-06-02"))
            .returnBundle(Bundle.class)
            .execute();
    return b.getEntry().stream().map(e -> (Observation) e.getResource()).toList();
  }

  JsonNode reload() throws Exception {
    HttpResponse<String> res = send("POST", "/admin/mappings/reload", null, null, TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return json.readTree(res.body());
  }

  @Test
  void localCode_isCuratedAtItsSite_unmappedElsewhere_andCuratedThereAfterAReload()
      throws Exception {
    // at its site: RV lactate in mmol/L (27 mg/dL / 9.008), the local coding kept after the RV one
    Parameters a = ingest(SITE_A, localLactate("lac-1", "pa-1", "27"));
    assertThat(count(a, "curated")).isEqualTo(1);
    Map<String, Object> row =
        jdbc.queryForMap(
            "SELECT variable, value, unit, original_unit FROM measurement WHERE site_id = ? AND source_id = 'lac-1'",
            SITE_A);
    assertThat(row.get("variable")).isEqualTo("lactate");
    assertThat(new java.math.BigDecimal(row.get("value").toString()))
        .isEqualByComparingTo("2.9973");
    assertThat(row.get("unit")).isEqualTo("mmol/L");
    assertThat(row.get("original_unit")).isEqualTo("mg/dL");
    List<Observation> curated = curatedLocalLactates();
    assertThat(curated).hasSize(1);
    Observation o = curated.get(0);
    assertThat(o.getCode().getCoding())
        .extracting(Coding::getSystem, Coding::getCode)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(RV, "lactate"),
            org.assertj.core.groups.Tuple.tuple("99LAB", "LACT"));
    Quantity q = o.getValueQuantity();
    assertThat(q.getValue()).isEqualByComparingTo("2.9973");
    assertThat(q.getCode()).isEqualTo("mmol/L");

    // the same code from another site: unmapped, and counted in the report
    Parameters b = ingest(SITE_B, localLactate("lac-1", "pb-1", "27"));
    assertThat(count(b, "unmapped")).isEqualTo(1);
    assertThat(count(b, "curated")).isZero();
    HttpResponse<String> report =
        send("GET", "/admin/unmapped-codes?site=" + SITE_B, null, null, TOKEN);
    assertThat(report.statusCode()).isEqualTo(200);
    JsonNode unmapped = json.readTree(report.body());
    assertThat(unmapped).hasSize(1);
    assertThat(unmapped.get(0).get("siteId").asText()).isEqualTo(SITE_B);
    assertThat(unmapped.get(0).get("system").asText()).isEqualTo("99LAB");
    assertThat(unmapped.get(0).get("code").asText()).isEqualTo("LACT");
    assertThat(unmapped.get(0).get("count").asInt()).isEqualTo(1);

    // site B gets a mapping file; after the reload its next data is curated
    Files.writeString(SITES_DIR.resolve(SITE_B + ".yaml"), LOCAL_LACTATE);
    JsonNode loaded = reload();
    assertThat(loaded.get("status").asText()).isEqualTo("reloaded");
    assertThat(loaded.get("files").asInt()).isEqualTo(2);
    assertThat(loaded.get("sites").findValuesAsText("site")).contains(SITE_A, SITE_B);
    JsonNode siteB = loaded.get("sites").get(1);
    assertThat(siteB.get("file").asText()).isEqualTo(SITE_B + ".yaml");
    assertThat(siteB.get("measurements").asInt()).isEqualTo(1);
    assertThat(siteB.get("conceptMap").asText()).isEqualTo("ConceptMap/site-" + SITE_B);
    // what site B had already sent under the unknown code is mapped again by the reload
    assertThat(loaded.get("remapped").get("curated").asInt()).isEqualTo(1);
    assertThat(
            new java.math.BigDecimal(
                jdbc.queryForObject(
                    "SELECT value FROM measurement WHERE site_id = ?", String.class, SITE_B)))
        .isEqualByComparingTo("2.9973");

    // the remap read the stored content back from jsonb (keys reordered): the identical re-send
    // is still unchanged, because content is hashed in canonical form
    Parameters same = ingest(SITE_B, localLactate("lac-1", "pb-1", "27"));
    assertThat(count(same, "unchanged")).isEqualTo(1);
    assertThat(count(same, "curated")).isZero();

    // a new version of the source resource (changed content: the same content would be "unchanged")
    Parameters again = ingest(SITE_B, localLactate("lac-1", "pb-1", "36"));
    assertThat(count(again, "curated")).isEqualTo(1);
    assertThat(
            new java.math.BigDecimal(
                jdbc.queryForObject(
                    "SELECT value FROM measurement WHERE site_id = ?", String.class, SITE_B)))
        .isEqualByComparingTo("3.9964");
    assertThat(curatedLocalLactates()).hasSize(2);

    HttpResponse<String> list = send("GET", "/admin/mappings", null, null, TOKEN);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(json.readTree(list.body()).get("sites").findValuesAsText("site"))
        .contains(SITE_A, SITE_B);
  }

  /**
   * The console's "save to the site file": an entry written into the file, remapping what waited.
   */
  @Test
  void anEntryWrittenThroughTheApi_mapsTheWaitingCode_andKeepsTheFilesComments() throws Exception {
    String site = "local-written";
    Path file = SITES_DIR.resolve(site + ".yaml");
    Files.writeString(
        file,
        "# kept comment\nsite: "
            + site
            + "\ndevices:\n  - { system: p, code: IABP-IN, device: iabp }\n");
    reload();
    // another day than the other tests' local lactates (they search by code and date)
    Parameters first =
        ingest(site, localLactate("lac-w", "pw-1", "27", "2025-07-01T08:30:00+02:00"));
    assertThat(count(first, "unmapped")).isEqualTo(1);

    String entry =
        "{\"section\":\"measurements\",\"system\":\"99LAB\",\"code\":\"LACT\",\"display\":\"Lactate BGA\","
            + "\"target\":\"lactate\",\"unit\":\"mg/dL\"}";
    HttpResponse<String> res =
        send(
            "POST", "/admin/mappings/sites/" + site + "/entries", "application/json", entry, TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(json.readTree(res.body()).get("remapped").get("curated").asInt()).isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT variable FROM measurement WHERE site_id = ?", String.class, site))
        .isEqualTo("lactate");
    String text = Files.readString(file);
    assertThat(text).startsWith("# kept comment\n").contains("devices:").contains("code: \"LACT\"");

    // an unknown variable: 422 with the loader's error, the file as it was, the rules unchanged
    String bad = entry.replace("\"lactate\"", "\"lactose\"").replace("LACT", "LACT2");
    HttpResponse<String> refused =
        send("POST", "/admin/mappings/sites/" + site + "/entries", "application/json", bad, TOKEN);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
    assertThat(refused.body()).contains("lactose");
    assertThat(Files.readString(file)).isEqualTo(text);
    // malformed: 400; not for analysts
    assertThat(
            send(
                    "POST",
                    "/admin/mappings/sites/" + site + "/entries",
                    "application/json",
                    "{\"section\":\"measurements\",\"system\":\"s\",\"code\":\"c\",\"target\":\"lactate\"}",
                    TOKEN)
                .statusCode())
        .isEqualTo(400);
    assertThat(
            send(
                    "POST",
                    "/admin/mappings/sites/" + site + "/entries",
                    "application/json",
                    entry,
                    ANALYST)
                .statusCode())
        .isEqualTo(403);
    // the other tests count the files in force
    Files.delete(file);
    reload();
  }

  @Test
  void brokenFile_reloadAnswers422_andTheOldRulesStay() throws Exception {
    Path broken = SITES_DIR.resolve("local-broken.yaml");
    Files.writeString(
        broken,
        """
        measurements:
          - { system: 99LAB, code: LACT, variable: lactat, unit: mg/dL }
          - { system: 99LAB, code: HF, variable: hr, unit: furlongs }
        """);
    try {
      HttpResponse<String> res = send("POST", "/admin/mappings/reload", null, null, TOKEN);
      assertThat(res.statusCode()).isEqualTo(422);
      assertThat(res.headers().firstValue("Content-Type"))
          .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
      JsonNode problem = json.readTree(res.body());
      assertThat(problem.get("status").asInt()).isEqualTo(422);
      assertThat(problem.get("detail").asText()).contains("unchanged");
      List<String> errors =
          json.convertValue(
              problem.get("errors"),
              json.getTypeFactory().constructCollectionType(List.class, String.class));
      assertThat(errors).hasSize(2);
      assertThat(errors.get(0))
          .startsWith("local-broken.yaml: measurements[0] (99LAB|LACT): unknown variable 'lactat'");
      assertThat(errors.get(1))
          .startsWith("local-broken.yaml: measurements[1] (99LAB|HF): unit 'furlongs'");

      // the rules in force are the old ones: site local-a still curates its local code ...
      Parameters a =
          ingest(SITE_A, localLactate("lac-old-rules", "pa-2", "45", "2025-07-01T10:00:00Z"));
      assertThat(count(a, "curated")).isEqualTo(1);
      // ... and the broken site is not among the active files
      JsonNode active = json.readTree(send("GET", "/admin/mappings", null, null, TOKEN).body());
      assertThat(active.get("sites").findValuesAsText("site"))
          .contains(SITE_A)
          .doesNotContain("local-broken");
      assertThat(send("GET", "/fhir/ConceptMap/site-local-broken", null, null, TOKEN).statusCode())
          .isEqualTo(404);
    } finally {
      Files.deleteIfExists(broken);
    }
  }

  @Test
  void conceptMaps_showTheBuiltInAndTheSiteMappings() throws Exception {
    Bundle all = client.search().forResource(ConceptMap.class).returnBundle(Bundle.class).execute();
    List<String> ids =
        all.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList();
    assertThat(ids)
        .contains(
            "registry-measurements", "registry-devices", "registry-diagnoses", "site-" + SITE_A);

    ConceptMap site = client.read().resource(ConceptMap.class).withId("site-" + SITE_A).execute();
    assertThat(site.getUrl()).isEqualTo("https://fhir.shockreg.org/ConceptMap/site-" + SITE_A);
    assertThat(site.getStatus().toCode()).isEqualTo("active");
    assertThat(site.getVersion()).isNotBlank();
    assertThat(site.getName()).isEqualTo("SiteLocalA");
    ConceptMapGroupComponent group = site.getGroupFirstRep();
    assertThat(group.getSource()).isEqualTo("99LAB");
    assertThat(group.getTarget()).isEqualTo(RV);
    SourceElementComponent element = group.getElementFirstRep();
    assertThat(element.getCode()).isEqualTo("LACT");
    assertThat(element.getTargetFirstRep().getCode()).isEqualTo("lactate");
    assertThat(element.getTargetFirstRep().getEquivalence().toCode()).isEqualTo("equivalent");
    assertThat(element.getTargetFirstRep().getComment()).contains("mg/dL", "mmol/L");

    // the built-in measurements map names the unit a LOINC code comes in
    ConceptMap measurements =
        client.read().resource(ConceptMap.class).withId("registry-measurements").execute();
    SourceElementComponent mgdl =
        measurements.getGroup().stream()
            .flatMap(g -> g.getElement().stream())
            .filter(e -> e.getCode().equals("14118-4"))
            .findFirst()
            .orElseThrow();
    assertThat(mgdl.getTargetFirstRep().getCode()).isEqualTo("lactate");
    assertThat(mgdl.getTargetFirstRep().getComment()).contains("mg/dL", "2524-7");

    // searches: by url, by source system
    Bundle byUrl =
        client
            .search()
            .forResource(ConceptMap.class)
            .where(
                ConceptMap.URL
                    .matches()
                    .value("https://fhir.shockreg.org/ConceptMap/registry-devices"))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(byUrl.getEntry())
        .extracting(e -> e.getResource().getIdElement().getIdPart())
        .containsExactly("registry-devices");
    HttpResponse<String> bySource =
        send("GET", "/fhir/ConceptMap?source-system=99LAB", null, null, TOKEN);
    assertThat(bySource.statusCode()).isEqualTo(200);
    Bundle sourceBundle = fhir.newJsonParser().parseResource(Bundle.class, bySource.body());
    assertThat(sourceBundle.getEntry())
        .extracting(e -> e.getResource().getIdElement().getIdPart())
        .contains("site-" + SITE_A)
        .doesNotContain("registry-measurements");
    assertThat(send("GET", "/fhir/ConceptMap?colour=blue", null, null, TOKEN).statusCode())
        .isEqualTo(400);
  }

  @Test
  void codeSystems_areServed_fromTheRules() throws Exception {
    CodeSystem rv = client.read().resource(CodeSystem.class).withId("registry-variable").execute();
    assertThat(rv.getUrl()).isEqualTo(RV);
    assertThat(rv.getStatus().toCode()).isEqualTo("active");
    assertThat(rv.getContent().toCode()).isEqualTo("complete");
    assertThat(rv.getName()).isEqualTo("RegistryVariable");
    assertThat(rv.getVersion()).isNotBlank();
    assertThat(rv.getConcept())
        .extracting(ConceptDefinitionComponent::getCode)
        .contains(
            "lvef",
            "lactate",
            "sbp",
            "dbp",
            "map",
            "hr",
            "ci",
            "co",
            "cvp",
            "pcwp",
            "creatinine",
            "cs-etiology",
            "hf-cs-ischemic",
            "hf-cs-de-novo",
            "scai-stage",
            "eligibility",
            "primary-endpoint-60d");
    assertThat(rv.getCount()).isEqualTo(rv.getConcept().size());

    Map<String, List<String>> expected =
        Map.of(
            "tmcs-device",
                List.of(
                    "iabp",
                    "impella",
                    "va-ecmo",
                    "tandemheart",
                    "durable-lvad",
                    "heart-transplant",
                    "vad-unspecified"),
            "cs-etiology", List.of("ami-cs", "hf-cs", "other"),
            "scai-stage", List.of("A", "B", "C", "D", "E"),
            "data-flag",
                List.of("implausible", "unit-assumed", "preliminary", "derived", "needs-review"),
            "diagnosis-category", List.of("cardiogenic-shock", "acute-mi", "heart-failure"),
            "criterion-status", List.of("met", "not-met", "unknown"),
            "endpoint-outcome", List.of("success", "failure", "incomplete"),
            "protocol-deviation", List.of("late-intervention", "randomized-after-window"),
            "eligibility-criterion",
                List.of(
                    "age", "etiology", "lvef", "hypotension-hypoperfusion", "scai", "exclusion"),
            "trial-arm", List.of("early-iabp", "standard-care"));
    for (Map.Entry<String, List<String>> e : expected.entrySet()) {
      Bundle b =
          client
              .search()
              .forResource(CodeSystem.class)
              .where(
                  CodeSystem.URL
                      .matches()
                      .value("https://fhir.shockreg.org/CodeSystem/" + e.getKey()))
              .returnBundle(Bundle.class)
              .execute();
      assertThat(b.getEntry()).as(e.getKey()).hasSize(1);
      CodeSystem cs = (CodeSystem) b.getEntryFirstRep().getResource();
      assertThat(cs.getConcept())
          .extracting(ConceptDefinitionComponent::getCode)
          .containsAll(e.getValue());
      assertThat(cs.getConcept()).allSatisfy(c -> assertThat(c.getDisplay()).isNotBlank());
    }

    // validity of the shapes: R4 parses them strictly, every one has url, name, version, status
    HttpResponse<String> all = send("GET", "/fhir/CodeSystem", null, null, TOKEN);
    assertThat(all.statusCode()).isEqualTo(200);
    Bundle bundle =
        fhir.newJsonParser()
            .setParserErrorHandler(new ca.uhn.fhir.parser.StrictErrorHandler())
            .parseResource(Bundle.class, all.body());
    assertThat(bundle.getEntry()).hasSize(11);
    for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
      CodeSystem cs = (CodeSystem) e.getResource();
      assertThat(cs.getUrl()).startsWith("https://fhir.shockreg.org/CodeSystem/");
      assertThat(cs.getName()).matches("[A-Z][A-Za-z0-9_]*");
      assertThat(cs.getVersion()).isNotBlank();
    }
    HttpResponse<String> missing = send("GET", "/fhir/CodeSystem/nope", null, null, TOKEN);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("OperationOutcome", "SR-TERM-1");
  }

  @Test
  void mappingAdministration_isForAdminsOnly_terminologyForReaders() throws Exception {
    assertThat(send("GET", "/admin/mappings", null, null, ANALYST).statusCode()).isEqualTo(403);
    assertThat(send("POST", "/admin/mappings/reload", null, null, ANALYST).statusCode())
        .isEqualTo(403);
    assertThat(send("POST", "/admin/mappings/reload", null, null, null).statusCode())
        .isEqualTo(401);
    assertThat(send("GET", "/fhir/ConceptMap", null, null, ANALYST).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/fhir/CodeSystem/registry-variable", null, null, ANALYST).statusCode())
        .isEqualTo(200);
  }
}
