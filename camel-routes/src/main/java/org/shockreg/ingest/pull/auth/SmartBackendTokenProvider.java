package org.shockreg.ingest.pull.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SMART Backend Services (OAuth 2.0 client credentials with an asymmetric JWT client assertion, RFC
 * 7523): asks the {@link SmartTokenEndpoint} for a token ({@code grant_type=client_credentials},
 * {@code scope}, a {@code client_assertion} signed RS384 or ES384) and hands out {@code Bearer
 * <access_token>}.
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

  static final Duration MIN_RENEWAL_MARGIN = Duration.ofSeconds(60);
  static final Duration LIFETIME_WHEN_UNSAID = Duration.ofMinutes(5);

  private record Token(String value, Instant expiresAt, Instant renewAt) {}

  private final SmartTokenEndpoint endpoint;
  private final String sourceId;
  private final Clock clock;
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
        new SmartTokenEndpoint(
            sourceId,
            clientId,
            signingKey,
            tokenUrl,
            scope,
            http,
            clock,
            d -> Thread.sleep(d.toMillis()),
            Duration.ofSeconds(1)),
        clock);
  }

  SmartBackendTokenProvider(SmartTokenEndpoint endpoint, Clock clock) {
    this.endpoint = endpoint;
    this.sourceId = endpoint.sourceId();
    this.clock = Objects.requireNonNull(clock, "clock");
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
        current = token(endpoint.request());
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

  /** The issued token with its expiry and the point from which it is renewed. */
  private Token token(SmartTokenEndpoint.Issued issued) {
    BearerAccessToken bearer = issued.token();
    Duration lifetime = lifetime(bearer.getLifetime());
    Duration margin =
        MIN_RENEWAL_MARGIN.compareTo(lifetime.dividedBy(10)) >= 0
            ? MIN_RENEWAL_MARGIN
            : lifetime.dividedBy(10);
    if (margin.compareTo(lifetime.dividedBy(2)) > 0) {
      margin = lifetime.dividedBy(2);
    }
    Instant expiresAt = issued.sentAt().plus(lifetime);
    log.info(
        "event=token_issued source={} expires_in_s={} renew_at={} scope=\"{}\"",
        sourceId,
        lifetime.toSeconds(),
        expiresAt.minus(margin),
        bearer.getScope() == null ? endpoint.scope() : bearer.getScope());
    return new Token(bearer.getValue(), expiresAt, expiresAt.minus(margin));
  }

  private Duration lifetime(long seconds) {
    if (seconds <= 0) {
      log.warn(
          "event=token_without_expires_in source={} assumed_s={}",
          sourceId,
          LIFETIME_WHEN_UNSAID.toSeconds());
      return LIFETIME_WHEN_UNSAID;
    }
    return Duration.ofSeconds(seconds);
  }

  @Override
  public String toString() {
    return "SmartBackendTokenProvider" + endpoint;
  }
}
