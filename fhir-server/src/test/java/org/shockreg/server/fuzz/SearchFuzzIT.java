package org.shockreg.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.slf4j.LoggerFactory;

/**
 * Fuzzes the curated FHIR API's search parameter handling over HTTP: mutated {@code date}, {@code
 * value-quantity}, {@code code}, {@code _count}, {@code _sort}, {@code _include}, chains, modifiers
 * and odd text, on every resource type, on a registry holding two Synthea slices. Never a 5xx: 200
 * with a Bundle (whose next link works too) or a 4xx with an OperationOutcome. A hang fails on the
 * client's 30 s timeout. Tries, seeds and replay: {@link FuzzTries}.
 */
class SearchFuzzIT {

  static final String[] TYPES = {
    "Patient",
    "Observation",
    "Procedure",
    "Condition",
    "Encounter",
    "ResearchSubject",
    "ResearchStudy",
    "Group",
    "Provenance",
    "ConceptMap",
    "CodeSystem",
    "Foo",
    "Patient/$everything-of-a-patient"
  };

  static final String[] NAMES = {
    "_id",
    "_lastUpdated",
    "_count",
    "_sort",
    "_include",
    "_revinclude",
    "_summary",
    "_elements",
    "_total",
    "_format",
    "_pretty",
    "_has:Observation:patient:code",
    "subject",
    "patient",
    "code",
    "date",
    "value-quantity",
    "value-concept",
    "category",
    "encounter",
    "focus",
    "gender",
    "birthdate",
    "death-date",
    "onset-date",
    "study",
    "individual",
    "status",
    "subject.gender",
    "subject:Patient.birthdate",
    "patient._id",
    "subject.name",
    "_content",
    "_text",
    "_filter",
    "unknown-param",
    "",
    "_include:iterate",
    "_revinclude:iterate",
    "name",
    "identifier",
    "url",
    "_tag",
    "_security",
    "_profile",
    "_list",
    "_query",
    "_contained",
    "page",
    "_getpages",
    "_since",
    "_type"
  };

  static final String[] MODIFIERS = {
    "",
    "",
    "",
    "",
    ":missing",
    ":exact",
    ":not",
    ":text",
    ":contains",
    ":above",
    ":below",
    ":in",
    ":not-in",
    ":of-type",
    ":identifier",
    ":Patient",
    ":Observation",
    ":iterate",
    ":foo",
    "::",
    ":"
  };

  static final String[] VALUES = {
    // dates, with every prefix
    "2025-01-01",
    "ge2025-01-01",
    "lt2025-01-01T00:00:00Z",
    "ne2025",
    "sa2025-02",
    "eb2025-02-01T10:00",
    "ap2025-03-01",
    "xx2025-01-01",
    "gt",
    "ge",
    "le9999-12-31",
    "gt-0001-01-01",
    "2025-13-45",
    "2025-02-30",
    "0000-00-00",
    "2025-01-01T24:00:00Z",
    "2025-01-01T00:00:00+25:00",
    "20250101",
    "yesterday",
    "ge2025-01-01T00:00:00.123456789012Z",
    "99999-01-01",
    "lt+12025-01-01",
    "2025-W01-1",
    // quantities
    "5",
    "5||mg",
    "gt5|http://unitsofmeasure.org|mmol/L",
    "|||",
    "1e400",
    "NaN",
    "-0",
    "5.0e-999",
    "99999999999999999999999",
    "ap",
    "5|",
    "|mmol/L",
    "gt4|http://unitsofmeasure.org|mg/dL",
    "le-1e309",
    "ap5.|",
    "5|x|y|z",
    "lt0.0000000000000000000000001",
    // tokens and references
    "http://loinc.org|2524-7",
    "|2524-7",
    "http://loinc.org|",
    "|",
    "rv|lactate",
    "https://fhir.shockreg.org/CodeSystem/registry-variable|lactate",
    "a,b,c",
    ",,,",
    "Patient/x",
    "x",
    "Patient/",
    "http://other.example/fhir/Patient/1",
    "Patient/1/_history/1",
    "urn:uuid:x",
    "Group/hf-cs",
    "altshock-2",
    "male",
    "unknown",
    "female,male",
    "final",
    "potential-candidate",
    // counts, sorts, includes, summaries, elements
    "-1",
    "0",
    "1",
    "99999999999",
    "abc",
    "1.5",
    "",
    "2147483648",
    "date",
    "-date",
    "_lastUpdated",
    "-_lastUpdated,date",
    "-",
    ",",
    "value-quantity",
    "__",
    "_id",
    "*",
    "Observation:subject",
    "Observation:patient:Patient",
    "Foo:bar",
    "Observation:subject:Group",
    "Observation",
    "Observation:*",
    "ResearchSubject:study",
    "ResearchSubject:individual",
    "Observation:encounter",
    "Provenance:target",
    "Observation:focus",
    "count",
    "true",
    "false",
    "text",
    "data",
    "bogus",
    "accurate",
    "code,value",
    "meta.lastUpdated",
    "json",
    "xml",
    "application/fhir+json",
    "html",
    "ttl",
    // odd text
    "%",
    "%zz",
    "%00",
    "' OR 1=1 --",
    "\\",
    "\u00fc\u00df",
    "\u0000",
    "\uD83E\uDEC0",
    "\u202E",
    "\uFEFF",
    "x".repeat(5000),
    "a".repeat(300) + "|" + "b".repeat(300),
    "${jndi:ldap://x}",
    "<script>",
    "null",
    "Patient?gender=male",
    "&",
    "=",
    "#",
    "+",
    "1 2",
    "\n",
    "ｍａｌｅ"
  };

