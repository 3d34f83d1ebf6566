package org.shockreg.server.security;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * API tokens. With none configured, an admin token is generated into {@code <data-dir>/admin-token}
 * (mode 0600) on first start.
 *
 * @param tokens static bearer tokens and their roles ({@code admin}, {@code ingest},
 *     {@code analyst}, {@code edc}); supply the values from the environment, never in committed files
 */
@ConfigurationProperties("shockreg.security")
public record SecurityProperties(List<ApiToken> tokens) {

  public record ApiToken(String token, String role) {}

  public List<ApiToken> tokens() {
    return tokens == null ? List.of() : tokens;
  }
}
