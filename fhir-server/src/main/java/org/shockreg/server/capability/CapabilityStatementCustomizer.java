package org.shockreg.server.capability;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.annotation.IncludeParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestSecurityComponent;
import org.shockreg.server.fhir.FhirServerInterceptor;

/**
 * Makes the generated CapabilityStatement say exactly what the server does. HAPI claims {@code
 * _include=*}, every reference include and every reverse include for a resource whose search
 * declares none; those claims are dropped unless the search method really takes {@code _include} /
 * {@code _revinclude}. It also adds what annotations cannot say: read-only behind bearer tokens.
 */
public class CapabilityStatementCustomizer implements FhirServerInterceptor {

  /** Which kinds of include a resource type's search methods accept. */
  record Includes(boolean forward, boolean reverse) {}

  @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
  public void customize(IBaseConformance generated, RequestDetails request) {
    if (!(generated instanceof CapabilityStatement cs)) {
      return;
    }
    Map<String, Includes> declared = declaredIncludes(request);
    cs.setPurpose(
        "Read-only FHIR R4 access to the curated cardiogenic shock registry: curated measurements,"
            + " device therapies, diagnoses, stays, derived facts, cohorts and terminology.");
    cs.setCopyright("Curated, pseudonymised registry data; access needs a bearer token.");
    for (CapabilityStatementRestComponent rest : cs.getRest()) {
      CapabilityStatementRestSecurityComponent security = rest.getSecurity();
      security.setCors(true);
      security.setDescription(
          "Every request but /metadata needs 'Authorization: Bearer <token>'. Roles: admin, analyst"
              + " and edc read the curated API; Provenance is admin only. Tokens are configured"
              + " (shockreg.security.tokens) or generated into <data-dir>/admin-token.");
      for (CapabilityStatementRestResourceComponent resource : rest.getResource()) {
        Includes includes = declared.getOrDefault(resource.getType(), new Includes(false, false));
        if (!includes.forward()) {
          resource.getSearchInclude().clear();
        }
        if (!includes.reverse()) {
          resource.getSearchRevInclude().clear();
        }
      }
    }
  }

  private static Map<String, Includes> declaredIncludes(RequestDetails request) {
    Map<String, Includes> byType = new HashMap<>();
    if (request == null || !(request.getServer() instanceof RestfulServer server)) {
      return byType;
    }
    for (IResourceProvider provider : server.getResourceProviders()) {
      boolean forward = false;
      boolean reverse = false;
      for (Method method : provider.getClass().getMethods()) {
        if (!method.isAnnotationPresent(Search.class)) {
          continue;
        }
        for (Annotation[] annotations : method.getParameterAnnotations()) {
          for (Annotation annotation : annotations) {
            if (annotation instanceof IncludeParam include) {
              if (include.reverse()) {
                reverse = true;
              } else {
                forward = true;
              }
            }
          }
        }
      }
      String type = server.getFhirContext().getResourceType(provider.getResourceType());
      Includes previous = byType.get(type);
      byType.put(
          type,
          previous == null
              ? new Includes(forward, reverse)
              : new Includes(previous.forward() || forward, previous.reverse() || reverse));
    }
    return byType;
  }
}
