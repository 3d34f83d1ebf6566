package org.shockreg.ingest.pull.auth;

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
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.auth.JWTAuthenticationClaimsSet;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.JWTID;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import net.minidev.json.JSONObject;
import org.shockreg.ingest.pull.LoggedUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token endpoint of one SMART backend source: a client credentials grant authenticated with a
 * private_key_jwt client assertion (RFC 7523), built and read with nimbus oauth2-oidc-sdk, sent
 * with the source's HTTP client and retried on transient failures (5xx, 408, 429 honouring {@code
 * Retry-After}, I/O) up to 3 times with exponential backoff.
 */
final class SmartTokenEndpoint {

  private static final Logger log = LoggerFactory.getLogger(SmartTokenEndpoint.class);

  static final Duration ASSERTION_LIFETIME = Duration.ofMinutes(5);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);
  static final int MAX_RETRIES = 3;

  /** Waits between retries; a seam so tests need not sleep. */
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  /** A Bearer token as issued: {@code expires_in} is 0 when the endpoint did not say. */
  record Issued(BearerAccessToken token, Instant sentAt) {}

  private final String sourceId;
  private final ClientID clientId;
  private final URI tokenUrl;
  private final Scope scope;
  private final JWSHeader header;
  private final JWSSigner signer;
  private final HttpClient http;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Duration firstBackoff;

  SmartTokenEndpoint(
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
    this.clientId = new ClientID(Objects.requireNonNull(clientId, "clientId"));
    this.tokenUrl = Objects.requireNonNull(tokenUrl, "tokenUrl");
    this.scope = Scope.parse(Objects.requireNonNull(scope, "scope"));
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
    // SMART asks for typ JWT and the key's kid in the header: signed here, wrapped for nimbus.
    this.header =
        new JWSHeader.Builder(alg).keyID(signingKey.getKeyID()).type(JOSEObjectType.JWT).build();
  }

  String sourceId() {
    return sourceId;
  }

  /** The scope asked for, as configured. */
  Scope scope() {
    return scope;
  }

  /** Names the source, client, endpoint and key, never a secret. */
  @Override
  public String toString() {
    return "[source="
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

  /** Asks for a token, with the retries; {@link TokenRequestException} when none is issued. */
  Issued request() {
    Duration backoff = firstBackoff;
    for (int attempt = 1; ; attempt++) {
      Instant sentAt = clock.instant();
      HTTPRequest form = tokenRequest(sentAt).toHTTPRequest();
      HttpRequest request =
          HttpRequest.newBuilder(tokenUrl)
              .timeout(REQUEST_TIMEOUT)
              .header("Content-Type", form.getEntityContentType().toString())
              .header("Accept", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(form.getBody()))
              .build();
      Duration wait;
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status / 100 == 2) {
          return new Issued(bearerToken(response.body()), sentAt);
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

  /** The grant with a new client assertion: fresh {@code jti}, {@code exp} five minutes ahead. */
  private TokenRequest tokenRequest(Instant now) {
    JWTAuthenticationClaimsSet claims =
        new JWTAuthenticationClaimsSet(
            clientId,
            List.of(new Audience(tokenUrl.toString())),
            Date.from(now.plus(ASSERTION_LIFETIME)),
            null,
            Date.from(now),
            new JWTID(UUID.randomUUID().toString()));
    SignedJWT assertion = new SignedJWT(header, claims.toJWTClaimsSet());
    try {
      assertion.sign(signer);
    } catch (JOSEException e) {
      throw new TokenRequestException(
          sourceId, 0, "source " + sourceId + ": cannot sign the client assertion", e);
    }
    return new TokenRequest(
        tokenUrl, new PrivateKeyJWT(assertion), new ClientCredentialsGrant(), scope);
  }

  private BearerAccessToken bearerToken(String body) {
    JSONObject json;
    try {
      json = JSONObjectUtils.parse(body == null ? "" : body);
    } catch (ParseException e) {
      throw new TokenRequestException(
          sourceId, 200, prefix() + " answered 2xx, but not with a JSON object", null);
    }
    Object tokenType = json.get("token_type");
    if (tokenType != null && !"bearer".equalsIgnoreCase(tokenType.toString())) {
      throw new TokenRequestException(
          sourceId,
          200,
          prefix() + " issued a token_type " + tokenType + " token; only Bearer is supported",
          null);
    }
    // Leniencies the registry has always had: a token without token_type is a Bearer token, and
    // an expires_in that is not a number counts as not said.
    json.putIfAbsent("token_type", "Bearer");
    if (json.get("expires_in") instanceof String s && !s.trim().matches("-?\\d{1,18}")) {
      json.remove("expires_in");
    }
    try {
      return BearerAccessToken.parse(json);
    } catch (ParseException | IllegalArgumentException e) {
      throw new TokenRequestException(
          sourceId,
          200,
          prefix() + " answered without a usable access_token (" + e.getMessage() + ")",
          null);
    }
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
      ErrorObject error = ErrorObject.parse(JSONObjectUtils.parse(body == null ? "" : body));
      if (error.getCode() != null) {
        msg.append(", error=").append(clean(error.getCode()));
      }
      if (error.getDescription() != null) {
        msg.append(", error_description=").append(clean(error.getDescription()));
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
    return "smart-backend token request for source "
        + sourceId
        + " to "
        + LoggedUrl.of(tokenUrl.toString());
  }
}
