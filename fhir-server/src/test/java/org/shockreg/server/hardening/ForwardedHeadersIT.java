package org.shockreg.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
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
class ForwardedHeadersIT {

  static final String TOKEN = "it-admin-token-forwarded-0123456";
  static final String PUBLIC = "https://registry.example.org";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.register(registry);
    registry.add("shockreg.data-dir", ForwardedHeadersIT::dataDir);
    registry.add("shockreg.security.tokens[0].token", () -> TOKEN);
    registry.add("shockreg.security.tokens[0].role", () -> "admin");
  }

  static String dataDir() {
    try {
      Path target = Path.of("target").toAbsolutePath();
      Files.createDirectories(target);
      return Files.createTempDirectory(target, "it-forwarded-").toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @LocalServerPort int port;
  final HttpClient http = HttpClient.newHttpClient();
  final FhirContext fhir = FhirContext.forR4Cached();
  final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  void patients() throws Exception {
    String ndjson =
        "{\"resourceType\":\"Patient\",\"id\":\"fw-1\",\"gender\":\"female\",\"birthDate\":\"1950-01-01\"}\n"
            + "{\"resourceType\":\"Patient\",\"id\":\"fw-2\",\"gender\":\"female\",\"birthDate\":\"1951-01-01\"}\n";
    HttpResponse<String> res =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ingest/fw-site"))
                .header("Content-Type", "application/fhir+ndjson")
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(ndjson, StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
  }

  HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).header("Authorization", "Bearer " + TOKEN);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  String nextLink(String... headers) throws Exception {
    HttpResponse<String> res = get("/fhir/Patient?_count=1", headers);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return fhir.newJsonParser().parseResource(Bundle.class, res.body()).getLink("next").getUrl();
  }

  @Test
  void nextLinks_followTheProxy() throws Exception {
    assertThat(nextLink()).startsWith("http://localhost:" + port + "/fhir");
    assertThat(nextLink("X-Forwarded-Proto", "https", "X-Forwarded-Host", "registry.example.org"))
        .startsWith(PUBLIC + "/fhir?");
    assertThat(nextLink("Forwarded", "proto=https;host=registry.example.org")).startsWith(PUBLIC + "/fhir?");
    assertThat(nextLink("X-Forwarded-Proto", "https")).startsWith("https://localhost/fhir?");
  }

  @Test
  void bulkStatusAndFileUrls_followTheProxy() throws Exception {
    String[] proxy = {"X-Forwarded-Proto", "https", "X-Forwarded-Host", "registry.example.org"};
    HttpResponse<String> kickoff =
        get("/fhir/Patient/$export?_type=Patient", "Prefer", "respond-async", "Accept", "application/fhir+json",
            proxy[0], proxy[1], proxy[2], proxy[3]);
    assertThat(kickoff.statusCode()).as(kickoff.body()).isEqualTo(202);
    String status = kickoff.headers().firstValue("Content-Location").orElseThrow();
    assertThat(status).startsWith(PUBLIC + "/fhir/");
    // the client polls the proxy; here the server, with the proxy's headers
    String local = status.replace(PUBLIC, "");
    JsonNode[] manifest = new JsonNode[1];
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      HttpResponse<String> poll = get(local, proxy);
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
