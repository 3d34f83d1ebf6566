package org.shockreg.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * The "Security" contract over real HTTP on the running app (docs/security.md): who gets 401, 403
 * or the data, per role and endpoint; path forms that once slipped past a URI-prefix check; the
 * firewall; static tokens and their rotation; health details. JWTs, scopes, edc study isolation and
 * Bulk job binding: {@link SecurityScopesIT}, which shares the fixtures of {@link
 * SecurityFixtures}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityIT extends IntegrationTestSupport {

  static final SecurityFixtures F = new SecurityFixtures("it-sec-");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws IOException {
    F.register(registry);
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

  /** A POST carries an empty NDJSON body; FHIR paths ask for FHIR JSON. */
  HttpResponse<String> send(String method, String path, String token) throws Exception {
    boolean post = method.equals("POST");
    return send(
        method,
        path,
        token,
        post ? NDJSON : null,
        post ? new byte[0] : null,
        "Accept",
        path.startsWith("/fhir") ? "application/fhir+json" : "*/*");
  }

  // ---- 401 and the open endpoints

  @Test
  void openEndpoints_needNoToken_everythingElseIs401_inTheRightFormat() throws Exception {
    for (String open :
        List.of(
            "/fhir/metadata",
            "/.well-known/jwks.json",
            "/fhir/api-docs",
            "/console/",
            "/console/js/app.js",
            "/webjars/uplot/dist/uPlot.esm.js")) {
      assertThat(send("GET", open, null).statusCode()).as(open).isEqualTo(200);
    }
    HttpResponse<String> health = send("GET", "/actuator/health", null);
    assertThat(health.statusCode())
        .as(send("GET", "/actuator/health", F.ADMIN).body())
        .isIn(200, 503);
    HttpResponse<String> fhir = send("GET", "/fhir/Patient", null);
    assertThat(fhir.statusCode()).isEqualTo(401);
    assertThat(fhir.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer");
    assertThat(fhir.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/fhir+json");
    assertThat(json.readTree(fhir.body()).path("resourceType").asText())
        .isEqualTo("OperationOutcome");

    HttpResponse<String> admin = send("GET", "/admin/dead-letters", null);
    assertThat(admin.statusCode()).isEqualTo(401);
    assertThat(admin.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/problem+json");
    assertThat(json.readTree(admin.body()).path("status").asInt()).isEqualTo(401);

    for (String path :
        List.of(
            "/fhir/Observation",
            "/fhir/Provenance",
            "/edc/altshock-2/odm",
            "/actuator/prometheus",
            "/fhir/$export-poll-status?_jobId=x",
            "/fhir/%50rovenance")) {
      assertThat(send("GET", path, null).statusCode()).as(path).isEqualTo(401);
      assertThat(send("GET", path, "not-a-token-but-long-enough").statusCode())
          .as(path)
          .isEqualTo(401);
    }
    assertThat(send("POST", "/ingest/" + SecurityFixtures.SITE, null).statusCode()).isEqualTo(401);
    HttpResponse<String> bad = send("GET", "/fhir/Patient", "wrong-token-0123456789");
    assertThat(bad.headers().firstValue("WWW-Authenticate").orElseThrow())
        .contains("invalid_token");
  }

  // ---- every role x protected type and endpoint

  record Expect(
      String method, String path, boolean admin, boolean analyst, boolean ingest, boolean edc) {}

  @Test
  void everyRole_onEveryProtectedTypeAndEndpoint() throws Exception {
    String pa1 = SecurityFixtures.PA1;
    List<Expect> table =
        List.of(
            new Expect("GET", "/fhir/Patient", true, true, false, false),
            new Expect("GET", "/fhir/Patient/" + pa1, true, true, false, false),
            new Expect("GET", "/fhir/Observation", true, true, false, false),
            new Expect("GET", "/fhir/Encounter", true, true, false, false),
            new Expect("GET", "/fhir/Condition", true, true, false, false),
            new Expect("GET", "/fhir/Procedure", true, true, false, false),
            new Expect("GET", "/fhir/Provenance", true, false, false, false),
            new Expect(
                "GET", "/fhir/Provenance?target=Observation/sec-m-pa1", true, false, false, false),
            new Expect("GET", "/fhir/ResearchStudy", true, true, false, true),
            new Expect("GET", "/fhir/ResearchSubject", true, true, false, true),
            new Expect("GET", "/fhir/Group", true, true, false, false),
            new Expect("GET", "/fhir/CodeSystem", true, true, false, false),
            new Expect("GET", "/fhir/ConceptMap", true, true, false, false),
            new Expect("GET", "/fhir/StructureDefinition", true, true, false, false),
            new Expect("GET", "/fhir/Patient/" + pa1 + "/$everything", true, true, false, false),
            new Expect("GET", "/fhir/Group/all-cs/$cohort-summary", true, true, false, false),
            new Expect(
                "GET", "/fhir/ResearchStudy/altshock-2/$interim-report", true, true, false, true),
            new Expect(
                "GET",
                "/fhir/ResearchStudy/" + SecurityFixtures.OTHER + "/$interim-report",
                true,
                true,
                false,
                false),
            new Expect("GET", "/admin/dead-letters", true, false, false, false),
            new Expect("GET", "/admin/sources", true, false, false, false),
            new Expect("GET", "/admin/subscriptions", true, false, false, false),
            new Expect("GET", "/fhir/Subscription", true, false, false, true),
            new Expect("POST", "/admin/subscriptions/none/replay", true, false, false, false),
            new Expect("GET", "/admin/unmapped-codes", true, false, false, false),
            new Expect("GET", "/actuator/prometheus", true, false, false, false),
            new Expect("GET", "/edc/altshock-2/export.csv", true, false, false, true),
            new Expect("GET", "/edc/altshock-2/data-dictionary.csv", true, false, false, true),
            new Expect(
                "GET", "/edc/" + SecurityFixtures.OTHER + "/export.csv", true, false, false, false),
            new Expect("POST", "/ingest/" + SecurityFixtures.SITE, true, false, true, false));
    List<String> wrong = new ArrayList<>();
    for (Expect e : table) {
      check(e, "admin", F.ADMIN, e.admin(), wrong);
      check(e, "analyst", F.ANALYST, e.analyst(), wrong);
      check(e, "ingest", F.INGEST, e.ingest(), wrong);
      check(e, "edc", F.EDC, e.edc(), wrong);
    }
    assertThat(wrong).isEmpty();
  }

  private void check(Expect e, String role, String token, boolean allowed, List<String> wrong)
      throws Exception {
    HttpResponse<String> res = send(e.method(), e.path(), token);
    int status = res.statusCode();
    boolean ok = allowed ? status != 401 && status != 403 && status < 500 : status == 403;
    if (!ok) {
      wrong.add(role + " " + e.method() + " " + e.path() + " -> " + status + " " + res.body());
    } else if (!allowed) {
      String type = res.headers().firstValue("Content-Type").orElse("");
      if (e.path().startsWith("/fhir") && !res.body().contains("OperationOutcome")) {
        wrong.add(role + " " + e.path() + ": 403 without an OperationOutcome: " + res.body());
      }
      if (!e.path().startsWith("/fhir") && !type.startsWith("application/problem+json")) {
        wrong.add(role + " " + e.path() + ": 403 not as problem+json: " + type);
      }
    }
  }

  // ---- path forms that a URI-prefix check would miss

  static final List<String> PROVENANCE_FORMS =
      List.of(
          "/fhir/Provenance",
          "/fhir/%50rovenance",
          "/fhir/%50%72ovenance?_count=5",
          "/fhir//Provenance",
          "//fhir/Provenance",
          "/fhir/./Provenance",
          "/fhir/x/../Provenance",
          "/fhir/%2e/Provenance",
          "/fhir/Provenance;x=y",
          "/fhir;x=y/Provenance",
          "/fhir/Provenance/",
          "/fhir/PROVENANCE",
          "/fhir/provenance",
          "/fhir%2FProvenance",
          "/fhir/%2FProvenance",
          "/fhir/Provenance%2F",
          "/fhir/Provenance%3Bx",
          "/fhir/Provenance%00",
          "/fhir/Provenance/_search",
          "/fhir/Provenance/_history",
          "/fhir/Provenance/obs-sec-m-pa1",
          "/fhir/Provenance/obs-sec-m-pa1/_history",
          "/fhir/Provenance/obs-sec-m-pa1/_history/1",
          "/fhir/Provenance/$meta",
          "/fhir/Provenance/obs-sec-m-pa1/$everything",
          "/fhir/Provenance/$export",
          "/fhir/$export?_type=Provenance",
          "/fhir?_type=Provenance",
          "/fhir/_search?_type=Provenance",
          "/fhir/_history",
          "/fhir/Provenance?_format=json",
          "/fhir/Provenance?_getpages=x",
          "/fhir?_getpages=x",
          "/fhir/Observation?_revinclude=Provenance:target",
          "/fhir/AuditEvent",
          "/fhir/%41uditEvent");

  @Test
  void provenance_inEveryPathForm_neverReachesAForbiddenRole() throws Exception {
    List<String> leaks = new ArrayList<>();
    for (String target : PROVENANCE_FORMS) {
      for (Map.Entry<String, String> who :
          Map.of("analyst", F.ANALYST, "edc", F.EDC, "ingest", F.INGEST).entrySet()) {
        for (String method : List.of("GET", "POST")) {
          RawHttp.Response res = RawHttp.send(port, method, target, who.getValue());
          if (!List.of(400, 403, 404, 405, 410).contains(res.status())
              || res.body().contains("\"resourceType\":\"Provenance\"")) {
            leaks.add(
                who.getKey()
                    + " "
                    + method
                    + " "
                    + target
                    + " -> "
                    + res.status()
                    + " "
                    + res.body());
          }
          if (res.status() >= 500) {
            leaks.add(who.getKey() + " " + method + " " + target + " -> 5xx " + res.body());
          }
        }
      }
    }
    assertThat(leaks).isEmpty();
    // decoded forms are authorized as what HAPI decodes them to; unnormalised ones never get there
    for (String decoded :
        List.of("/fhir/%50rovenance", "/fhir/%50%72ovenance?_count=5", "/fhir/Provenance/")) {
      RawHttp.Response res = RawHttp.send(port, "GET", decoded, F.ANALYST);
      assertThat(res.status()).as(decoded).isEqualTo(403);
      assertThat(res.body()).as(decoded).contains("OperationOutcome").contains("SR-AUTH-3");
    }
    for (String unnormalised :
        List.of(
            "//fhir/Provenance",
            "/fhir//Provenance",
            "/fhir/./Provenance",
            "/fhir;x=y/Provenance")) {
      assertThat(RawHttp.send(port, "GET", unnormalised, F.ANALYST).status())
          .as(unnormalised)
          .isEqualTo(400);
    }
    // the admin still reads it, through the canonical path and the ones HAPI decodes the same way
    assertThat(RawHttp.send(port, "GET", "/fhir/Provenance", F.ADMIN).status()).isEqualTo(200);
    assertThat(RawHttp.send(port, "GET", "/fhir/%50rovenance", F.ADMIN).status()).isEqualTo(200);
  }

  @Test
  void adminAndEdcEndpoints_inEveryPathForm_stayClosed() throws Exception {
    String other = SecurityFixtures.OTHER;
    List<String> adminForms =
        List.of(
            "/admin/dead-letters",
            "/%61dmin/dead-letters",
            "//admin/dead-letters",
            "/admin//dead-letters",
            "/admin/./dead-letters",
            "/fhir/../admin/dead-letters",
            "/ingest/../admin/dead-letters",
            "/admin;x=y/dead-letters",
            "/admin/dead-letters;x=y",
            "/ADMIN/dead-letters",
            "/admin%2Fdead-letters",
            "/actuator/prometheus",
            "/actuator/%70rometheus",
            "/actuator/health/../prometheus",
            "/actuator/health/..;/prometheus",
            "/.well-known/../admin/sources",
            "/edc/" + other + "/export.csv",
            "/edc/%73ec-other/export.csv",
            "/edc//" + other + "/export.csv",
            "/edc/altshock-2/../" + other + "/odm",
            "/edc/altshock-2/..;/" + other + "/odm",
            "/edc/altshock-2%2F..%2F" + other + "/odm",
            "/edc/" + other + ";x=y/odm",
            "/edc/./" + other + "/odm");
    List<String> leaks = new ArrayList<>();
    for (String target : adminForms) {
      for (Map.Entry<String, String> who : Map.of("analyst", F.ANALYST, "edc", F.EDC).entrySet()) {
        RawHttp.Response res = RawHttp.send(port, "GET", target, who.getValue());
        if (!List.of(400, 403, 404).contains(res.status())) {
          leaks.add(who.getKey() + " " + target + " -> " + res.status() + " " + res.body());
        }
      }
    }
    assertThat(leaks).isEmpty();
  }

  @Test
  void firewallRejections_are400WithAReason_notA500() throws Exception {
    for (String target :
        List.of(
            "/fhir//Provenance",
            "/fhir/./Provenance",
            "/fhir/Provenance;x=y",
            "/fhir/%2e%2e/admin",
            "/admin/..;/x",
            "/fhir/Patient%25",
            "/fhir%2FProvenance",
            "/fhir/Patient%5Cx")) {
      RawHttp.Response res = RawHttp.send(port, "GET", target, F.ADMIN);
      assertThat(res.status()).as(target).isEqualTo(400);
      assertThat(res.body()).as(target).containsAnyOf("rejected", "Bad Request", "Invalid URI");
    }
    RawHttp.Response fhir = RawHttp.send(port, "GET", "/fhir//Patient", F.ADMIN);
    assertThat(fhir.body()).contains("OperationOutcome").contains("SR-HTTP-1");
    RawHttp.Response other = RawHttp.send(port, "GET", "/admin//sources", F.ADMIN);
    assertThat(other.body()).contains("\"status\":400").contains("SR-HTTP-1");
  }

  // ---- health, static tokens

  @Test
  void healthDetails_onlyForAdmins() throws Exception {
    // other test contexts alive in the same JVM can take a component DOWN: what matters here is who
    // sees the details, not the status itself
    JsonNode anonymous = json.readTree(send("GET", "/actuator/health", null).body());
    assertThat(anonymous.path("status").asText()).isIn("UP", "DOWN");
    assertThat(anonymous.has("components")).isFalse();
    assertThat(json.readTree(send("GET", "/actuator/health", F.ANALYST).body()).has("components"))
        .isFalse();
    assertThat(
            json.readTree(send("GET", "/actuator/health", F.ADMIN).body())
                .path("components")
                .has("db"))
        .isTrue();
  }

  @Test
  void tokensFile_addsAndRotatesTokens_withoutRestart_storedAsDigests() throws Exception {
    String first = "rotated-token-one-0123456789";
    String second = "rotated-token-two-0123456789";
    Path file = F.dataDir.resolve("tokens.yaml");
    assertThat(send("GET", "/fhir/Patient", first).statusCode()).isEqualTo(401);
    Files.writeString(
        file,
        "tokens:\n  - name: rotating-analyst\n    role: analyst\n    token-sha256: "
            + sha256(first)
            + "\n");
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> send("GET", "/fhir/Patient", first).statusCode() == 200);
    assertThat(send("GET", "/fhir/Provenance", first).statusCode()).isEqualTo(403);
    // rotation: the new value in, the old one out
    Files.writeString(
        file,
        "tokens:\n  - name: rotating-analyst\n    role: analyst\n    token-sha256: "
            + sha256(second)
            + "\n");
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> send("GET", "/fhir/Patient", second).statusCode() == 200);
    assertThat(send("GET", "/fhir/Patient", first).statusCode()).isEqualTo(401);
    // a broken file keeps the tokens that worked
    Files.writeString(file, "tokens: [ {name: x, role: nonsense");
    // across several reload intervals (100 ms) the broken file changes nothing
    org.awaitility.Awaitility.await()
        .during(java.time.Duration.ofMillis(400))
        .atMost(java.time.Duration.ofSeconds(2))
        .until(() -> send("GET", "/fhir/Patient", second).statusCode() == 200);
    assertThat(send("GET", "/fhir/Patient", second).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/fhir/Patient", F.ADMIN).statusCode()).isEqualTo(200);
    Files.delete(file);
  }

  static String sha256(String s) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }
}
