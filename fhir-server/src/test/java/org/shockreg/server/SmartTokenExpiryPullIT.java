package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.shockreg.ingest.pull.FhirRestPullService;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * SMART Backend Services against the test EHR: its token endpoint verifies the signed client
 * assertion and issues tokens that live 2 s; pages are slow, so the access token expires in the
 * middle of paging. ShockReg renews it before expiry and the run goes through, no request refused.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SmartTokenExpiryPullIT {

  static final String CLIENT_ID = "shockreg-test-client";
  static final RSAKey KEY = rsaKey();
  static final Map<String, Instant> ISSUED = new ConcurrentHashMap<>();
  static final AtomicInteger TOKENS = new AtomicInteger();
  static final TestEhr EHR = ehr();

  static RSAKey rsaKey() {
    try {
      return new RSAKeyGenerator(2048).keyID("test-kid").generate();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token endpoint as SMART Backend Services has it: client_credentials + signed assertion. */
  static final class TokenEndpoint extends HttpServlet {
    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse res) throws IOException {
      try {
        SignedJWT assertion = SignedJWT.parse(req.getParameter("client_assertion"));
        boolean valid =
            "client_credentials".equals(req.getParameter("grant_type"))
                && assertion.getHeader().getAlgorithm().equals(JWSAlgorithm.RS384)
                && assertion.verify(new RSASSAVerifier(KEY.toRSAPublicKey()))
                && CLIENT_ID.equals(assertion.getJWTClaimsSet().getIssuer())
                && CLIENT_ID.equals(assertion.getJWTClaimsSet().getSubject())
                && assertion
                    .getJWTClaimsSet()
                    .getAudience()
                    .contains(req.getRequestURL().toString())
                && assertion
                    .getJWTClaimsSet()
                    .getExpirationTime()
                    .toInstant()
                    .isAfter(Instant.now());
        if (!valid) {
          res.setStatus(401);
          return;
        }
      } catch (Exception e) {
        res.setStatus(400);
        return;
      }
      String token = UUID.randomUUID().toString();
      ISSUED.put(token, Instant.now().plusSeconds(2));
      TOKENS.incrementAndGet();
      res.setContentType("application/json");
      res.getWriter()
          .write(
              "{\"access_token\":\""
                  + token
                  + "\",\"token_type\":\"bearer\",\"expires_in\":2,"
                  + "\"scope\":\"system/Patient.read system/Observation.read\"}");
    }
  }

  static TestEhr ehr() {
    try {
      TestEhr ehr = new TestEhr("unused", Map.of("/token", new TokenEndpoint()));
      ehr.acceptTokens(t -> ISSUED.containsKey(t) && Instant.now().isBefore(ISSUED.get(t)));
      return ehr;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    TestDatabase.register(registry);
    Path dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "it-smart-");
    Path pem = dataDir.resolve("client-key.pem");
    Files.writeString(
        pem,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(KEY.toPrivateKey().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    registry.add("shockreg.data-dir", dataDir::toString);
    registry.add("shockreg.mllp.port", () -> "-1");
    String p = "shockreg.sources.smart-ehr.";
    registry.add(p + "type", () -> "fhir-rest");
    registry.add(p + "base-url", EHR::baseUrl);
    registry.add(p + "schedule", () -> "1h");
    registry.add(p + "resource-types", () -> "Patient,Observation");
    registry.add(p + "page-size", () -> "1");
    registry.add(p + "timeout", () -> "5s");
    registry.add(p + "auth.type", () -> "smart-backend");
    registry.add(p + "auth.client-id", () -> CLIENT_ID);
    registry.add(p + "auth.private-key", pem::toString);
    registry.add(p + "auth.key-id", () -> "test-kid");
    registry.add(p + "auth.algorithm", () -> "RS384");
    registry.add(p + "auth.token-url", () -> "http://localhost:" + EHR.port() + "/token");
  }

  @Autowired FhirRestPullService pulls;
  @Autowired JdbcTemplate jdbc;

  @AfterAll
  static void stop() throws Exception {
    EHR.close();
  }

  @Test
  void tokenExpiringInTheMiddleOfPaging_isRenewedBeforeExpiry_andTheRunCompletes() {
    for (int i = 1; i <= 3; i++) {
      EHR.put(
          FhirRestPullIT.patient("sm-" + i, 1960 + i),
          FhirRestPullIT.heartRate("sm-hr-" + i, "sm-" + i, i, 90 + i));
    }
    // 6 pages of one resource, 0.8 s each: longer than one 2 s token
    EHR.slowNext(6, Duration.ofMillis(800));

    assertThat(pulls.trigger("smart-ehr")).isEqualTo(FhirRestPullService.TriggerResult.STARTED);
    await().atMost(Duration.ofSeconds(60)).until(() -> !pulls.isRunning("smart-ehr"));

    assertThat(
            jdbc.queryForObject(
                "SELECT state FROM pull_run WHERE source_id = 'smart-ehr'", String.class))
        .isEqualTo("succeeded");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM measurement WHERE site_id = 'smart-ehr'", Integer.class))
        .isEqualTo(3);
    assertThat(TOKENS.get()).as("tokens issued during one run").isGreaterThanOrEqualTo(2);
    assertThat(EHR.refusedTokens.get()).as("requests refused for an expired token").isZero();
  }
}
