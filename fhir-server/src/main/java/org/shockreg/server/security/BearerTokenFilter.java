package org.shockreg.server.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bearer tokens on every endpoint but {@code /fhir/metadata}, {@code /actuator/health} and static
 * console assets; 401 (no or unknown token) or 403 (wrong role) with an OperationOutcome. Tokens
 * are held as SHA-256 digests and compared in constant time.
 */
public class BearerTokenFilter extends OncePerRequestFilter {

  private static final Logger log = LoggerFactory.getLogger(BearerTokenFilter.class);
  public static final String ROLE_ATTRIBUTE = "shockreg.role";

  private final Map<String, Role> rolesByDigest = new HashMap<>();

  public BearerTokenFilter(Map<String, Role> tokens) {
    tokens.forEach((token, role) -> rolesByDigest.put(digest(token), role));
  }

  @Override
  protected void doFilterInternal(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws ServletException, IOException {
    String path = req.getRequestURI().substring(req.getContextPath().length());
    if (isOpen(path, req.getMethod())) {
      chain.doFilter(req, res);
      return;
    }
    String header = req.getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      deny(res, 401, "login", "SR-AUTH-1: this endpoint needs Authorization: Bearer <token>");
      return;
    }
    Role role = roleOf(header.substring(7).trim());
    if (role == null) {
      deny(res, 401, "login", "SR-AUTH-2: the bearer token is not valid");
      return;
    }
    Set<Role> allowed = allowedRoles(path);
    if (!allowed.contains(role)) {
      log.info("event=access_denied role={} path={}", role, path);
      deny(res, 403, "forbidden", "SR-AUTH-3: role " + role.name().toLowerCase() + " may not use this endpoint");
      return;
    }
    req.setAttribute(ROLE_ATTRIBUTE, role);
    chain.doFilter(req, res);
  }

  static boolean isOpen(String path, String method) {
    return path.equals("/fhir/metadata")
        || path.equals("/actuator/health")
        || path.startsWith("/actuator/health/")
        || path.equals("/favicon.ico")
        || path.startsWith("/static/")
        // the API console: Swagger UI assets and the OpenAPI document (what /fhir/metadata says, as OpenAPI)
        || path.equals("/fhir/api-docs")
        || path.startsWith("/fhir/swagger-ui/")
        || path.equals("/")
        || (path.equals("/.well-known/jwks.json")
            && ("GET".equals(method) || "HEAD".equals(method)))
        || ("OPTIONS".equals(method) && path.startsWith("/fhir"));
  }

  static Set<Role> allowedRoles(String path) {
    if (path.startsWith("/ingest/")) {
      return EnumSet.of(Role.ADMIN, Role.INGEST);
    }
    if (path.startsWith("/fhir/Provenance")) {
      return EnumSet.of(Role.ADMIN);
    }
    if (path.startsWith("/fhir")) {
      return EnumSet.of(Role.ADMIN, Role.ANALYST, Role.EDC);
    }
    if (path.startsWith("/edc/")) {
      return EnumSet.of(Role.ADMIN, Role.EDC);
    }
    return EnumSet.of(Role.ADMIN);
  }

  private Role roleOf(String token) {
    String d = digest(token);
    Role found = null;
    for (Map.Entry<String, Role> e : rolesByDigest.entrySet()) {
      if (MessageDigest.isEqual(e.getKey().getBytes(StandardCharsets.US_ASCII), d.getBytes(StandardCharsets.US_ASCII))) {
        found = e.getValue();
      }
    }
    return found;
  }

  private static String digest(String token) {
    try {
      return java.util.HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deny(HttpServletResponse res, int status, String code, String message)
      throws IOException {
    res.setStatus(status);
    if (status == 401) {
      res.setHeader("WWW-Authenticate", "Bearer realm=\"shockreg\"");
    }
    res.setContentType("application/fhir+json;charset=UTF-8");
    res.getWriter()
        .write(
            "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\""
                + code
                + "\",\"diagnostics\":\""
                + message.replace("\"", "'")
                + "\"}]}");
  }
}
