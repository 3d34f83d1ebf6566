package org.shockreg.server.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * The answers of the security layer: an OperationOutcome under {@code /fhir}, problem+json
 * elsewhere (interfaces.md "Errors"); 401 with {@code WWW-Authenticate: Bearer}, 403, and 400 for a
 * request the firewall rejects (with its reason, never a 500).
 */
final class SecurityErrors
    implements AuthenticationEntryPoint, AccessDeniedHandler, RequestRejectedHandler {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger log = LoggerFactory.getLogger(SecurityErrors.class);

  @Override
  public void commence(HttpServletRequest req, HttpServletResponse res, AuthenticationException e)
      throws IOException {
    String header = "Bearer realm=\"shockreg\"";
    String message = "SR-AUTH-1: this endpoint needs Authorization: Bearer <token>";
    if (e instanceof OAuth2AuthenticationException oauth) {
      header += ", error=\"invalid_token\"";
      String why = oauth.getError().getDescription();
      message =
          why != null && why.startsWith("SR-AUTH")
              ? why
              : "SR-AUTH-2: the bearer token is not valid"
                  + (why == null ? "" : " (" + shorten(why) + ")");
    }
    res.setHeader("WWW-Authenticate", header);
    write(req, res, HttpStatus.UNAUTHORIZED, "login", message);
  }

  @Override
  public void handle(HttpServletRequest req, HttpServletResponse res, AccessDeniedException e)
      throws IOException {
    String who =
        ShockRegPrincipal.current().map(p -> "role " + p.role().code()).orElse("this caller");
    // the path without its query string: no search values in logs
    log.info(
        "event=access_denied principal={} method={} path={}",
        ShockRegPrincipal.current().map(ShockRegPrincipal::id).orElse("anonymous"),
        req.getMethod(),
        req.getRequestURI());
    write(
        req,
        res,
        HttpStatus.FORBIDDEN,
        "forbidden",
        "SR-AUTH-3: " + who + " may not use this endpoint");
  }

  @Override
  public void handle(HttpServletRequest req, HttpServletResponse res, RequestRejectedException e)
      throws IOException {
    write(
        req,
        res,
        HttpStatus.BAD_REQUEST,
        "invalid",
        "SR-HTTP-1: the request was rejected: " + shorten(e.getMessage()));
  }

  private static String shorten(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 300 ? s.substring(0, 300) : s;
  }

  static boolean isFhir(HttpServletRequest req) {
    String uri = req.getRequestURI();
    String path =
        uri == null ? "" : uri.substring(Math.min(uri.length(), req.getContextPath().length()));
    return path.equals("/fhir") || path.startsWith("/fhir/");
  }

  static void write(
      HttpServletRequest req,
      HttpServletResponse res,
      HttpStatus status,
      String code,
      String message)
      throws IOException {
    if (res.isCommitted()) {
      return;
    }
    org.shockreg.server.audit.AuditContext.describeFailure(req, message);
    res.setStatus(status.value());
    ObjectNode body = JSON.createObjectNode();
    if (isFhir(req)) {
      res.setContentType("application/fhir+json;charset=UTF-8");
      body.put("resourceType", "OperationOutcome");
      body.putArray("issue")
          .addObject()
          .put("severity", "error")
          .put("code", code)
          .put("diagnostics", message);
    } else {
      res.setContentType("application/problem+json;charset=UTF-8");
      body.put("type", "about:blank");
      body.put("title", status.getReasonPhrase());
      body.put("status", status.value());
      body.put("detail", message);
      body.put("instance", req.getRequestURI());
    }
    res.getOutputStream().write(JSON.writeValueAsBytes(body));
    res.flushBuffer();
  }
}
