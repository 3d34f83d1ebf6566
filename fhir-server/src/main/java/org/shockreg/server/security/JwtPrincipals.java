package org.shockreg.server.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;

/**
 * A verified JWT as a {@link ShockRegPrincipal}: role from {@code shockreg_role} (a string, or an
 * array of one), an {@code edc} caller's studies from {@code shockreg_studies}, SMART scopes from
 * {@code scope} (space-separated, or an array as some IdPs send {@code scp}). A token without a
 * usable role is not a ShockReg token: 401.
 */
final class JwtPrincipals implements Converter<Jwt, AbstractAuthenticationToken> {

  private final SecurityProperties.Jwt settings;

  JwtPrincipals(SecurityProperties.Jwt settings) {
    this.settings = settings;
  }

  @Override
  public AbstractAuthenticationToken convert(Jwt jwt) {
    List<String> roles = strings(jwt.getClaim(settings.roleClaim()));
    if (roles.size() != 1) {
      throw new InvalidBearerTokenException(
          "SR-AUTH-4: the token needs exactly one role in the claim " + settings.roleClaim());
    }
    Role role;
    try {
      role = Role.parse(roles.get(0));
    } catch (IllegalArgumentException e) {
      throw new InvalidBearerTokenException("SR-AUTH-4: " + e.getMessage());
    }
    Set<String> studies = new LinkedHashSet<>();
    for (String s : strings(jwt.getClaim(settings.studiesClaim()))) {
      studies.addAll(StaticTokens.studies(s));
    }
    if (role != Role.EDC) {
      studies.clear();
    }
    String subject =
        jwt.getSubject() != null ? jwt.getSubject() : jwt.getClaimAsString("client_id");
    if (subject == null || subject.isBlank()) {
      throw new InvalidBearerTokenException("SR-AUTH-4: the token names no subject (sub)");
    }
    List<String> scopes = new ArrayList<>();
    scopes.addAll(
        strings(jwt.getClaim("scope")).stream()
            .flatMap(s -> List.of(s.trim().split("\\s+")).stream())
            .toList());
    scopes.addAll(strings(jwt.getClaim("scp")));
    scopes.removeIf(String::isBlank);
    ShockRegPrincipal principal =
        new ShockRegPrincipal(
            ShockRegPrincipal.Kind.JWT,
            subject,
            jwt.getIssuer() == null ? null : jwt.getIssuer().toString(),
            role,
            studies,
            scopes.isEmpty() ? SmartScopes.UNRESTRICTED : SmartScopes.parse(scopes));
    return new ShockRegAuthentication(principal);
  }

  private static List<String> strings(Object claim) {
    if (claim == null) {
      return List.of();
    }
    if (claim instanceof Collection<?> c) {
      return c.stream().map(String::valueOf).toList();
    }
    return List.of(String.valueOf(claim));
  }
}
