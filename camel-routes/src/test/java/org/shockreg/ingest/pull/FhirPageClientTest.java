package org.shockreg.ingest.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.shockreg.ingest.pull.auth.AccessTokenProvider;

/**
 * Retries, backoff and token renewal against a real local HTTP server; waits are recorded, not
 * slept.
 */
class FhirPageClientTest {

  HttpServer server;
  final List<Integer> statuses = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  final List<Duration> waits = new ArrayList<>();
  final AtomicInteger tokenVersion = new AtomicInteger(1);
  final AtomicInteger invalidated = new AtomicInteger();
  String url;

  final AccessTokenProvider auth =
      new AccessTokenProvider() {
        @Override
        public Optional<String> authorization() {
          return Optional.of("Bearer t" + tokenVersion.get());
        }

        @Override
        public void invalidate() {
          invalidated.incrementAndGet();
          tokenVersion.incrementAndGet();
        }
      };

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
    server.createContext(
        "/fhir",
        ex -> {
          authorizations.add(ex.getRequestHeaders().getFirst("Authorization"));
          int status = statuses.isEmpty() ? 200 : statuses.remove(0);
          if (status == 429) {
            ex.getResponseHeaders().add("Retry-After", "3");
          }
          byte[] body = "{\"resourceType\":\"Bundle\"}".getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "application/fhir+json");
          ex.sendResponseHeaders(status, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    url = "http://localhost:" + server.getAddress().getPort() + "/fhir/Observation";
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  FhirPageClient client(int attempts) {
    return new FhirPageClient(
        "s",
        HttpClient.newHttpClient(),
        auth,
        Duration.ofSeconds(5),
        new FhirPageClient.Retry(attempts, Duration.ofMillis(500), Duration.ofSeconds(30)),
        waits::add);
  }

  @Test
  void serverErrorsAndThrottling_areRetriedWithBackoff_honouringRetryAfter() throws Exception {
    statuses.addAll(List.of(503, 502, 429));
    FhirPageClient.Page page = client(5).get(url);
    assertThat(page.status()).isEqualTo(200);
    assertThat(waits).hasSize(3);
    assertThat(waits.get(0).toMillis()).isBetween(375L, 625L);
    assertThat(waits.get(1).toMillis()).isBetween(750L, 1250L);
    assertThat(waits.get(2)).isGreaterThanOrEqualTo(Duration.ofSeconds(3)); // Retry-After: 3
  }

  @Test
  void afterTheLastAttempt_theFailureNamesTheProblem() {
    statuses.addAll(List.of(503, 503, 503));
    assertThatThrownBy(() -> client(3).get(url))
        .isInstanceOf(FhirPageClient.TransientFailure.class)
        .hasMessageContaining("HTTP 503")
        .hasMessageContaining("3 attempts");
    assertThat(waits).hasSize(2);
  }

  @Test
  void unauthorized_renewsTheTokenOnce_askingBeforeEveryRequest() throws Exception {
    statuses.add(401);
    assertThat(client(5).get(url).status()).isEqualTo(200);
    assertThat(invalidated.get()).isEqualTo(1);
    assertThat(authorizations).containsExactly("Bearer t1", "Bearer t2");
    assertThat(waits).isEmpty();

    statuses.addAll(List.of(401, 401));
    assertThat(client(5).get(url).status()).isEqualTo(401); // a second 401 is the caller's to judge
  }

  @Test
  void clientErrors_areNotRetried() throws Exception {
    statuses.add(404);
    assertThat(client(5).get(url).status()).isEqualTo(404);
    assertThat(waits).isEmpty();
  }

  @Test
  void backoff_isCapped() {
    FhirPageClient.Retry r =
        new FhirPageClient.Retry(10, Duration.ofMillis(500), Duration.ofSeconds(30));
    assertThat(r.backoff(9).toMillis()).isBetween(22_500L, 37_500L);
    assertThat(r.backoff(30).toMillis()).isLessThanOrEqualTo(37_500L);
  }
}
