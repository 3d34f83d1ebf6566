package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.shockreg.ingest.pull.PullSourcesProperties;
import org.shockreg.ingest.pull.auth.AccessTokenProvider;
import org.shockreg.ingest.pull.auth.AccessTokenProviders;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * SMART Backend Services from the EHR's side, on the running application: ShockReg publishes the
 * public key of a smart-backend source at {@code /.well-known/jwks.json} without a token, and a
 * token endpoint that (like Epic's) verifies client assertions with the keys fetched from that JWKS
 * URL issues a token to the provider built from the bound {@code shockreg.sources.*} properties.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SmartBackendAuthIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-0123456789";
  static final String CLIENT_ID = "shockreg-it-client";
  static final Path DATA_DIR = newDataDir();
  static final RSAKey KEY = generateKey();
  static final Path KEY_FILE = writePem(DATA_DIR.resolve("smart-ehr.pem"), KEY);
  static final JwksVerifyingTokenEndpoint EHR = new JwksVerifyingTokenEndpoint();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, DATA_DIR);
    registerToken(registry, 0, TOKEN, "admin");
    String source = "shockreg.sources.smart-ehr.";
    registry.add(source + "type", () -> "fhir-rest");
    registry.add(source + "enabled", () -> "false");
    registry.add(source + "base-url", () -> "http://127.0.0.1:9/fhir");
    registry.add(source + "schedule", () -> "5m");
    registry.add(source + "auth.type", () -> "smart-backend");
    registry.add(source + "auth.client-id", () -> CLIENT_ID);
    registry.add(source + "auth.private-key", KEY_FILE::toString);
    registry.add(source + "auth.algorithm", () -> "RS384");
    registry.add(source + "auth.token-url", () -> EHR.url().toString());
    registry.add(source + "auth.scope", () -> "system/Patient.read system/Observation.read");
  }

  @Autowired PullSourcesProperties sources;

  @AfterAll
  static void stopEhr() {
    EHR.close();
  }

  @Test
  void jwks_isOpen_andPublishesThePublicKeyOfTheSmartBackendSource() throws Exception {
    HttpResponse<String> res = get("/.well-known/jwks.json", null);

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.headers().firstValue("Content-Type"))
        .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
    JWKSet set = JWKSet.parse(res.body());
    assertThat(set.getKeys()).hasSize(1);
    JWK published = set.getKeys().get(0);
    assertThat(published.getKeyID()).isEqualTo(KEY.computeThumbprint().toString());
    assertThat(published.getAlgorithm()).isEqualTo(JWSAlgorithm.RS384);
    assertThat(published.getKeyUse()).isEqualTo(KeyUse.SIGNATURE);
    assertThat(published.isPrivate()).isFalse();
    assertThat(res.body()).doesNotContain("\"d\"").doesNotContain("\"p\"").doesNotContain("\"qi\"");

    // it matches the private key: what the key signs, the published key verifies
    SignedJWT probe =
        new SignedJWT(
            new JWSHeader(JWSAlgorithm.RS384), new JWTClaimsSet.Builder().subject("probe").build());
    probe.sign(new RSASSASigner(KEY));
    assertThat(probe.verify(new RSASSAVerifier((RSAKey) published))).isTrue();
    assertThat(((RSAKey) published).getModulus()).isEqualTo(KEY.getModulus());
  }

  @Test
  void wellKnownIsOpenToReadOnly() throws Exception {
    // /.well-known/* is open by the contract (interfaces.md "Security"): nothing else is there
    assertThat(get("/.well-known/other.json", null).statusCode()).isEqualTo(404);
    HttpResponse<String> post = send("POST", "/.well-known/jwks.json", null, null, null);
    assertThat(post.statusCode()).isEqualTo(401);
    assertThat(get("/.well-known/jwks.json", TOKEN).statusCode()).isEqualTo(200);
  }

  @Test
  void ehrThatVerifiesWithOurJwksUrl_issuesATokenToTheConfiguredSource() {
    EHR.jwksUrl = URI.create("http://localhost:" + port + "/.well-known/jwks.json");
    PullSourcesProperties.PullSource source = sources.sources().get("smart-ehr");
    assertThat(source.isEnabled()).isFalse();

    AccessTokenProvider provider =
        AccessTokenProviders.forSource("smart-ehr", source.auth(), http, Clock.systemUTC());

    assertThat(provider.authorization()).contains("Bearer ehr-token-1");
    assertThat(EHR.problems).isEmpty();
    assertThat(EHR.scopes).containsExactly("system/Patient.read system/Observation.read");
  }

  static RSAKey generateKey() {
    try {
      return new RSAKeyGenerator(2048).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** PKCS#8 PEM, as {@code openssl genpkey} writes it, readable by the owner only. */
  static Path writePem(Path file, RSAKey key) {
    try {
      String b64 =
          Base64.getMimeEncoder(64, new byte[] {'\n'})
              .encodeToString(key.toPrivateKey().getEncoded());
      Files.writeString(
          file, "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n");
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      return file;
    } catch (IOException | JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token endpoint that trusts whatever the client's JWKS URL publishes, as Epic does. */
  static final class JwksVerifyingTokenEndpoint implements AutoCloseable {
    final HttpServer server;
    final HttpClient client = HttpClient.newHttpClient();
    final List<String> problems = new CopyOnWriteArrayList<>();
    final List<String> scopes = new CopyOnWriteArrayList<>();
    volatile URI jwksUrl;
    int issued;

    JwksVerifyingTokenEndpoint() {
      try {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      server.createContext("/token", this::handle);
      server.start();
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
    }

    private synchronized void handle(HttpExchange ex) throws IOException {
      try (ex) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair :
            new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
          int eq = pair.indexOf('=');
          form.put(
              URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        String problem = verify(form);
        if (problem != null) {
          problems.add(problem);
          answer(
              ex, 401, "{\"error\":\"invalid_client\",\"error_description\":\"" + problem + "\"}");
          return;
        }
        scopes.add(form.get("scope"));
        issued++;
        answer(
            ex,
            200,
            "{\"access_token\":\"ehr-token-"
                + issued
                + "\",\"token_type\":\"bearer\",\"expires_in\":300}");
      }
    }

    private String verify(Map<String, String> form) {
      try {
        if (!"client_credentials".equals(form.get("grant_type"))) {
          return "grant_type";
        }
        SignedJWT jwt = SignedJWT.parse(form.get("client_assertion"));
        HttpResponse<String> jwks =
            client.send(
                HttpRequest.newBuilder(jwksUrl).build(), HttpResponse.BodyHandlers.ofString());
        JWK key = JWKSet.parse(jwks.body()).getKeyByKeyId(jwt.getHeader().getKeyID());
        if (key == null) {
          return "kid not in the client's JWKS";
        }
        if (!JWSAlgorithm.RS384.equals(jwt.getHeader().getAlgorithm())
            || !jwt.verify(new RSASSAVerifier((RSAKey) key))) {
          return "bad signature";
        }
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        if (!CLIENT_ID.equals(claims.getIssuer()) || !CLIENT_ID.equals(claims.getSubject())) {
          return "iss/sub";
        }
        if (!claims.getAudience().contains(url().toString())) {
          return "aud";
        }
        if (!claims.getExpirationTime().toInstant().isAfter(Instant.now())) {
          return "expired";
        }
        return null;
      } catch (Exception e) {
        return "unreadable assertion: " + e.getClass().getSimpleName();
      }
    }

    private static void answer(HttpExchange ex, int status, String json) throws IOException {
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(status, bytes.length);
      ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
