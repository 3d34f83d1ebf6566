package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.http.HttpResponse;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.assertj.core.api.SoftAssertions;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.server.fhir.CuratedJsonEquivalence;
import org.shockreg.server.fhir.CuratedResourceMapper;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The golden corpus: source resources in the shapes hospitals send, each case with the curated
 * facts it must give, run through {@code POST /ingest/{site}} and FHIR search on a real PostgreSQL.
 * One dynamic test per file under {@code golden/cases/}; each case posts to its own site (its file
 * name), so cases never see each other's data. Format and how to add a case: docs/golden-corpus.md.
 * Run one case or a few with {@code -Dgolden.case=lactate-*} (a glob on the file name).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoldenCorpusIT extends IntegrationTestSupport {

  static final String TOKEN = "golden-admin-token-0123456789";
  static final int MIN_CASES = 100;
  static final Pattern PLACEHOLDER = Pattern.compile("\\{(patients?|encounter)(?::([^}]+))?\\}");
  static final Pattern PATIENT_SCOPE = Pattern.compile("\\{patients?(?::[^}]+)?\\}");
  static final Set<String> COUNTS =
      Set.of(
          "received",
          "curated",
          "unchanged",
          "rejected",
          "unmapped",
          "skipped",
          "retracted",
          "deleted",
          "ignored");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, newDataDir("golden-data-"));
    registerToken(registry, 0, TOKEN, "admin");
    registry.add("shockreg.inbox.enabled", () -> "false");
  }

  @Autowired JdbcTemplate jdbc;
  @Autowired Pseudonymizer pseudonyms;
  @Autowired DataSource dataSource;
  @Autowired CuratedResourceMapper mapper;
  IGenericClient client;

  @BeforeAll
  void client() {
    client = fhirClient(TOKEN);
  }

  static Path casesDir() {
    try {
      return Path.of(GoldenCorpusIT.class.getResource("/golden/cases").toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("golden/cases not on the test classpath", e);
    }
  }

  static List<Path> caseFiles() throws IOException {
    String glob = System.getProperty("golden.case", "").trim();
    PathMatcher only =
        glob.isEmpty()
            ? null
            : FileSystems.getDefault()
                .getPathMatcher("glob:" + glob.replaceFirst("\\.ya?ml$", "") + ".y*ml");
    try (Stream<Path> files = Files.list(casesDir())) {
      return files
          .filter(f -> f.getFileName().toString().matches(".*\\.ya?ml"))
          .filter(f -> only == null || only.matches(f.getFileName()))
          .sorted()
          .toList();
    }
  }

  @Test
  void corpusHasEnoughWellFormedCases() throws IOException {
    List<Path> all;
    try (Stream<Path> files = Files.list(casesDir())) {
      all = files.filter(f -> f.getFileName().toString().matches(".*\\.ya?ml")).sorted().toList();
    }
    assertThat(all).as("golden cases").hasSizeGreaterThanOrEqualTo(MIN_CASES);
    Set<String> sites = new HashSet<>();
    for (Path f : all) {
      GoldenCase c = GoldenCase.load(f); // throws on a malformed case
      assertThat(sites.add(c.site)).as("site id of " + f.getFileName() + " is unique").isTrue();
    }
  }

  @TestFactory
  Stream<DynamicTest> goldenCases() throws IOException {
    return caseFiles().stream()
        .map(
            f ->
                DynamicTest.dynamicTest(
                    f.getFileName().toString(), f.toUri(), () -> run(GoldenCase.load(f))));
  }

  /**
   * After every case: Bulk export's streaming writer renders each curated row of the corpus as the
   * search API's mapper does (same JSON text; CuratedJsonWriterIT covers the variants in detail).
   */
  @AfterAll
  void exportWriterRendersTheCorpusAsTheApi() throws Exception {
    for (CuratedJsonEquivalence.Type type : CuratedJsonEquivalence.Type.values()) {
      CuratedJsonEquivalence.Report report = CuratedJsonEquivalence.check(type, dataSource, mapper);
      assertThat(report.differences()).as(type + ": export writer vs API mapper").isEmpty();
      assertThat(report.covered()).as(type + ": rows the export writer renders").isPositive();
    }
  }

  // ---- running one case -----------------------------------------------------------------------

  void run(GoldenCase c) throws Exception {
    SoftAssertions softly = new SoftAssertions();
    List<JsonNode> intakeExpectations = perPost(c.expect.path("intake"), c.posts.size(), c.name);
    for (int i = 0; i < c.posts.size(); i++) {
      GoldenCase.Post post = c.posts.get(i);
      String where = c.name + " post " + (i + 1) + " (" + post.describe() + ")";
      HttpResponse<String> res = post("/ingest/" + c.site, post.contentType(), post.body());
      JsonNode want = intakeExpectations.get(i);
      int status = want.path("httpStatus").asInt(200);
      assertThat(res.statusCode())
          .as(where + ": HTTP status, body " + res.body())
          .isEqualTo(status);
      if (res.statusCode() == 200) {
        checkIntake(softly, parameters(res.body()), want, where);
      }
    }
    checkDeadLetters(softly, c);
    checkUnmapped(softly, c);
    JsonNode facts = c.expect.path("facts");
    int n = 0;
    for (JsonNode fact : facts) {
      n++;
      checkFact(softly, c, fact, c.name + " fact " + n);
    }
    softly.assertAll();
  }

  static List<JsonNode> perPost(JsonNode intake, int posts, String name) {
    List<JsonNode> out = new ArrayList<>();
    if (intake.isArray()) {
      assertThat(intake.size())
          .as(name + ": expect.intake has one entry per post")
          .isEqualTo(posts);
      intake.forEach(out::add);
    } else {
      for (int i = 0; i < posts; i++) {
        out.add(i == posts - 1 && intake.isObject() ? intake : GoldenCase.YAML.createObjectNode());
      }
      if (intake.isObject() && posts > 1) {
        throw new IllegalArgumentException(
            name + ": with several posts, expect.intake must be a list");
      }
    }
    return out;
  }

  void checkIntake(SoftAssertions softly, Parameters report, JsonNode want, String where) {
    Map<String, Integer> counts = new HashMap<>();
    for (String name : COUNTS) {
      ParametersParameterComponent p = report.getParameter(name);
      softly.assertThat(p).as(where + ": answer has parameter " + name).isNotNull();
      counts.put(name, p == null ? 0 : ((IntegerType) p.getValue()).getValue());
    }
    int sum =
        counts.entrySet().stream()
            .filter(e -> !e.getKey().equals("received"))
            .mapToInt(Map.Entry::getValue)
            .sum();
    softly
        .assertThat(counts.get("received"))
        .as(where + ": received = sum of the outcomes " + counts)
        .isEqualTo(sum);
    List<ParametersParameterComponent> issues =
        report.getParameter().stream().filter(p -> "issue".equals(p.getName())).toList();
    softly
        .assertThat(issues)
        .as(where + ": one issue per rejected resource")
        .hasSize(counts.get("rejected"));
    GoldenCase.requireOnly(want, where + " expect.intake", concat(COUNTS, "issues", "httpStatus"));
    Iterator<Map.Entry<String, JsonNode>> fields = want.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      if (COUNTS.contains(f.getKey())) {
        softly
            .assertThat(counts.get(f.getKey()))
            .as(where + ": " + f.getKey() + " " + counts)
            .isEqualTo(f.getValue().asInt());
      }
    }
    if (want.has("issues")) {
      List<String> actual = new ArrayList<>();
      for (ParametersParameterComponent issue : issues) {
        actual.add(part(issue, "id") + " " + part(issue, "code"));
      }
      List<String> expected = new ArrayList<>();
      for (JsonNode i : want.get("issues")) {
        expected.add(i.path("id").asText(null) + " " + i.path("code").asText());
      }
      softly
          .assertThat(actual)
          .as(where + ": issues (id code)")
          .containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  static String[] concat(Set<String> a, String... b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(List.of(b));
    return out.toArray(String[]::new);
  }

  static String part(ParametersParameterComponent issue, String name) {
    return issue.getPart().stream()
        .filter(p -> name.equals(p.getName()))
        .map(p -> p.getValue().primitiveValue())
        .findFirst()
        .orElse(null);
  }

  void checkDeadLetters(SoftAssertions softly, GoldenCase c) {
    JsonNode want = c.expect.get("deadLetters");
    if (want == null) {
      return;
    }
    List<String> actual =
        jdbc.query(
            "SELECT resource_type, resource_id, reason_code FROM dead_letter WHERE site_id = ?",
            (rs, i) -> ref(rs.getString(1), rs.getString(2)) + " " + rs.getString(3),
            c.site);
    List<String> expected = new ArrayList<>();
    for (JsonNode d : want) {
      GoldenCase.requireOnly(d, c.name + " deadLetters", "resource", "reason");
      expected.add(d.path("resource").asText(null) + " " + d.path("reason").asText());
    }
    softly
        .assertThat(actual)
        .as(c.name + ": dead letters of the site (resource reason)")
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  static String ref(String type, String id) {
    if (type == null && id == null) {
      return null;
    }
    return type + "/" + id;
  }

  void checkUnmapped(SoftAssertions softly, GoldenCase c) {
    JsonNode want = c.expect.get("unmappedCodes");
    if (want == null) {
      return;
    }
    Map<String, Integer> actual = new HashMap<>();
    jdbc.query(
        "SELECT system, code, seen_count FROM unmapped_code WHERE site_id = ?",
        rs -> {
          actual.merge(rs.getString(1) + "|" + rs.getString(2), rs.getInt(3), Integer::sum);
        },
        c.site);
    Map<String, Integer> expected = new HashMap<>();
    want.fields()
        .forEachRemaining(e -> expected.put(GoldenCase.token(e.getKey()), e.getValue().asInt()));
    softly.assertThat(actual).as(c.name + ": unmapped-code report of the site").isEqualTo(expected);
  }

  void checkFact(SoftAssertions softly, GoldenCase c, JsonNode fact, String where) {
    GoldenCase.requireOnly(fact, where, "search", "where", "total", "first", "each", "note");
    String raw = fact.path("search").asText();
    if (!PATIENT_SCOPE.matcher(raw).find()) {
      softly.fail(
          where
              + ": a search must be scoped to the case's patients ({patient}, {patients} or {patient:<source id>}): "
              + raw);
      return;
    }
    String query;
    try {
      query = GoldenCase.expandQuery(substitute(c, raw));
    } catch (IllegalStateException e) {
      softly.fail(where + ": " + e.getMessage());
      return;
    }
    String at = where + " [" + raw + "]";
    List<Resource> found;
    try {
      found = search(query);
    } catch (RuntimeException e) {
      softly.fail(at + ": search failed: " + e);
      return;
    }
    for (int i = 0; i < found.size(); i++) {
      GoldenCase.invariants(softly, found.get(i), at + " #" + (i + 1));
    }
    if (fact.has("where")) {
      // narrows the matches before total/first/each, e.g. the SCAI stage "at diagnosis" of two
      JsonNode filter = fact.get("where");
      found =
          found.stream().filter(r -> GoldenCase.matches(r, filter, s -> substitute(c, s))).toList();
      at = at + " where " + filter;
    }
    if (fact.has("total")) {
      softly
          .assertThat(
              found.stream().map(r -> r.fhirType() + "/" + r.getIdElement().getIdPart()).toList())
          .as(at + ": total")
          .hasSize(fact.get("total").asInt());
    }
    if (fact.has("first")) {
      if (found.isEmpty()) {
        softly.fail(at + ": expected a first match, found none");
      } else {
        GoldenCase.check(softly, found.get(0), fact.get("first"), s -> substitute(c, s), at);
      }
    }
    if (fact.has("each")) {
      for (int i = 0; i < found.size(); i++) {
        GoldenCase.check(
            softly, found.get(i), fact.get("each"), s -> substitute(c, s), at + " #" + (i + 1));
      }
    }
  }

  /**
   * {@code {patient}}: the site's only patient; {@code {patients}}: all of them; {@code
   * {patient:x}}: source Patient x.
   */
  String substitute(GoldenCase c, String s) {
    Matcher m = PLACEHOLDER.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value;
      if (m.group(1).equals("encounter")) {
        if (m.group(2) == null) {
          throw new IllegalStateException("{encounter:<source Encounter id>} needs the source id");
        }
        // the curated Encounter id: HMAC of (kind, site, source type, source id, part),
        // docs/intake.md
        value = pseudonyms.factId("Encounter", c.site, "Encounter", m.group(2), "");
      } else if (m.group(2) != null) {
        // the curated Patient a source Patient is filed under (record-number or cross-site
        // pseudonym), from the hospital-side link table; never computed here
        List<String> linked =
            jdbc.queryForList(
                "SELECT patient_id FROM patient_source_link WHERE site_id = ? AND source_patient_id = ?",
                String.class,
                c.site,
                m.group(2));
        value = linked.isEmpty() ? pseudonyms.patientId(c.site, m.group(2)) : linked.get(0);
      } else {
        List<String> ids =
            jdbc.queryForList(
                "SELECT patient_id FROM patient WHERE site_id = ? ORDER BY patient_id",
                String.class,
                c.site);
        if (m.group(1).equals("patient")) {
          if (ids.size() != 1) {
            throw new IllegalStateException(
                "{patient} needs exactly one patient at site "
                    + c.site
                    + ", there are "
                    + ids.size()
                    + "; use {patients} or {patient:<source id>}");
          }
          value = ids.get(0);
        } else {
          value = ids.isEmpty() ? "no-patient-at-this-site" : String.join(",", ids);
        }
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** All matches of a search, following next links. */
  List<Resource> search(String query) {
    Bundle page = client.search().byUrl(query).returnBundle(Bundle.class).execute();
    List<Resource> out = new ArrayList<>();
    while (true) {
      page.getEntry().forEach(e -> out.add(e.getResource()));
      if (page.getLink(Bundle.LINK_NEXT) == null || out.size() > 10_000) {
        return out;
      }
      page = client.loadPage().next(page).execute();
    }
  }

  HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
    return post(path, contentType, body, TOKEN);
  }

  Parameters parameters(String body) {
    return fhir.newJsonParser().parseResource(Parameters.class, body);
  }
}
