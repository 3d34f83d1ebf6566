package org.shockreg.ingest.pull.auth;

import org.shockreg.ingest.pull.LoggedUrl;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SMART Backend Services (OAuth 2.0 client credentials with an asymmetric JWT client assertion, RFC
 * 7523): POSTs {@code grant_type=client_credentials}, {@code scope}, {@code client_assertion_type}
 * and a {@code client_assertion} signed RS384 or ES384 to the token endpoint, and hands out {@code
 * Bearer <access_token>}.
 *
 * <p>The token is cached and renewed ahead of its expiry: when less than {@code max(60 s, 10% of
 * its lifetime)} is left (but never more than half the lifetime, so a short-lived token is still
 * reused), and after {@link #invalidate()}. Since {@link #authorization()} is asked before every
 * request, a token running out in the middle of paging is renewed there. Thread-safe: callers with
 * a fresh token never block; one refresh runs at a time and the others wait for it.
 *
 * <p>Transient token-endpoint failures (5xx, 408, 429 honouring {@code Retry-After}, I/O) are
 * retried up to 3 times with exponential backoff (1 s, 2 s, 4 s); then, or at once for other
 * answers, {@link TokenRequestException}. If a renewal fails while the cached token has not expired
 * yet, that token is used and the next request tries again. Neither the token nor the assertion is
 * ever logged or put in a message.
 */
public final class SmartBackendTokenProvider implements AccessTokenProvider {

  private static final Logger log = LoggerFactory.getLogger(SmartBackendTokenProvider.class);

  static final String CLIENT_ASSERTION_TYPE =
      "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
  static final Duration ASSERTION_LIFETIME = Duration.ofMinutes(5);
  static final Duration MIN_RENEWAL_MARGIN = Duration.ofSeconds(60);
  static final Duration LIFETIME_WHEN_UNSAID = Duration.ofMinutes(5);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);
  static final int MAX_RETRIES = 3;

  /** Waits between retries; a seam so tests need not sleep. */
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private record Token(String value, Instant expiresAt, Instant renewAt) {}

  private final String sourceId;
  private final String clientId;
  private final URI tokenUrl;
  private final String scope;
  private final JWSHeader header;
  private final JWSSigner signer;
  private final HttpClient http;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Duration firstBackoff;
  private final ReentrantLock refreshLock = new ReentrantLock();
  private volatile Token current;

  /**
   * @param sourceId for messages and logs
   * @param clientId the client id registered at the EHR ({@code iss} and {@code sub})
   * @param signingKey a private RSA or EC JWK with {@code kid} and {@code alg} (see {@link
   *     SigningKeys#load})
   * @param tokenUrl the token endpoint ({@code aud})
   * @param scope e.g. {@code system/Patient.read system/Observation.read}
   */
  public SmartBackendTokenProvider(
      String sourceId,
      String clientId,
      JWK signingKey,
      URI tokenUrl,
      String scope,
      HttpClient http,
      Clock clock) {
    this(
        sourceId,
        clientId,
        signingKey,
        tokenUrl,
        scope,
        http,
        clock,
        d -> Thread.sleep(d.toMillis()),
        Duration.ofSeconds(1));
  }

  SmartBackendTokenProvider(
      String sourceId,
      String clientId,
      JWK signingKey,
      URI tokenUrl,
      String scope,
      HttpClient http,
      Clock clock,
      Sleeper sleeper,
      Duration firstBackoff) {
    this.sourceId = Objects.requireNonNull(sourceId, "sourceId");
    this.clientId = Objects.requireNonNull(clientId, "clientId");
    this.tokenUrl = Objects.requireNonNull(tokenUrl, "tokenUrl");
    this.scope = Objects.requireNonNull(scope, "scope");
    this.http = Objects.requireNonNull(http, "http");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.sleeper = sleeper;
    this.firstBackoff = firstBackoff;
    if (!signingKey.isPrivate()) {
      throw new IllegalArgumentException(
          "source " + sourceId + ": the signing key has no private part");
    }
    JWSAlgorithm alg =
        signingKey.getAlgorithm() == null
            ? (signingKey instanceof RSAKey ? JWSAlgorithm.RS384 : JWSAlgorithm.ES384)
            : JWSAlgorithm.parse(signingKey.getAlgorithm().getName());
    try {
      this.signer =
          signingKey instanceof RSAKey rsa
              ? new RSASSASigner(rsa)
              : new ECDSASigner((ECKey) signingKey);
    } catch (JOSEException | ClassCastException e) {
      throw new IllegalArgumentException(
          "source " + sourceId + ": cannot sign " + alg + " with this key", e);
    }
    this.header =
        new JWSHeader.Builder(alg).keyID(signingKey.getKeyID()).type(JOSEObjectType.JWT).build();
  }

  @Override
  public Optional<String> authorization() {
    Token token = current;
    if (token != null && clock.instant().isBefore(token.renewAt())) {
      return Optional.of("Bearer " + token.value());
    }
    refreshLock.lock();
    try {
      token = current;
      if (token != null && clock.instant().isBefore(token.renewAt())) {
        return Optional.of("Bearer " + token.value()); // another thread has just renewed it
      }
      try {
        current = requestToken();
      } catch (TokenRequestException e) {
        if (token != null && clock.instant().isBefore(token.expiresAt())) {
          log.warn(
              "event=token_renewal_failed source={} status={} action=use_current_token until={}",
              sourceId,
              e.status(),
              token.expiresAt());
          return Optional.of("Bearer " + token.value());
        }
        throw e;
      }
      return Optional.of("Bearer " + current.value());
    } finally {
      refreshLock.unlock();
    }
  }

  /** Callers waiting for a refresh that runs (for tests). */
  int waitingForRefresh() {
    return refreshLock.getQueueLength();
  }

  @Override
  public void invalidate() {
    current = null;
    log.info("event=token_invalidated source={}", sourceId);
  }

  private Token requestToken() {
    Duration backoff = firstBackoff;
    for (int attempt = 1; ; attempt++) {
      Instant sentAt = clock.instant();
      HttpRequest request =
          HttpRequest.newBuilder(tokenUrl)
              .timeout(REQUEST_TIMEOUT)
              .header("Content-Type", "application/x-www-form-urlencoded")
              .header("Accept", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(form(assertion(sentAt))))
              .build();
      Duration wait;
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status / 100 == 2) {
          return token(response.body(), sentAt);
        }
        boolean transientFailure = status >= 500 || status == 429 || status == 408;
        if (!transientFailure || attempt > MAX_RETRIES) {
          throw new TokenRequestException(
              sourceId, status, refusal(status, response.body(), attempt), null);
        }
        wait = retryAfter(response).orElse(backoff);
        log.warn(
            "event=token_request_retry source={} status={} attempt={} wait_ms={}",
            sourceId,
            status,
            attempt,
            wait.toMillis());
      } catch (IOException e) {
        if (attempt > MAX_RETRIES) {
          throw new TokenRequestException(
              sourceId,
              0,
              prefix()
                  + " failed after "
                  + attempt
                  + " attempts: "
                  + e.getClass().getSimpleName()
                  + (e.getMessage() == null ? "" : ": " + e.getMessage()),
              e);
        }
        wait = backoff;
        log.warn(
            "event=token_request_retry source={} error={} attempt={} wait_ms={}",
            sourceId,
            e.getClass().getSimpleName(),
            attempt,
            wait.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TokenRequestException(sourceId, 0, prefix() + " was interrupted", e);
      }
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TokenRequestException(sourceId, 0, prefix() + " was interrupted", e);
      }
      backoff = backoff.multipliedBy(2);
    }
  }

  /** A new client assertion: fresh {@code jti}, {@code exp} five minutes ahead. */
  private String assertion(Instant now) {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(clientId)
            .subject(clientId)
            .audience(tokenUrl.toString())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(ASSERTION_LIFETIME)))
            .jwtID(UUID.randomUUID().toString())
            .build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new TokenRequestException(
          sourceId, 0, "source " + sourceId + ": cannot sign the client assertion", e);
    }
    return jwt.serialize();
  }

  private String form(String assertion) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "client_credentials");
    form.put("scope", scope);
    form.put("client_assertion_type", CLIENT_ASSERTION_TYPE);
    form.put("client_assertion", assertion);
    return form.entrySet().stream()
        .map(
            e ->
                URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  private Token token(String body, Instant sentAt) {
    Map<String, Object> json;
    try {
      json = JSONObjectUtils.parse(body == null ? "" : body);
    } catch (ParseException e) {
      throw new TokenRequestException(
          sourceId, 200, prefix() + " answered 2xx, but not with a JSON object", null);
    }
    Object accessToken = json.get("access_token");
    if (!(accessToken instanceof String value) || value.isBlank()) {
      throw new TokenRequestException(
          sourceId, 200, prefix() + " answered without an access_token", null);
    }
    Object tokenType = json.get("token_type");
    if (tokenType != null && !"bearer".equalsIgnoreCase(tokenType.toString())) {
      throw new TokenRequestException(
          sourceId,
          200,
          prefix() + " issued a token_type " + tokenType + " token; only Bearer is supported",
          null);
    }
    Duration lifetime = lifetime(json.get("expires_in"));
    Duration margin =
        MIN_RENEWAL_MARGIN.compareTo(lifetime.dividedBy(10)) >= 0
            ? MIN_RENEWAL_MARGIN
            : lifetime.dividedBy(10);
    if (margin.compareTo(lifetime.dividedBy(2)) > 0) {
      margin = lifetime.dividedBy(2);
    }
    Instant expiresAt = sentAt.plus(lifetime);
    log.info(
        "event=token_issued source={} expires_in_s={} renew_at={} scope=\"{}\"",
        sourceId,
        lifetime.toSeconds(),
        expiresAt.minus(margin),
        json.getOrDefault("scope", scope));
    return new Token(value, expiresAt, expiresAt.minus(margin));
  }

  private Duration lifetime(Object expiresIn) {
    long seconds = -1;
    if (expiresIn instanceof Number n) {
      seconds = n.longValue();
    } else if (expiresIn instanceof String s) {
      try {
        seconds = Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        seconds = -1;
      }
    }
    if (seconds <= 0) {
      log.warn(
          "event=token_without_expires_in source={} assumed_s={}",
          sourceId,
          LIFETIME_WHEN_UNSAID.toSeconds());
      return LIFETIME_WHEN_UNSAID;
    }
    return Duration.ofSeconds(seconds);
  }

  private Optional<Duration> retryAfter(HttpResponse<?> response) {
    return response
        .headers()
        .firstValue("Retry-After")
        .flatMap(
            v -> {
              try {
                long s = Long.parseLong(v.trim());
                return Optional.of(Duration.ofSeconds(Math.max(0, s)));
              } catch (NumberFormatException e) {
                return Optional.empty(); // an HTTP date: fall back to our backoff
              }
            })
        .map(d -> d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d);
  }

  /**
   * What the endpoint said, from the OAuth error members only (the body could echo the request).
   */
  private String refusal(int status, String body, int attempts) {
    StringBuilder msg = new StringBuilder(prefix()).append(" failed: HTTP ").append(status);
    if (attempts > 1) {
      msg.append(" after ").append(attempts).append(" attempts");
    }
    try {
      Map<String, Object> json = JSONObjectUtils.parse(body == null ? "" : body);
      if (json.get("error") != null) {
        msg.append(", error=").append(clean(json.get("error")));
      }
      if (json.get("error_description") != null) {
        msg.append(", error_description=").append(clean(json.get("error_description")));
      }
    } catch (ParseException e) {
      // not an OAuth error object: the status says it all
    }
    if (status == 400 || status == 401 || status == 403) {
      msg.append(
          ". Check shockreg.sources."
              + sourceId
              + ".auth.client-id and scope, and that the EHR has the public key with kid "
              + header.getKeyID()
              + " (JWKS URL /.well-known/jwks.json or an uploaded key)");
    }
    return msg.toString();
  }

  private static String clean(Object value) {
    String s = value.toString().replaceAll("[\\p{Cntrl}]", " ");
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  private String prefix() {
    return "smart-backend token request for source " + sourceId + " to " + LoggedUrl.of(tokenUrl.toString());
  }

  @Override
  public String toString() {
    return "SmartBackendTokenProvider[source="
        + sourceId
        + ", clientId="
        + clientId
        + ", tokenUrl="
        + tokenUrl
        + ", alg="
        + header.getAlgorithm()
        + ", kid="
        + header.getKeyID()
        + "]";
  }
}
