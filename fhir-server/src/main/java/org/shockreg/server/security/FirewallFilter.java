package org.shockreg.server.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The firewall once more, as the very first filter: Spring's own request-path parsing (which runs
 * in front of the security filter chain) fails with a 500 on {@code //fhir/...} or {@code
 * /fhir;x=y/...}; here such a request is answered 400 with its reason before anything parses it.
 * The security filter chain applies the same {@link HttpFirewall} again.
 */
final class FirewallFilter extends OncePerRequestFilter {

  private final HttpFirewall firewall;
  private final RequestRejectedHandler rejected;

  FirewallFilter(HttpFirewall firewall, RequestRejectedHandler rejected) {
    this.firewall = firewall;
    this.rejected = rejected;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws ServletException, IOException {
    try {
      firewall.getFirewalledRequest(req);
    } catch (RequestRejectedException e) {
      rejected.handle(req, res, e);
      return;
    }
    chain.doFilter(req, res);
  }
}
