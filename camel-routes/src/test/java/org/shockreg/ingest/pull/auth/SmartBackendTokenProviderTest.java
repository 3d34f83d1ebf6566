package org.shockreg.ingest.pull.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.shockreg.ingest.pull.PullSourcesProperties.Auth;

/**
 * The provider against a real token endpoint that verifies every client assertion; time is a {@link
 * MutableClock}, retries wait through a recording sleeper.
 */
class SmartBackendTokenProviderTest {

  static final String CLIENT_ID = "shockreg-test-client";
  static RSAKey rsa;
  static ECKey ec;
  @TempDir static Path keys;
  static Path rsaPem;
  static Path ecPem;

  final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
  final HttpClient http = HttpClient.newHttpClient();
  final List<Duration> waits = new ArrayList<>();
  FakeTokenEndpoint endpoint;

  @BeforeAll
  static void keys() {
    rsa = TestKeys.rsa();
    ec = TestKeys.ec(Curve.P_384);
    rsaPem = TestKeys.writePkcs8(keys, "rsa.pem", rsa);
    ecPem = TestKeys.writePkcs8(keys, "ec.pem", ec);
  }

  @AfterEach
  void stop() {
    if (endpoint != null) {
      endpoint.close();
    }
  }

  JWK load(Path pem, String alg) {
    return SigningKeys.load(
        "ehr-a",
        new Auth("smart-backend", null, null, null, CLIENT_ID, pem, null, alg, null, null));
  }

  SmartBackendTokenProvider provider(JWK key, URI tokenUrl) {
    return new SmartBackendTokenProvider(
        new SmartTokenEndpoint(
            "ehr-a",
            CLIENT_ID,
            key,
            tokenUrl,
            "system/Observation.read system/Patient.read",
            http,
            clock,
            waits::add,
            Duration.ofSeconds(1)),
        clock);
  }

  SmartBackendTokenProvider rsaProvider() {
    JWK key = load(rsaPem, "RS384");
    endpoint = new FakeTokenEndpoint(CLIENT_ID, key, JWSAlgorithm.RS384, clock);
    return provider(key, endpoint.url());
  }

