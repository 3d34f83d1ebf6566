package org.shockreg.server.security;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who may call ShockReg (docs/security.md): static bearer tokens and, beside them, OAuth2 JWTs.
 * With no static token configured here, an admin token is generated into {@code
 * <data-dir>/admin-token} (mode 0600) on first start.
 *
 * @param tokens static bearer tokens; supply the values from the environment, never in committed
 *     files
 * @param tokensFile more static tokens in a YAML file ({@code tokens: [...]}, same fields), re-read
 *     when it changes (rotation without restart); default {@code <data-dir>/tokens.yaml}, used only
 *     when it exists
 * @param reloadInterval how often the tokens file and the admin-token file are checked for changes
 * @param jwt OAuth2 resource server settings; off unless {@code jwk-set-uri} is set
 */
@ConfigurationProperties("shockreg.security")
public record SecurityProperties(
    List<ApiToken> tokens, Path tokensFile, Duration reloadInterval, Jwt jwt) {

  /**
   * A static token: {@code token} (16+ characters) or its SHA-256 as hex ({@code token-sha256}), a
   * {@code name} (who it is, in logs, audit and Bulk export job ownership), the {@code role}
   * ({@code admin}, {@code ingest}, {@code analyst}, {@code edc}), for {@code edc} its {@code
   * studies} (comma list), and optional SMART {@code scopes} (space list) that narrow the role.
   */
  public record ApiToken(
      String name, String token, String tokenSha256, String role, String studies, String scopes) {}

  /**
   * @param jwkSetUri where the IdP publishes its signing keys (RS256/ES256)
   * @param issuer the required {@code iss}, if set
   * @param audience the required {@code aud} entry, if set
   * @param roleClaim the claim naming the role (default {@code shockreg_role})
   * @param studiesClaim the claim listing an {@code edc} caller's studies (default {@code
   *     shockreg_studies}; a string with a comma list, or an array)
   */
  public record Jwt(
      URI jwkSetUri, String issuer, String audience, String roleClaim, String studiesClaim) {

    public boolean enabled() {
      return jwkSetUri != null && !jwkSetUri.toString().isBlank();
    }

    public String roleClaim() {
      return roleClaim == null || roleClaim.isBlank() ? "shockreg_role" : roleClaim;
    }

    public String studiesClaim() {
      return studiesClaim == null || studiesClaim.isBlank() ? "shockreg_studies" : studiesClaim;
    }
  }

  public List<ApiToken> tokens() {
    return tokens == null ? List.of() : tokens;
  }

  public Duration reloadInterval() {
    return reloadInterval == null ? Duration.ofSeconds(2) : reloadInterval;
  }

  public Jwt jwt() {
    return jwt == null ? new Jwt(null, null, null, null, null) : jwt;
  }
}
