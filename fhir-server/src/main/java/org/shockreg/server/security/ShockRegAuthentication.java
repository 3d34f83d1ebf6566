package org.shockreg.server.security;

import java.util.ArrayList;
import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * An authenticated request: its {@link ShockRegPrincipal}, with the authorities {@code ROLE_<ROLE>}
 * and {@code SCOPE_<scope>} for Spring's request matchers and the actuator.
 */
public final class ShockRegAuthentication extends AbstractAuthenticationToken {

  private final ShockRegPrincipal principal;

  public ShockRegAuthentication(ShockRegPrincipal principal) {
    super(authorities(principal));
    this.principal = principal;
    setAuthenticated(true);
  }

  private static List<GrantedAuthority> authorities(ShockRegPrincipal p) {
    List<GrantedAuthority> out = new ArrayList<>();
    out.add(new SimpleGrantedAuthority(p.role().authority()));
    p.scopes().values().forEach(s -> out.add(new SimpleGrantedAuthority("SCOPE_" + s)));
    return out;
  }

  @Override
  public Object getCredentials() {
    return ""; // never kept after authentication
  }

  @Override
  public ShockRegPrincipal getPrincipal() {
    return principal;
  }

  @Override
  public String getName() {
    return principal.id();
  }
}
