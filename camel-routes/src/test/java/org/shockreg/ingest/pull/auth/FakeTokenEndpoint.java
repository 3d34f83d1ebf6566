package org.shockreg.ingest.pull.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A SMART Backend Services token endpoint on a random port that does what an EHR does: verifies the
 * client assertion (signature with the registered public key, alg, typ, kid, iss = sub = client id,
 * aud = this URL, exp in the future and at most 5 minutes ahead, jti not reused) and issues opaque
 * tokens with a configurable {@code expires_in}. Failures answer 401 {@code invalid_client}, as
 * EHRs do. Statuses queued with {@link #failNext} are answered before any verification.
 */
final class FakeTokenEndpoint implements AutoCloseable {

  record Issued(String token, Instant issuedAt, Instant expiresAt) {}

  record Failure(int status, String retryAfter) {}

  private final HttpServer server;
  private final String clientId;
  private final JWK publicKey;
  private final JWSAlgorithm alg;
  private final Clock clock;
  private final Set<String> seenJti = ConcurrentHashMap.newKeySet();
  private final AtomicInteger counter = new AtomicInteger();
  private final Deque<Failure> failures = new ArrayDeque<>();
  final AtomicInteger requests = new AtomicInteger();
  final List<Issued> issued = new CopyOnWriteArrayList<>();
  final List<Map<String, String>> forms = new CopyOnWriteArrayList<>();
  final List<SignedJWT> assertions = new CopyOnWriteArrayList<>();
  volatile long expiresIn = 2;
  volatile String tokenType = "Bearer";
  volatile CountDownLatch gate;

  FakeTokenEndpoint(String clientId, JWK registeredKey, JWSAlgorithm alg, Clock clock) {
    this.clientId = clientId;
    this.publicKey = registeredKey.toPublicJWK();
    this.alg = alg;
    this.clock = clock;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    server.createContext("/oauth2/token", this::handle);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/oauth2/token");
  }

  synchronized void failNext(int status, String retryAfter) {
    failures.add(new Failure(status, retryAfter));
  }

  private synchronized Failure nextFailure() {
    return failures.poll();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      requests.incrementAndGet();
      CountDownLatch g = gate;
      if (g != null) {
        g.await(10, TimeUnit.SECONDS);
      }
      Failure failure = nextFailure();
      if (failure != null) {
        if (failure.retryAfter() != null) {
          ex.getResponseHeaders().add("Retry-After", failure.retryAfter());
        }
        answer(ex, failure.status(), "{\"error\":\"temporarily_unavailable\"}");
        return;
      }
      if (!"POST".equals(ex.getRequestMethod())) {
        answer(ex, 405, "{\"error\":\"invalid_request\"}");
        return;
      }
      String contentType = ex.getRequestHeaders().getFirst("Content-Type");
      if (contentType == null || !contentType.startsWith("application/x-www-form-urlencoded")) {
        answer(ex, 400, "{\"error\":\"invalid_request\",\"error_description\":\"not a form\"}");
        return;
      }
      Map<String, String> form =
          parseForm(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      forms.add(form);
      String problem = verify(form);
      if (problem != null) {
        answer(ex, 401, "{\"error\":\"invalid_client\",\"error_description\":\"" + problem + "\"}");
        return;
      }
      String token = "tok-" + counter.incrementAndGet();
      Instant now = clock.instant();
      issued.add(new Issued(token, now, now.plusSeconds(expiresIn)));
      answer(
          ex,
          200,
          "{\"access_token\":\""
              + token
              + "\""
              + (tokenType == null ? "" : ",\"token_type\":\"" + tokenType + "\"")
              + ",\"expires_in\":"
              + expiresIn
              + ",\"scope\":\""
              + form.get("scope")
              + "\"}");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String verify(Map<String, String> form) {
    if (!"client_credentials".equals(form.get("grant_type"))) {
      return "grant_type";
    }
    if (!"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        .equals(form.get("client_assertion_type"))) {
      return "client_assertion_type";
    }
    if (form.get("scope") == null || form.get("scope").isBlank()) {
      return "scope";
    }
    try {
      SignedJWT jwt = SignedJWT.parse(form.get("client_assertion"));
      assertions.add(jwt);
      if (!alg.equals(jwt.getHeader().getAlgorithm())) {
        return "alg " + jwt.getHeader().getAlgorithm();
      }
      if (!JOSEObjectType.JWT.equals(jwt.getHeader().getType())) {
        return "typ";
      }
      if (!publicKey.getKeyID().equals(jwt.getHeader().getKeyID())) {
        return "unknown kid";
      }
      JWSVerifier verifier =
          publicKey instanceof RSAKey rsa
              ? new RSASSAVerifier(rsa)
              : new ECDSAVerifier((ECKey) publicKey);
      if (!jwt.verify(verifier)) {
        return "bad signature";
      }
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      if (!clientId.equals(claims.getIssuer()) || !clientId.equals(claims.getSubject())) {
        return "iss/sub";
      }
      if (!claims.getAudience().contains(url().toString())) {
        return "aud";
      }
      Instant now = clock.instant();
      Instant exp = claims.getExpirationTime().toInstant();
      if (!exp.isAfter(now) || exp.isAfter(now.plus(Duration.ofMinutes(5)))) {
        return "exp";
      }
      if (claims.getJWTID() == null || !seenJti.add(claims.getJWTID())) {
        return "jti reused";
      }
      return null;
    } catch (Exception e) {
      return "unreadable assertion";
    }
  }

  private static Map<String, String> parseForm(String body) {
    Map<String, String> form = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  private static void answer(HttpExchange ex, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  /** The expiry of a token this endpoint issued. */
  Instant expiryOf(String bearerHeader) {
    String token = bearerHeader.substring("Bearer ".length());
    return issued.stream()
        .filter(i -> i.token().equals(token))
        .findFirst()
        .orElseThrow()
        .expiresAt();
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
