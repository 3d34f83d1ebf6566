package org.shockreg.ingest.pull.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.shockreg.ingest.pull.PullSourcesProperties.Auth;

class AccessTokenProvidersTest {

  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();
  final Clock clock = Clock.systemUTC();

  static Auth auth(String type) {
    return new Auth(type, null, null, null, null, null, null, null, null, null);
  }

  AccessTokenProvider forSource(Auth auth) {
    return AccessTokenProviders.forSource("ehr-a", auth, http, clock);
  }

  @Test
  void noneOrNoAuth_sendsNoHeader() {
    assertThat(forSource(null).authorization()).isEmpty();
    assertThat(forSource(auth("none")).authorization()).isEmpty();
    assertThat(forSource(auth(" NONE ")).authorization()).isEmpty();
  }

  @Test
  void basic_sendsBase64OfUserColonPassword() {
    AccessTokenProvider p =
        forSource(
            new Auth(
                "basic", "shockreg", "s3cr\u00e9t:x", null, null, null, null, null, null, null));

    String expected =
        Base64.getEncoder()
            .encodeToString(
                "shockreg:s3cr\u00e9t:x".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(p.authorization()).isEqualTo(Optional.of("Basic " + expected));
    p.invalidate();
    assertThat(p.authorization()).contains("Basic " + expected);
    assertThat(p.toString()).doesNotContain(expected);
  }

  @Test
  void bearer_sendsTheConfiguredToken() {
    AccessTokenProvider p =
        forSource(
            new Auth("bearer", null, null, "abc.def-ghi", null, null, null, null, null, null));

    assertThat(p.authorization()).contains("Bearer abc.def-ghi");
    assertThat(p.toString()).doesNotContain("abc.def-ghi");
  }

  @Test
  void incompleteConfiguration_isRefusedNamingSourceAndProperty() {
    assertThatThrownBy(() -> forSource(auth(null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shockreg.sources.ehr-a.auth.type is required");
    assertThatThrownBy(() -> forSource(auth("oauth")))
        .hasMessage(
            "shockreg.sources.ehr-a.auth.type must be none, basic, bearer or smart-backend, not"
                + " oauth");
    assertThatThrownBy(() -> forSource(auth("basic")))
        .hasMessage("shockreg.sources.ehr-a.auth.username is required for basic");
    assertThatThrownBy(
            () -> forSource(new Auth("basic", "u", null, null, null, null, null, null, null, null)))
        .hasMessage("shockreg.sources.ehr-a.auth.password is required for basic");
    assertThatThrownBy(() -> forSource(auth("bearer")))
        .hasMessage("shockreg.sources.ehr-a.auth.token is required for bearer");
    assertThatThrownBy(
            () ->
                forSource(
                    new Auth("bearer", null, null, "Bearer x", null, null, null, null, null, null)))
        .hasMessageContaining("shockreg.sources.ehr-a.auth.token must be the token alone");
  }

  @Test
  void incompleteSmartBackend_isRefusedNamingTheMissingProperty() {
    Path key = TestKeys.writePkcs8(dir, "k.pem", TestKeys.rsa());

    assertThatThrownBy(
            () ->
                forSource(
                    new Auth("smart-backend", null, null, null, "c", key, null, null, null, null)))
        .hasMessage("shockreg.sources.ehr-a.auth.token-url is required for smart-backend");
    assertThatThrownBy(
            () ->
                forSource(
                    new Auth(
                        "smart-backend",
                        null,
                        null,
                        null,
                        null,
                        key,
                        null,
                        null,
                        "https://e/t",
                        null)))
        .hasMessage("shockreg.sources.ehr-a.auth.client-id is required for smart-backend");
    assertThatThrownBy(
            () ->
                forSource(
                    new Auth(
                        "smart-backend",
                        null,
                        null,
                        null,
                        "c",
                        null,
                        null,
                        null,
                        "https://e/t",
                        null)))
        .hasMessage("shockreg.sources.ehr-a.auth.private-key is required for smart-backend");
    assertThatThrownBy(
            () ->
                forSource(
                    new Auth(
                        "smart-backend",
                        null,
                        null,
                        null,
                        "c",
                        key,
                        null,
                        null,
                        "ehr/token",
                        null)))
        .hasMessageContaining("shockreg.sources.ehr-a.auth.token-url must be an absolute https");
  }

  @Test
  void smartBackend_usesTheDefaultScope_andFetchesNothingUntilAsked() {
    ECKey ec = TestKeys.ec(Curve.P_384);
    Path key = TestKeys.writePkcs8(dir, "ec.pem", ec);
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    try (FakeTokenEndpoint endpoint =
        new FakeTokenEndpoint(
            "client-1",
            SigningKeys.load(
                "ehr-a",
                new Auth(
                    "smart-backend", null, null, null, "client-1", key, null, null, null, null)),
            JWSAlgorithm.ES384,
            clock)) {
      AccessTokenProvider p =
          AccessTokenProviders.forSource(
              "ehr-a",
              new Auth(
                  "Smart-Backend",
                  null,
                  null,
                  null,
                  "client-1",
                  key,
                  null,
                  null,
                  endpoint.url().toString(),
                  null),
              http,
              clock);
      assertThat(p).isInstanceOf(SmartBackendTokenProvider.class);
      assertThat(endpoint.requests).hasValue(0);

      assertThat(p.authorization()).contains("Bearer tok-1");
      assertThat(endpoint.forms.get(0)).containsEntry("scope", AccessTokenProviders.DEFAULT_SCOPE);
    }
  }
}
