package org.shockreg.server.security;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Optional;
import java.util.Set;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The authenticated caller, whichever way it signed in: a static token ({@code name} as configured)
 * or a JWT ({@code name} its {@code sub}, {@code issuer} its {@code iss}). Obtain it with {@link
 * #current()} (Spring Security context) or {@link #of(RequestDetails)} (HAPI).
 *
 * @param kind how the caller authenticated
 * @param name who it is, stable across token rotation (static) or sessions (JWT subject)
 * @param issuer the JWT issuer, null for static tokens
 * @param role what it may do
 * @param studies the studies of an {@code edc} caller (empty for other roles)
 * @param scopes SMART system scopes narrowing the role ({@link SmartScopes#UNRESTRICTED} if none)
 */
public record ShockRegPrincipal(
    Kind kind, String name, String issuer, Role role, Set<String> studies, SmartScopes scopes) {

  /** The RequestDetails user-data key under which the FHIR server keeps the principal. */
  public static final String REQUEST_KEY = ShockRegPrincipal.class.getName();

  public enum Kind {
    STATIC_TOKEN,
    JWT
  }

  public ShockRegPrincipal {
    studies = Set.copyOf(studies);
  }

  /**
   * A key that tells callers apart across both kinds (Bulk export jobs are bound to it): {@code
   * token:<name>} or {@code jwt:<issuer>#<sub>}.
   */
  public String id() {
    return kind == Kind.STATIC_TOKEN
        ? "token:" + name
        : "jwt:" + (issuer == null ? "" : issuer) + "#" + name;
  }

  public boolean isAdmin() {
    return role == Role.ADMIN;
  }

  /** Whether the caller may see this study's subjects: admin and analyst all, edc its own. */
  public boolean seesStudy(String studyId) {
    return role != Role.EDC || studies.contains(studyId);
  }

  /** The studies the caller is limited to, or empty when it is not limited to any. */
  public Optional<Set<String>> studyRestriction() {
    return role == Role.EDC ? Optional.of(studies) : Optional.empty();
  }

  /** The caller of the current request, from the Spring Security context. */
  public static Optional<ShockRegPrincipal> current() {
    Authentication auth = SecurityContextHolder.getContext().getAuthentication();
    return auth != null && auth.getPrincipal() instanceof ShockRegPrincipal p
        ? Optional.of(p)
        : Optional.empty();
  }

  /**
   * The caller of a FHIR request (set by the FHIR authorization interceptor), else {@link
   * #current()}.
   */
  public static Optional<ShockRegPrincipal> of(RequestDetails request) {
    if (request != null && request.getUserData().get(REQUEST_KEY) instanceof ShockRegPrincipal p) {
      return Optional.of(p);
    }
    return current();
  }

  @Override
  public String toString() {
    return id() + " role=" + role.code();
  }
}