  @Test
  void rs384Assertion_isVerifiedByTheEndpoint_andTheTokenIsABearerHeader() throws Exception {
    SmartBackendTokenProvider provider = rsaProvider();

    assertThat(provider.authorization()).contains("Bearer tok-1");

    var form = endpoint.forms.get(0);
    assertThat(form)
        .containsEntry("grant_type", "client_credentials")
        .containsEntry("scope", "system/Observation.read system/Patient.read")
        .containsEntry(
            "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    var jwt = endpoint.assertions.get(0);
    assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS384);
    assertThat(jwt.getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
    assertThat(jwt.getHeader().getKeyID()).isEqualTo(rsa.computeThumbprint().toString());
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertThat(claims.getIssuer()).isEqualTo(CLIENT_ID);
    assertThat(claims.getSubject()).isEqualTo(CLIENT_ID);
    assertThat(claims.getAudience()).containsExactly(endpoint.url().toString());
    assertThat(claims.getIssueTime().toInstant()).isEqualTo(clock.instant());
    assertThat(claims.getExpirationTime().toInstant())
        .isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
    assertThat(claims.getJWTID()).hasSize(36);
  }

  @Test
  void es384Assertion_isVerifiedByTheEndpoint() throws Exception {
    JWK key = load(ecPem, "ES384");
    endpoint = new FakeTokenEndpoint(CLIENT_ID, key, JWSAlgorithm.ES384, clock);
    SmartBackendTokenProvider provider = provider(key, endpoint.url());

    assertThat(provider.authorization()).contains("Bearer tok-1");
    assertThat(endpoint.assertions.get(0).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES384);
    assertThat(endpoint.assertions.get(0).getHeader().getKeyID())
        .isEqualTo(ec.computeThumbprint().toString());
  }

  @Test
  void token_isReused_thenRenewedBeforeItExpires() {
    SmartBackendTokenProvider provider = rsaProvider(); // expires_in 2 s: renew in the last 1 s

    assertThat(provider.authorization()).contains("Bearer tok-1");
    clock.advance(Duration.ofMillis(900));
    assertThat(provider.authorization()).contains("Bearer tok-1");
    assertThat(endpoint.requests).hasValue(1);

    clock.advance(Duration.ofMillis(200)); // 1.1 s: tok-1 still valid for 0.9 s, but renewed now
    assertThat(provider.authorization()).contains("Bearer tok-2");
    assertThat(endpoint.issued.get(0).expiresAt()).isAfter(clock.instant());
    assertThat(endpoint.requests).hasValue(2);
  }

  @Test
  void longLivedToken_isRenewedSixtySecondsOrTenPercentBeforeExpiry() {
    SmartBackendTokenProvider provider = rsaProvider();
    endpoint.expiresIn = 300; // margin 60 s

    assertThat(provider.authorization()).contains("Bearer tok-1");
    clock.advance(Duration.ofSeconds(239));
    assertThat(provider.authorization()).contains("Bearer tok-1");
    clock.advance(Duration.ofSeconds(2));
    assertThat(provider.authorization()).contains("Bearer tok-2");

    endpoint.expiresIn = 3600; // margin 360 s
    clock.advance(Duration.ofSeconds(300)); // tok-2 is past its renewal point
    assertThat(provider.authorization()).contains("Bearer tok-3");
    clock.advance(Duration.ofSeconds(3239));
    assertThat(provider.authorization()).contains("Bearer tok-3");
    clock.advance(Duration.ofSeconds(2));
    assertThat(provider.authorization()).contains("Bearer tok-4");
  }

  @Test
  void everyPageOfALongPull_getsATokenThatHasNotExpired() {
    SmartBackendTokenProvider provider = rsaProvider();

    for (int page = 0; page < 40; page++) {
      String header = provider.authorization().orElseThrow();
      assertThat(endpoint.expiryOf(header)).isAfter(clock.instant().plusMillis(500));
      clock.advance(Duration.ofMillis(300)); // each page takes 0.3 s; tokens live 2 s
    }
    assertThat(endpoint.issued).hasSizeBetween(10, 14);
  }

  @Test
  void invalidate_forcesANewToken() {
    SmartBackendTokenProvider provider = rsaProvider();
    assertThat(provider.authorization()).contains("Bearer tok-1");

    provider.invalidate();

    assertThat(provider.authorization()).contains("Bearer tok-2");
    assertThat(provider.authorization()).contains("Bearer tok-2");
    assertThat(endpoint.requests).hasValue(2);
  }

  @Test
  void unavailableEndpoint_isRetried_withBackoffAndRetryAfter() {
    SmartBackendTokenProvider provider = rsaProvider();
    endpoint.failNext(503, null);
    endpoint.failNext(429, "7");

    assertThat(provider.authorization()).contains("Bearer tok-1");
    assertThat(endpoint.requests).hasValue(3);
    assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(7));
  }

  @Test
  void endpointThatStaysDown_failsAfterThreeRetries_withAClearMessage() {
    SmartBackendTokenProvider provider = rsaProvider();
    for (int i = 0; i < 4; i++) {
      endpoint.failNext(503, null);
    }

    assertThatThrownBy(provider::authorization)
        .isInstanceOf(TokenRequestException.class)
        .hasMessageContaining("source ehr-a")
        .hasMessageContaining(endpoint.url().toString())
        .hasMessageContaining("HTTP 503 after 4 attempts")
        .satisfies(e -> assertThat(((TokenRequestException) e).status()).isEqualTo(503));
    assertThat(waits)
        .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
  }

  @Test
  void unreachableEndpoint_isRetried_thenFailsWithStatusZero() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    JWK key = load(rsaPem, null);
    SmartBackendTokenProvider provider =
        provider(key, URI.create("http://127.0.0.1:" + closedPort + "/token"));

