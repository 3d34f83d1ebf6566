package org.shockreg.server.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.shockreg.server.fhir.FhirServerInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;

/**
 * Authorization on the parsed FHIR request, after HAPI has decoded the path and picked the handler
 * (so {@code /fhir/%50rovenance} is Provenance here): {@link FhirAccessRules} on the resource type,
 * interaction and operation, 403 with an OperationOutcome when they say no. Going out, every
 * resource in the response (includes, pages, {@code $everything}) must be one the caller may
 * receive: a second line should a search ever bring in a type its request did not name.
 */
public class FhirAuthorizationInterceptor implements FhirServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(FhirAuthorizationInterceptor.class);

  /**
   * After HAPI has parsed the request and chosen its handler, before any parameter is bound or
   * provider called. A denial is answered here (false: handled) rather than thrown, so that HAPI
   * does not log each one as an interceptor error.
   */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean authorize(RequestDetails request, HttpServletRequest req, HttpServletResponse res)
      throws IOException {
    RestOperationTypeEnum op = request.getRestOperationType();
    if (op == RestOperationTypeEnum.METADATA) {
      return true;
    }
    ShockRegPrincipal p = ShockRegPrincipal.current().orElse(null);
    if (p == null) {
      res.setHeader("WWW-Authenticate", "Bearer realm=\"shockreg\"");
      SecurityErrors.write(
          req,
          res,
          HttpStatus.UNAUTHORIZED,
          "login",
          "SR-AUTH-1: this endpoint needs Authorization: Bearer <token>");
      return false;
    }
    request.getUserData().put(ShockRegPrincipal.REQUEST_KEY, p);
    String type = request.getResourceName();
    String id = request.getId() == null ? null : request.getId().getIdPart();
    String denial =
        op == null
            ? "unknown interaction"
            : FhirAccessRules.denial(p, op, type, id, request.getOperation());
    if (denial != null) {
      log.info(
          "event=access_denied principal={} role={} interaction={} resource_type={} operation={}",
          p.id(),
          p.role().code(),
          op == null ? null : op.getCode(),
          type,
          request.getOperation());
      SecurityErrors.write(req, res, HttpStatus.FORBIDDEN, "forbidden", "SR-AUTH-3: " + denial);
      return false;
    }
    return true;
  }

  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public boolean checkResponse(
      RequestDetails request,
      IBaseResource resource,
      HttpServletRequest req,
      HttpServletResponse res)
      throws IOException {
    if (resource == null || request.getRestOperationType() == RestOperationTypeEnum.METADATA) {
      return true;
    }
    ShockRegPrincipal p = ShockRegPrincipal.of(request).orElse(null);
    if (p == null) {
      SecurityErrors.write(
          req,
          res,
          HttpStatus.UNAUTHORIZED,
          "login",
          "SR-AUTH-1: this endpoint needs Authorization: Bearer <token>");
      return false;
    }
    if (p.isAdmin() && !p.scopes().restricted()) {
      return true;
    }
    List<IBaseResource> resources = new ArrayList<>();
    if (resource instanceof Bundle b) {
      b.getEntry().stream()
          .filter(Bundle.BundleEntryComponent::hasResource)
          .forEach(e -> resources.add(e.getResource()));
    } else {
      resources.add(resource);
    }
    Set<String> studyPatients = new HashSet<>();
    for (IBaseResource r : resources) {
      if (r instanceof ResearchSubject s
          && p.seesStudy(s.getStudy().getReferenceElement().getIdPart())) {
        studyPatients.add(s.getIndividual().getReferenceElement().getIdPart());
      }
    }
    for (IBaseResource r : resources) {
      String type = r.fhirType();
      if ("OperationOutcome".equals(type) || "Parameters".equals(type) || "Bundle".equals(type)) {
        continue; // operation results whose request was authorized; nested bundles are not served
      }
      if (!FhirAccessRules.mayReceive(p, type) || !studyAllows(p, r, studyPatients)) {
        log.info(
            "event=access_denied principal={} role={} response_type={} interaction={}",
            p.id(),
            p.role().code(),
            type,
            request.getRestOperationType());
        SecurityErrors.write(
            req,
            res,
            HttpStatus.FORBIDDEN,
            "forbidden",
            "SR-AUTH-3: the response holds " + type + ", which this caller may not read");
        return false;
      }
    }
    return true;
  }

  /** An edc caller receives its studies, their subjects and those subjects' patients only. */
  private static boolean studyAllows(
      ShockRegPrincipal p, IBaseResource r, Set<String> studyPatients) {
    if (p.role() != Role.EDC) {
      return true;
    }
    String id = r.getIdElement().getIdPart();
    return switch (r.fhirType()) {
      case "ResearchStudy" -> p.seesStudy(((ResearchStudy) r).getIdElement().getIdPart());
      case "ResearchSubject" ->
          p.seesStudy(((ResearchSubject) r).getStudy().getReferenceElement().getIdPart());
      case "Patient" -> studyPatients.contains(id);
      default -> true;
    };
  }
}
