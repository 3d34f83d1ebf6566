package org.shockreg.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.server.IntegrationTestSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * JWTs from a real (test) identity provider, SMART scopes narrowing roles, edc study isolation and
 * Bulk export jobs bound to their caller, over real HTTP (docs/security.md).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityScopesIT extends IntegrationTestSupport {

  static final SecurityFixtures F = new SecurityFixtures("it-scopes-");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws IOException {
    F.register(registry);
    registry.add("shockreg.bulk-export.retry-after", () -> "1s");
  }

  @Autowired JdbcTemplate jdbc;
  final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  void data() {
    F.insert(jdbc);
  }

  @AfterAll
  void stop() {
    F.close();
  }

  HttpResponse<String> get(String path, String token) throws Exception {
    return send("GET", path, token);
  }

  /** Every call asks for FHIR JSON and, where that applies ($export), an asynchronous answer. */
  HttpResponse<String> send(String method, String path, String token) throws Exception {
    return send(
        method,
        path,
        token,
        null,
        null,
        "Accept",
        "application/fhir+json",
        "Prefer",
        "respond-async");
  }

  String jwt(String role, String scope) {
    return F.idp.rs256(TestJwks.claims("client-" + role, role, scope).build());
  }

  // ---- JWTs

  @Test
  void jwts_rs256AndEs256_areAccepted_roleFromTheClaim() throws Exception {
    assertThat(get("/fhir/Patient", jwt("analyst", null)).statusCode()).isEqualTo(200);
    assertThat(get("/fhir/Provenance", jwt("analyst", null)).statusCode()).isEqualTo(403);
    String es = F.idp.es256(TestJwks.claims("ops-admin", "admin", "openid profile").build());
    assertThat(get("/fhir/Provenance", es).statusCode()).isEqualTo(200);
    assertThat(get("/admin/sources", es).statusCode()).isEqualTo(200);
    assertThat(get("/admin/sources", jwt("analyst", null)).statusCode()).isEqualTo(403);
    assertThat(send("POST", "/ingest/" + SecurityFixtures.SITE, jwt("ingest", null)).statusCode())
        .isNotIn(401, 403);
  }

  @Test
  void jwts_badlySigned_expired_foreign_orWithoutRole_are401() throws Exception {
    Instant past = Instant.now().minus(Duration.ofHours(2));
    List<String> bad =
        List.of(
            F.idp.forged(TestJwks.claims("x", "admin", null).build()),
            F.idp.rs256(
                TestJwks.claims("x", "admin", null)
                    .expirationTime(Date.from(past))
                    .issueTime(Date.from(past.minusSeconds(600)))
                    .build()),
            F.idp.rs256(TestJwks.claims("x", "admin", null).audience("someone-else").build()),
            F.idp.rs256(
                TestJwks.claims("x", "admin", null).issuer("https://evil.example.test").build()),
            F.idp.rs256(TestJwks.claims("x", null, null).build()),
            F.idp.rs256(TestJwks.claims("x", "superuser", null).build()),
            TestJwks.hs256(TestJwks.claims("x", "admin", null).build()),
            "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwic2hvY2tyZWdfcm9sZSI6ImFkbWluIn0.",
            "a.b.c");
    for (String token : bad) {
      for (String path : List.of("/fhir/Patient", "/admin/sources")) {
        HttpResponse<String> res = get(path, token);
        assertThat(res.statusCode()).as(path + " " + token).isEqualTo(401);
        assertThat(res.headers().firstValue("WWW-Authenticate").orElseThrow())
            .contains("invalid_token");
      }
    }
    assertThat(get("/fhir/Patient", bad.get(1)).body())
        .contains("OperationOutcome")
        .contains("SR-AUTH-2");
  }

  // ---- SMART scopes

  @Test
  void scopes_narrowTheRole_perTypeAndInteraction() throws Exception {
    String obs = jwt("analyst", "system/Observation.rs");
    assertThat(get("/fhir/Observation", obs).statusCode()).isEqualTo(200);
    assertThat(get("/fhir/Observation/sec-m-" + SecurityFixtures.PA1, obs).statusCode())
        .isEqualTo(200);
    assertThat(get("/fhir/Patient", obs).statusCode()).isEqualTo(403);
    assertThat(get("/fhir/Patient/" + SecurityFixtures.PA1, obs).statusCode()).isEqualTo(403);
    // what a search would bring in beside the named type is checked too
    HttpResponse<String> included = get("/fhir/Observation?_include=Observation:patient", obs);
    assertThat(included.statusCode()).isEqualTo(403);
    assertThat(included.body())
        .contains("OperationOutcome")
        .doesNotContain("\"resourceType\":\"Patient\"");
    assertThat(get("/fhir/Patient/" + SecurityFixtures.PA1 + "/$everything", obs).statusCode())
        .isEqualTo(403);

    // read without search, search without read
    String readOnly = jwt("analyst", "system/Observation.r");
    assertThat(get("/fhir/Observation/sec-m-" + SecurityFixtures.PA1, readOnly).statusCode())
        .isEqualTo(200);
    assertThat(get("/fhir/Observation", readOnly).statusCode()).isEqualTo(403);
    String searchOnly = jwt("analyst", "system/Observation.s");
    assertThat(get("/fhir/Observation", searchOnly).statusCode()).isEqualTo(200);
    assertThat(get("/fhir/Observation/sec-m-" + SecurityFixtures.PA1, searchOnly).statusCode())
        .isEqualTo(403);

    // wildcards, v1 .read, cruds; a scope never widens the role
    String all = jwt("analyst", "system/*.rs");
    assertThat(get("/fhir/Patient", all).statusCode()).isEqualTo(200);
    assertThat(get("/fhir/Provenance", all).statusCode()).isEqualTo(403);
    assertThat(get("/fhir/Provenance", jwt("analyst", "system/*.cruds")).statusCode())
        .isEqualTo(403);
    String v1 = jwt("analyst", "system/Patient.read");
    assertThat(get("/fhir/Patient", v1).statusCode()).isEqualTo(200);
    assertThat(get("/fhir/Observation", v1).statusCode()).isEqualTo(403);
    // admin narrowed: Provenance only
    String provOnly = jwt("admin", "system/Provenance.rs");
    assertThat(get("/fhir/Provenance", provOnly).statusCode()).isEqualTo(200);
    assertThat(get("/fhir/Patient", provOnly).statusCode()).isEqualTo(403);
    // user/ and patient/ scopes grant nothing on this system API
    assertThat(get("/fhir/Patient", jwt("analyst", "user/Patient.rs")).statusCode()).isEqualTo(403);
    // edc: ResearchSubject.rs narrows it further
    String edcSubjects =
        F.idp.rs256(
            TestJwks.claims("edc-app", "edc", "system/ResearchSubject.rs")
                .claim("shockreg_studies", List.of("altshock-2"))
                .build());
    assertThat(get("/fhir/ResearchSubject", edcSubjects).statusCode()).isEqualTo(200);
    assertThat(get("/fhir/ResearchStudy", edcSubjects).statusCode()).isEqualTo(403);
    // a static token's scopes work the same way
    assertThat(get("/fhir/Observation", F.OBSERVATIONS_ONLY).statusCode()).isEqualTo(200);
    assertThat(get("/fhir/Patient", F.OBSERVATIONS_ONLY).statusCode()).isEqualTo(403);
  }

  // ---- edc: its own studies only

  @Test
  void edc_seesItsStudiesSubjectsOnly() throws Exception {
    String edc = F.EDC;
    assertThat(ids(get("/fhir/ResearchSubject", edc)))
        .containsExactly("sec-rs-sec-pa1", "sec-rs-sec-pa2");
    assertThat(ids(get("/fhir/ResearchSubject?study=" + SecurityFixtures.OTHER, edc))).isEmpty();
    assertThat(ids(get("/fhir/ResearchSubject?patient=" + SecurityFixtures.PO1, edc))).isEmpty();
    assertThat(get("/fhir/ResearchSubject/sec-rs-sec-pa1", edc).statusCode()).isEqualTo(200);
    assertThat(get("/fhir/ResearchSubject/sec-rs-sec-po1", edc).statusCode()).isEqualTo(404);
    assertThat(get("/fhir/ResearchStudy/" + SecurityFixtures.OTHER, edc).statusCode())
        .isEqualTo(404);
    assertThat(get("/fhir/ResearchStudy/altshock-2", edc).statusCode()).isEqualTo(200);
    assertThat(ids(get("/fhir/ResearchStudy", edc))).containsExactly("altshock-2");
    // the EDC reads its subjects with their patients (and nothing else)
    HttpResponse<String> included =
        get("/fhir/ResearchSubject?_include=ResearchSubject:individual", edc);
    assertThat(included.statusCode()).isEqualTo(200);
    assertThat(ids(included))
        .containsExactlyInAnyOrder("sec-rs-sec-pa1", "sec-rs-sec-pa2", "sec-pa1", "sec-pa2");
    assertThat(get("/fhir/Patient/" + SecurityFixtures.PA1, edc).statusCode()).isEqualTo(403);
    // the same edc through a JWT
    String jwt =
        F.idp.es256(
            TestJwks.claims("edc-app", "edc", null)
                .claim("shockreg_studies", SecurityFixtures.OTHER)
                .build());
    assertThat(ids(get("/fhir/ResearchSubject", jwt))).containsExactly("sec-rs-sec-po1");
    assertThat(get("/edc/" + SecurityFixtures.OTHER + "/export.csv", jwt).statusCode())
        .isEqualTo(200);
    assertThat(get("/edc/altshock-2/export.csv", jwt).statusCode()).isEqualTo(403);
    // admins and analysts see all studies
    assertThat(ids(get("/fhir/ResearchSubject", F.ANALYST))).hasSize(3);
  }

  private Set<String> ids(HttpResponse<String> res) throws IOException {
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    Set<String> out = new TreeSet<>();
    for (JsonNode e : json.readTree(res.body()).path("entry")) {
      out.add(e.path("resource").path("id").asText());
    }
    return out;
  }

  // ---- Bulk export: bound to its caller, limited to what it may read

  @Test
  void bulkJobs_areBoundToTheirCaller_andExportWhatItMayRead() throws Exception {
    String status = kickOff("/fhir/$export?_type=Patient,Observation", F.ANALYST);
    JsonNode manifest = complete(status, F.ANALYST);
    String file = manifest.path("output").get(0).path("url").asText();
    // nobody else polls, downloads or cancels: not even an admin
    for (String other : List.of(F.ANALYST2, F.ADMIN, F.EDC, jwt("analyst", null))) {
      assertThat(get(status, other).statusCode()).isEqualTo(404);
      assertThat(get(file, other).statusCode()).isEqualTo(404);
      assertThat(send("DELETE", status, other).statusCode()).isEqualTo(404);
    }
    assertThat(get(status, F.INGEST).statusCode()).isEqualTo(403);
    assertThat(get(file, F.ANALYST).statusCode()).isEqualTo(200);
    assertThat(send("DELETE", status, F.ANALYST).statusCode()).isEqualTo(202);

    // scopes narrow the exported types; naming a type it may not read is a 403
    JsonNode narrowed =
        complete(kickOff("/fhir/$export", F.OBSERVATIONS_ONLY), F.OBSERVATIONS_ONLY);
    assertThat(types(narrowed)).containsExactly("Observation");
    assertThat(send("GET", "/fhir/$export?_type=Patient", F.OBSERVATIONS_ONLY).statusCode())
        .isEqualTo(403);

    // edc: only through a Group, and only its studies' subjects
    assertThat(send("GET", "/fhir/$export", F.EDC).statusCode()).isEqualTo(403);
    assertThat(send("GET", "/fhir/Patient/$export", F.EDC).statusCode()).isEqualTo(403);
    JsonNode edc = complete(kickOff("/fhir/Group/all-cs/$export?_type=Patient", F.EDC), F.EDC);
    assertThat(patients(edc, F.EDC)).containsExactly(SecurityFixtures.PA1, SecurityFixtures.PA2);
    JsonNode analyst =
        complete(kickOff("/fhir/Group/all-cs/$export?_type=Patient", F.ANALYST), F.ANALYST);
    assertThat(patients(analyst, F.ANALYST))
        .containsExactly(
            SecurityFixtures.PA1, SecurityFixtures.PA2, SecurityFixtures.PN1, SecurityFixtures.PO1);
  }

  private String kickOff(String path, String token) throws Exception {
    HttpResponse<String> res = send("GET", path, token);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
    return res.headers().firstValue("Content-Location").orElseThrow();
  }

  private JsonNode complete(String status, String token) throws Exception {
    List<HttpResponse<String>> last = new ArrayList<>();
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              HttpResponse<String> res = get(status, token);
              last.add(0, res);
              return res.statusCode() != 202;
            });
    assertThat(last.get(0).statusCode()).as(last.get(0).body()).isEqualTo(200);
    return json.readTree(last.get(0).body());
  }

  private static List<String> types(JsonNode manifest) {
    List<String> out = new ArrayList<>();
    manifest.path("output").forEach(o -> out.add(o.path("type").asText()));
    return out;
  }

  private Set<String> patients(JsonNode manifest, String token) throws Exception {
    Set<String> out = new TreeSet<>();
    for (JsonNode o : manifest.path("output")) {
      for (String line : get(o.path("url").asText(), token).body().split("\n")) {
        if (!line.isBlank()) {
          out.add(json.readTree(line).path("id").asText());
        }
      }
    }
    return out;
  }
}
