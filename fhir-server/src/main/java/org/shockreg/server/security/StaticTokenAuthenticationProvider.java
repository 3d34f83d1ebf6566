package org.shockreg.server.security;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;

/**
 * A bearer token that is one of the static tokens. Any other token is handed on to the JWT provider
 * when it has a JWT's shape and JWTs are configured; otherwise it is invalid (401).
 */
final class StaticTokenAuthenticationProvider implements AuthenticationProvider {

  private final StaticTokens tokens;
  private final boolean jwtEnabled;

  StaticTokenAuthenticationProvider(StaticTokens tokens, boolean jwtEnabled) {
    this.tokens = tokens;
    this.jwtEnabled = jwtEnabled;
  }

  @Override
  public Authentication authenticate(Authentication authentication) {
    String token = ((BearerTokenAuthenticationToken) authentication).getToken();
    var principal = tokens.authenticate(token);
    if (principal.isPresent()) {
      return new ShockRegAuthentication(principal.get());
    }
    if (jwtEnabled && token.chars().filter(c -> c == '.').count() == 2) {
      return null; // the JWT provider decides
    }
    throw new InvalidBearerTokenException("SR-AUTH-2: the bearer token is not valid");
  }

  @Override
  public boolean supports(Class<?> authentication) {
    return BearerTokenAuthenticationToken.class.isAssignableFrom(authentication);
  }
}