  /** One parameter: name, modifier, value and how it is encoded (0 once, 1 minimally, 2 twice). */
  record Param(String name, String modifier, String value, int encoding) {
    String query() {
      String v = value.replace("{patient}", patientId());
      return encode(name + modifier, encoding) + "=" + encode(v, encoding);
    }
  }

  record Search(String type, List<Param> params, boolean post) {
    @Override
    public String toString() {
      return (post ? "POST " : "GET ") + path() + "?" + query();
    }

    String path() {
      return type.startsWith("Patient/$everything")
          ? "/fhir/Patient/" + SearchFuzzIT.patientId() + "/$everything"
          : "/fhir/" + type;
    }

    String query() {
      List<String> q = new ArrayList<>();
      params.forEach(p -> q.add(p.query()));
      return String.join("&", q);
    }
  }

  private static String patientId;

  /** A registry with data to find: two Synthea slices, posted once. */
  static synchronized String patientId() {
    if (patientId == null) {
      FuzzServer server = FuzzServer.get();
      for (String slice : Seeds.SYNTHEA_SLICES) {
        try (var in = SearchFuzzIT.class.getResourceAsStream(slice)) {
          byte[] body = in.readAllBytes();
          server
              .pipeline()
              .ingest(
                  new IntakeRequest(
                      "fz-search",
                      IntakeRequest.CHANNEL_HTTP,
                      "fuzz",
                      "application/fhir+json",
                      null,
                      IntakeRequest.Body.of(body)));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      patientId =
          server
              .jdbc()
              .queryForObject(
                  "SELECT patient_id FROM patient WHERE site_id = 'fz-search' ORDER BY patient_id LIMIT 1",
                  String.class);
    }
    return patientId;
  }

  static String encode(String s, int encoding) {
    String once = URLEncoder.encode(s, StandardCharsets.UTF_8);
    return switch (encoding) {
      // ":", "," and "/" as browsers send them ("|" stays encoded: java.net.URI refuses it)
      case 1 -> once.replace("%3A", ":").replace("%2C", ",").replace("%2F", "/");
      case 2 -> URLEncoder.encode(once, StandardCharsets.UTF_8);
      default -> once;
    };
  }

  /** The parameters each type declares (docs/fhir-api.md): most generated searches use these. */
  static final Map<String, List<String>> DECLARED =
      Map.of(
          "Patient",
          List.of("_id", "gender", "birthdate", "death-date", "_lastUpdated"),
          "Observation",
          List.of(
              "subject",
              "patient",
              "code",
              "date",
              "value-quantity",
              "value-concept",
              "category",
              "encounter",
              "focus",
              "subject.gender",
              "subject:Patient.birthdate",
              "patient._id"),
          "Procedure",
          List.of("subject", "patient", "code", "date"),
          "Condition",
          List.of("subject", "patient", "code", "onset-date"),
          "Encounter",
          List.of("subject", "patient", "date", "_id"),
          "ResearchSubject",
          List.of("study", "individual", "patient", "status"),
          "Group",
          List.of("code", "_id"));

  static final List<String> COMMON =
      List.of("_count", "_sort", "_include", "_revinclude", "_summary", "_elements");

  /** Values that fit a parameter's type, so that searches get past the first check. */
  static List<String> fitting(String name) {
    List<String> all = List.of(VALUES);
    if (name.contains("date") || name.equals("_lastUpdated")) {
      return all.subList(0, 23);
    }
    if (name.equals("value-quantity")) {
      return all.subList(23, 40);
    }
    if (name.equals("subject") || name.equals("patient") || name.equals("individual")) {
      return List.of(
          "Patient/{patient}",
          "{patient}",
          "Patient/{patient},Patient/x",
          "Group/hf-cs",
          "Patient/");
    }
    if (name.equals("_count")) {
      return List.of("-1", "0", "1", "2", "99999999999", "abc", "1.5", "", "2147483648");
    }
    return all;
  }

  /** A search on one type with one to three parameters, one in five as POST {@code _search}. */
  static Search search(RandomGenerator random) {
    String type = pick(random, TYPES);
    List<String> names = new ArrayList<>(COMMON);
    names.addAll(DECLARED.getOrDefault(type, List.of()));
    int n = random.nextInt(1, 4);
    List<Param> params = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      // mostly the names the type declares, with values that fit them; else anything
      String name =
          random.nextInt(4) < 3 ? names.get(random.nextInt(names.size())) : pick(random, NAMES);
      String modifier = random.nextInt(4) < 3 ? "" : pick(random, MODIFIERS);
      List<String> fitting = fitting(name);
      String value =
          random.nextInt(3) < 2
              ? fitting.get(random.nextInt(fitting.size()))
              : pick(random, VALUES);
      int roll = random.nextInt(10);
      int encoding = roll < 6 ? 0 : roll < 9 ? 1 : 2;
      params.add(new Param(name, modifier, value, encoding));
    }
    return new Search(type, params, random.nextInt(5) == 0);
  }

  private static String pick(RandomGenerator random, String[] from) {
    return from[random.nextInt(from.length)];
  }

  /**
   * How often each status was answered: printed after the run, so a reader sees what was covered.
   */
  static final Map<Integer, Integer> statuses = new ConcurrentSkipListMap<>();

  @TestFactory
  Stream<DynamicTest> searches_answer200Or4xxWithOperationOutcome() {
    return FuzzTries.of(
        "SearchFuzzIT.searches_answer200Or4xxWithOperationOutcome",
        600,
        SearchFuzzIT::search,
        SearchFuzzIT::check);
  }

  @AfterAll
  static void logStatuses() {
    LoggerFactory.getLogger(SearchFuzzIT.class)
        .info("event=search_fuzz_statuses statuses={}", statuses);
  }

  static void check(Search search) throws Exception {
    patientId();
    FuzzServer server = FuzzServer.get();
    HttpResponse<String> res =
        search.post()
            ? server.post(
                search.path() + (search.path().contains("$") ? "" : "/_search"),
                "application/x-www-form-urlencoded",
                search.query().getBytes(StandardCharsets.UTF_8))
            : server.get(search.path() + "?" + search.query());
    checkAnswer(res, search.toString());
    if (res.statusCode() == 200
        && res.headers().firstValue("Content-Type").orElse("").contains("json")) {
      JsonNode bundle = Seeds.JSON.readTree(res.body());
      for (JsonNode link : bundle.path("link")) {
        if ("next".equals(link.path("relation").asText())) {
          String next = link.path("url").asText();
          String local = next.substring(next.indexOf("/fhir"));
          checkAnswer(server.get(local), "next of " + search);
        }
      }
    }
  }

  static void checkAnswer(HttpResponse<String> res, String what) throws Exception {
    statuses.merge(res.statusCode(), 1, Integer::sum);
    assertThat(res.statusCode())
        .as("the fuzzer's token is refused: %s", res.body())
        .isNotIn(401, 403);
    assertThat(res.statusCode()).as("%s answered %s", what, res.body()).isLessThan(500);
    String type = res.headers().firstValue("Content-Type").orElse("");
    if (!type.contains("json")) {
      // _format=xml and the like: another encoding of the same answer
      assertThat(res.statusCode() == 200 || res.body().contains("OperationOutcome"))
          .as(what)
          .isTrue();
      return;
    }
    if (res.statusCode() == 200) {
      JsonNode body = Seeds.JSON.readTree(res.body());
      assertThat(body.path("resourceType").asText()).as(what).isIn("Bundle", "Parameters");
    } else {
      assertThat(res.statusCode()).as(what).isBetween(400, 499);
      JsonNode body = Seeds.JSON.readTree(res.body());
      assertThat(body.path("resourceType").asText())
          .as("%s answered %s", what, res.body())
          .isEqualTo("OperationOutcome");
      assertThat(res.body()).as("no stack trace in an answer").doesNotContain("\tat ", "\\tat ");
    }
  }

  // ---- crashers found, kept as regression cases ----------------------------------------------

  @Test
  void plainObservationSearch_isABundle() throws Exception {
    check(new Search("Observation", List.of(new Param("_count", "", "2", 0)), false));
  }

  /** A NUL reached PostgreSQL as a bound parameter: a 500 whose diagnostics held the SQL. */
  @Test
  void nulInAParameter_is400() throws Exception {
    for (String query :
        List.of("code=%00", "patient._id=%00", "_id=a%00b", "subject=Patient%2F%00")) {
      HttpResponse<String> res = FuzzServer.get().get("/fhir/Observation?" + query);
      assertThat(res.statusCode()).as(query + ": " + res.body()).isEqualTo(400);
      assertThat(res.body()).contains("SR-SEARCH-51").doesNotContain("SELECT");
    }
  }

  /** HAPI's QuantityParam let a NumberFormatException out: a 500. */
  @Test
  void valueQuantityThatIsADate_is400() throws Exception {
    Search s =
        new Search(
            "Observation", List.of(new Param("value-quantity", "", "ge2025-01-01", 0)), false);
    HttpResponse<String> res = FuzzServer.get().get(s.path() + "?" + s.query());
    assertThat(res.statusCode()).as(res.body()).isEqualTo(400);
    assertThat(res.body()).contains("OperationOutcome", "SR-SEARCH-50");
  }
}