    assertThatThrownBy(provider::authorization)
        .isInstanceOf(TokenRequestException.class)
        .hasMessageContaining("failed after 4 attempts")
        .satisfies(e -> assertThat(((TokenRequestException) e).status()).isZero());
    assertThat(waits).hasSize(3);
  }

  @Test
  void wrongKey_isRefusedByTheEndpoint_withoutRetries_andTheMessageSaysWhy() {
    JWK registered = load(rsaPem, "RS384");
    endpoint = new FakeTokenEndpoint(CLIENT_ID, registered, JWSAlgorithm.RS384, clock);
    RSAKey other = TestKeys.rsa();
    Path otherPem = TestKeys.writePkcs8(keys, "other.pem", other);
    JWK wrong =
        SigningKeys.load(
            "ehr-a",
            new Auth(
                "smart-backend",
                null,
                null,
                null,
                CLIENT_ID,
                otherPem,
                registered.getKeyID(),
                "RS384",
                null,
                null));
    SmartBackendTokenProvider provider = provider(wrong, endpoint.url());

    assertThatThrownBy(provider::authorization)
        .isInstanceOf(TokenRequestException.class)
        .hasMessageContaining("source ehr-a")
        .hasMessageContaining("HTTP 401")
        .hasMessageContaining("error=invalid_client")
        .hasMessageContaining("error_description=bad signature")
        .hasMessageContaining("shockreg.sources.ehr-a.auth.client-id")
        .hasMessageContaining("kid " + registered.getKeyID())
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("eyJ"))
        .satisfies(e -> assertThat(((TokenRequestException) e).status()).isEqualTo(401));
    assertThat(endpoint.requests).hasValue(1);
    assertThat(waits).isEmpty();
  }

  @Test
  void failedRenewal_keepsUsingTheCurrentTokenUntilItExpires() {
    SmartBackendTokenProvider provider = rsaProvider();
    endpoint.expiresIn = 300;
    assertThat(provider.authorization()).contains("Bearer tok-1");
    clock.advance(Duration.ofSeconds(250)); // in the renewal window, 50 s left
    for (int i = 0; i < 4; i++) {
      endpoint.failNext(500, null);
    }

    assertThat(provider.authorization()).contains("Bearer tok-1");
    assertThat(provider.authorization()).contains("Bearer tok-2"); // next request renews

    provider.invalidate();
    for (int i = 0; i < 4; i++) {
      endpoint.failNext(500, null);
    }
    assertThatThrownBy(provider::authorization).isInstanceOf(TokenRequestException.class);
  }

  @Test
  void concurrentCallers_shareOneRefresh() throws Exception {
    SmartBackendTokenProvider provider = rsaProvider();
    endpoint.gate = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Optional<String>>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(pool.submit(provider::authorization));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> endpoint.requests.get() == 1);
      await().atMost(Duration.ofSeconds(5)).until(() -> provider.waitingForRefresh() == 7);
      endpoint.gate.countDown();
      for (Future<Optional<String>> r : results) {
        assertThat(r.get()).contains("Bearer tok-1");
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(endpoint.requests).hasValue(1);
  }

  @Test
  void anotherTokenType_isRefused() {
    SmartBackendTokenProvider provider = rsaProvider();
    endpoint.tokenType = "DPoP";

    assertThatThrownBy(provider::authorization)
        .isInstanceOf(TokenRequestException.class)
        .hasMessageContaining("token_type DPoP")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("tok-1"));
  }

  @Test
  void tokenWithoutTokenType_isTakenAsBearer() {
    SmartBackendTokenProvider provider = rsaProvider();
    endpoint.tokenType = null;

    assertThat(provider.authorization()).contains("Bearer tok-1");
  }

  @Test
  void toString_showsNoSecret() {
    SmartBackendTokenProvider provider = rsaProvider();
    provider.authorization();

    assertThat(provider.toString()).contains("ehr-a", CLIENT_ID, "RS384").doesNotContain("tok-1");
  }
}
