package org.shockreg.server.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.shockreg.server.audit.AuditContext;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Inside the security chain, right after the bearer token is authenticated: tells the audit trail
 * who the caller is (so refusals further on are recorded under its name), then applies the
 * per-principal request rate ({@code shockreg.limits.requests-per-minute}): over it, 429 with
 * {@code Retry-After} and an OperationOutcome (FHIR) or problem+json. Not a bean: Spring Boot would
 * also register it in the servlet chain.
 */
final class CallerFilter extends OncePerRequestFilter {

  private final RequestRateLimiter limiter;

  CallerFilter(RequestRateLimiter limiter) {
    this.limiter = limiter;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws ServletException, IOException {
    ShockRegPrincipal p = ShockRegPrincipal.current().orElse(null);
    if (p != null) {
      AuditContext.principal(req, p);
      long wait = limiter.acquire(p.id());
      if (wait > 0) {
        res.setHeader("Retry-After", Long.toString(wait));
        SecurityErrors.write(
            req,
            res,
            HttpStatus.TOO_MANY_REQUESTS,
            "throttled",
            "SR-LIMIT-1: too many requests from this caller (shockreg.limits.requests-per-minute); retry after "
                + wait
                + " s");
        return;
      }
    }
    chain.doFilter(req, res);
  }
}
