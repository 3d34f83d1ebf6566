package org.shockreg.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.server.IntegrationTestSupport;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Behind a TLS-terminating proxy (docs/operations.md "Behind a reverse proxy") the links the server
 * hands out name the proxy's https address, from {@code X-Forwarded-*} or RFC 7239 {@code
 * Forwarded}: search next links, the Bulk status URL and the Bulk file URLs. Without those headers
 * they name the server itself.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForwardedHeadersIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-forwarded-0123456";
  static final String PUBLIC = "https://registry.example.org";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, newDataDir("it-forwarded-"));
    registerToken(registry, 0, TOKEN, "admin");
  }

  final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  void patients() throws Exception {
    String ndjson =
        "{\"resourceType\":\"Patient\",\"id\":\"fw-1\",\"gender\":\"female\",\"birthDate\":\"1950-01-01\"}\n"
            + "{\"resourceType\":\"Patient\",\"id\":\"fw-2\",\"gender\":\"female\",\"birthDate\":\"1951-01-01\"}\n";
    HttpResponse<String> res = post("/ingest/fw-site", NDJSON, ndjson, TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
  }

  String nextLink(String... headers) throws Exception {
    HttpResponse<String> res = get("/fhir/Patient?_count=1", TOKEN, headers);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return fhir.newJsonParser().parseResource(Bundle.class, res.body()).getLink("next").getUrl();
  }

  @Test
  void nextLinks_followTheProxy() throws Exception {
    assertThat(nextLink()).startsWith("http://localhost:" + port + "/fhir");
    assertThat(nextLink("X-Forwarded-Proto", "https", "X-Forwarded-Host", "registry.example.org"))
        .startsWith(PUBLIC + "/fhir?");
    assertThat(nextLink("Forwarded", "proto=https;host=registry.example.org"))
        .startsWith(PUBLIC + "/fhir?");
    assertThat(nextLink("X-Forwarded-Proto", "https")).startsWith("https://localhost/fhir?");
  }

  @Test
  void bulkStatusAndFileUrls_followTheProxy() throws Exception {
    String[] proxy = {"X-Forwarded-Proto", "https", "X-Forwarded-Host", "registry.example.org"};
    HttpResponse<String> kickoff =
        get(
            "/fhir/Patient/$export?_type=Patient",
            TOKEN,
            "Prefer",
            "respond-async",
            "Accept",
            "application/fhir+json",
            proxy[0],
            proxy[1],
            proxy[2],
            proxy[3]);
    assertThat(kickoff.statusCode()).as(kickoff.body()).isEqualTo(202);
    String status = kickoff.headers().firstValue("Content-Location").orElseThrow();
    assertThat(status).startsWith(PUBLIC + "/fhir/");
    // the client polls the proxy; here the server, with the proxy's headers
    String local = status.replace(PUBLIC, "");
    JsonNode[] manifest = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              HttpResponse<String> poll = get(local, TOKEN, proxy);
              assertThat(poll.statusCode()).as(poll.body()).isEqualTo(200);
              manifest[0] = json.readTree(poll.body());
            });
    assertThat(manifest[0].path("output")).isNotEmpty();
    for (JsonNode f : manifest[0].path("output")) {
      assertThat(f.path("url").asText()).startsWith(PUBLIC + "/fhir/");
    }
    assertThat(manifest[0].path("request").asText()).startsWith(PUBLIC + "/fhir/");
  }
}
