package org.shockreg.ingest.pull.auth;

import com.nimbusds.jose.jwk.JWK;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.shockreg.ingest.pull.LoggedUrl;
import org.shockreg.ingest.pull.PullSourcesProperties.Auth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link AccessTokenProvider} of a pull source from its {@code
 * shockreg.sources.<sourceId>.auth.*} properties, validating them first:
 *
 * <ul>
 *   <li>{@code none} (or no {@code auth} at all): no header
 *   <li>{@code basic}: {@code username}, {@code password} -> {@code Basic base64(user:pass)}
 *   <li>{@code bearer}: {@code token} -> {@code Bearer <token>}
 *   <li>{@code smart-backend}: {@code client-id}, {@code private-key}, {@code token-url}, optional
 *       {@code scope} (default {@link #DEFAULT_SCOPE}), {@code key-id}, {@code algorithm} -> {@link
 *       SmartBackendTokenProvider}
 * </ul>
 *
 * Building makes no network call; the first token is fetched by the first {@link
 * AccessTokenProvider#authorization()}.
 */
public final class AccessTokenProviders {

  private static final Logger log = LoggerFactory.getLogger(AccessTokenProviders.class);

  public static final String NONE_TYPE = "none";
  public static final String BASIC = "basic";
  public static final String BEARER = "bearer";
  public static final String SMART_BACKEND = "smart-backend";

  /** Read access to what ShockReg pulls, when {@code auth.scope} is not set. */
  public static final String DEFAULT_SCOPE =
      "system/Patient.read system/Encounter.read system/Condition.read system/Observation.read"
          + " system/Procedure.read";

  /** No authentication. */
  public static final AccessTokenProvider NONE = Optional::empty;

  private AccessTokenProviders() {}

  /**
   * The provider for one source.
   *
   * @param sourceId the key under {@code shockreg.sources}, used in messages
   * @param auth the source's {@code auth} block; null means {@code none}
   * @param http the client for the token endpoint (smart-backend only)
   * @param clock the time for assertions and token expiry
   * @throws IllegalArgumentException naming the property when the configuration is incomplete or
   *     wrong (unknown type, missing value, unreadable or unfitting key, bad token URL)
   */
  public static AccessTokenProvider forSource(
      String sourceId, Auth auth, HttpClient http, Clock clock) {
    Objects.requireNonNull(sourceId, "sourceId");
    if (auth == null) {
      return NONE;
    }
    String type = SigningKeys.normalize(auth.type());
    if (type == null || type.isEmpty()) {
      throw new IllegalArgumentException(
          property(sourceId, "type") + " is required: none, basic, bearer or smart-backend");
    }
    return switch (type) {
      case NONE_TYPE -> NONE;
      case BASIC -> basic(sourceId, auth);
      case BEARER -> bearer(sourceId, auth);
      case SMART_BACKEND -> smartBackend(sourceId, auth, http, clock);
      default ->
          throw new IllegalArgumentException(
              property(sourceId, "type")
                  + " must be none, basic, bearer or smart-backend, not "
                  + auth.type().trim());
    };
  }

  private static AccessTokenProvider basic(String sourceId, Auth auth) {
    String user = required(sourceId, "username", auth.username(), BASIC);
    if (user.contains(":")) {
      throw new IllegalArgumentException(
          property(sourceId, "username") + " must not contain ':' (basic authentication)");
    }
    if (auth.password() == null) {
      throw new IllegalArgumentException(property(sourceId, "password") + " is required for basic");
    }
    String credentials = user + ":" + auth.password();
    return new StaticAuthorization(
        "Basic", Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
  }

  private static AccessTokenProvider bearer(String sourceId, Auth auth) {
    String token = required(sourceId, "token", auth.token(), BEARER);
    if (token.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          property(sourceId, "token") + " must be the token alone, without 'Bearer ' or spaces");
    }
    return new StaticAuthorization("Bearer", token);
  }

  private static AccessTokenProvider smartBackend(
      String sourceId, Auth auth, HttpClient http, Clock clock) {
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(clock, "clock");
    String clientId = required(sourceId, "client-id", auth.clientId(), SMART_BACKEND);
    URI tokenUrl =
        tokenUrl(sourceId, required(sourceId, "token-url", auth.tokenUrl(), SMART_BACKEND));
    String scope =
        auth.scope() == null || auth.scope().isBlank()
            ? DEFAULT_SCOPE
            : auth.scope().trim().replaceAll("\\s+", " ");
    JWK key = SigningKeys.load(sourceId, auth);
    if ("http".equals(tokenUrl.getScheme()) && !isLoopback(tokenUrl.getHost())) {
      log.warn(
          "event=token_url_not_https source={} token_url={}",
          sourceId,
          LoggedUrl.of(tokenUrl.toString()));
    }
    log.info(
        "event=smart_backend_configured source={} client_id={} token_url={} alg={} kid={}",
        sourceId,
        clientId,
        LoggedUrl.of(tokenUrl.toString()),
        key.getAlgorithm(),
        key.getKeyID());
    return new SmartBackendTokenProvider(sourceId, clientId, key, tokenUrl, scope, http, clock);
  }

  private static URI tokenUrl(String sourceId, String value) {
    String prop = property(sourceId, "token-url");
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(prop + " is not a valid URL: " + value, e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          prop + " must be an absolute https (or http) URL, not " + value);
    }
    return uri;
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
  }

  private static String required(String sourceId, String name, String value, String type) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(property(sourceId, name) + " is required for " + type);
    }
    return value.trim();
  }

  /** {@code shockreg.sources.<sourceId>.auth.<name>}, for messages. */
  static String property(String sourceId, String name) {
    return "shockreg.sources." + sourceId + ".auth." + name;
  }

  /** A fixed header value; {@code toString} never shows the secret. */
  private record StaticAuthorization(String scheme, String credentials)
      implements AccessTokenProvider {

    @Override
    public Optional<String> authorization() {
      return Optional.of(scheme + " " + credentials);
    }

    @Override
    public String toString() {
      return scheme + " ***";
    }
  }
}
