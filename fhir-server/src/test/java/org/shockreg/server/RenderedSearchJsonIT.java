package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.server.fhir.RegistryCodeSystems;
import org.shockreg.server.fhir.RenderedSearchBundles;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Search pages whose entries are written from the JSON rendered from their rows ({@code
 * shockreg.fhir.rendered-search-json}, issue 15) are the pages HAPI writes: over real HTTP on data
 * nobody here wrote (the Synthea samples) and the README's ICU stay, every page of every curated
 * type, includes, sorts and codes, compared entry by entry with the same page asked with {@code
 * _pretty=true} (which HAPI encodes whole). XML and pretty answers are left to HAPI.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RenderedSearchJsonIT extends IntegrationTestSupport {

  static final String TOKEN = "it-rendered-admin-0123456789";
  static final ObjectMapper JSON = new ObjectMapper();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, newDataDir("it-rendered-"));
    registerToken(registry, 0, TOKEN, "admin");
    registerHttpOnly(registry);
  }

  @Autowired RenderedSearchBundles rendered;
  @Autowired JdbcTemplate jdbc;

  @BeforeAll
  void load() throws Exception {
    HttpResponse<String> icu =
        post(
            "/ingest/rendered-icu",
            "application/x-ndjson",
            Files.readString(Path.of("../docs/examples/icu-stay.ndjson")),
            TOKEN);
    assertThat(icu.statusCode()).as(icu.body()).isEqualTo(200);
    Path synthea =
        Path.of(RenderedSearchJsonIT.class.getResource("/synthea/README.md").toURI()).getParent();
    try (Stream<Path> files = Files.list(synthea)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json.gz")).sorted().toList()) {
        byte[] bundle;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
          bundle = in.readAllBytes();
        }
        HttpResponse<String> res =
            post("/ingest/rendered-synthea", "application/fhir+json", bundle, TOKEN);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      }
    }
  }

  @Test
  void everyPageOfEveryType_isThePageHapiWrites() throws Exception {
    long before = rendered.renderedEntries();
    int entries = 0;
    for (String type : List.of("Patient", "Observation", "Procedure", "Condition", "Encounter")) {
      entries += compareAllPages("/fhir/" + type + "?_count=37");
    }
    assertThat(entries).isGreaterThan(300);
    // the rendered path was taken for (nearly) all of them: a row the writer does not cover
    // falls back to HAPI
    assertThat(rendered.renderedEntries() - before).isGreaterThan(entries * 9L / 10);
  }

  @Test
  void includesSortsCodesAndDates_areThePagesHapiWrites() throws Exception {
    String patient =
        jdbc.queryForObject(
            "SELECT patient_id FROM measurement GROUP BY patient_id ORDER BY count(*) DESC LIMIT 1",
            String.class);
    for (String search :
        List.of(
            "/fhir/Observation?_include=Observation:subject&_count=40",
            "/fhir/Observation?_include=Observation:encounter&_count=40",
            "/fhir/Patient?_revinclude=Observation:subject&_count=3",
            "/fhir/Observation?_sort=-date&_count=60",
            "/fhir/Observation?_sort=value-quantity&_count=60",
            "/fhir/Observation?patient=" + patient + "&_count=25",
            "/fhir/Observation?code=" + enc("http://loinc.org|8867-4") + "&_count=25",
            "/fhir/Observation?code="
                + enc(RegistryCodeSystems.REGISTRY_VARIABLE + "|lactate")
                + "&_count=25",
            "/fhir/Observation?category=laboratory&_count=25",
            "/fhir/Observation?value-concept=hf-cs",
            "/fhir/Observation?date=ge2000-01-01&_count=50",
            "/fhir/Encounter?date=ge2000-01-01&_sort=-date&_count=50",
            "/fhir/Procedure?_include=Procedure:patient",
            "/fhir/Patient/" + patient + "/$everything?_count=30")) {
      compareAllPages(search);
    }
  }

  @Test
  void includedResources_areRenderedToo() throws Exception {
    long before = rendered.renderedEntries();
    HttpResponse<String> page =
        get("/fhir/Observation?_include=Observation:subject&_count=20", TOKEN);
    JsonNode bundle = JSON.readTree(page.body());
    int included = 0;
    for (JsonNode e : bundle.path("entry")) {
      if ("include".equals(e.path("search").path("mode").asText())) {
        included++;
      }
    }
    assertThat(included).isPositive();
    assertThat(rendered.renderedEntries() - before).isEqualTo(bundle.path("entry").size());
  }

  @Test
  void otherFormats_areLeftToHapi() throws Exception {
    long before = rendered.renderedEntries();
    HttpResponse<String> xml = get("/fhir/Observation?_count=5&_format=xml", TOKEN);
    assertThat(xml.statusCode()).isEqualTo(200);
    assertThat(xml.headers().firstValue("Content-Type"))
        .hasValueSatisfying(ct -> assertThat(ct).contains("xml"));
    assertThat(xml.body()).startsWith("<Bundle").doesNotContain("sr-rendered");
    HttpResponse<String> elements = get("/fhir/Observation?_count=5&_elements=code", TOKEN);
    assertThat(elements.body()).doesNotContain("valueQuantity").doesNotContain("sr-rendered");
    assertThat(rendered.renderedEntries()).isEqualTo(before);
    // application/json is answered as HAPI answers it, and rendered
    HttpResponse<String> json =
        get("/fhir/Observation?_count=5", TOKEN, "Accept", "application/json");
    HttpResponse<String> hapi =
        get("/fhir/Observation?_count=5&_pretty=true", TOKEN, "Accept", "application/json");
    assertThat(json.headers().firstValue("Content-Type"))
        .isEqualTo(hapi.headers().firstValue("Content-Type"));
    assertThat(rendered.renderedEntries()).isEqualTo(before + 5);
  }

  /**
   * Follows the next links of {@code search}, comparing each page with the same page asked {@code
   * _pretty=true}; returns the entries seen.
   */
  int compareAllPages(String search) throws Exception {
    int entries = 0;
    String next = search;
    int pages = 0;
    while (next != null) {
      HttpResponse<String> page = get(next, TOKEN);
      HttpResponse<String> hapi =
          get(next + (next.contains("?") ? "&" : "?") + "_pretty=true", TOKEN);
      assertThat(page.statusCode()).as(next + ": " + page.body()).isEqualTo(200);
      assertThat(hapi.statusCode()).as(next + ": " + hapi.body()).isEqualTo(200);
      assertThat(page.body()).doesNotContain("sr-rendered");
      assertThat(page.headers().firstValue("Content-Type"))
          .isEqualTo(hapi.headers().firstValue("Content-Type"));
      JsonNode mine = JSON.readTree(page.body());
      JsonNode theirs = JSON.readTree(hapi.body());
      assertThat(relations(mine)).as(next).isEqualTo(relations(theirs));
      assertThat(withoutPageIdentity(mine)).as(next).isEqualTo(withoutPageIdentity(theirs));
      entries += mine.path("entry").size();
      next = link(mine, "next");
      assertThat(++pages).as("pages of " + search).isLessThan(500);
    }
    return entries;
  }

  /** The page minus what differs between two answers: its id, time and (the _pretty in) links. */
  static JsonNode withoutPageIdentity(JsonNode page) {
    ObjectNode copy = page.deepCopy();
    copy.remove(List.of("id", "meta", "link"));
    return copy;
  }

  static List<String> relations(JsonNode page) {
    List<String> out = new ArrayList<>();
    page.path("link").forEach(l -> out.add(l.path("relation").asText()));
    return out;
  }

  static String link(JsonNode page, String relation) {
    for (JsonNode l : page.path("link")) {
      if (relation.equals(l.path("relation").asText())) {
        return l.path("url").asText();
      }
    }
    return null;
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
