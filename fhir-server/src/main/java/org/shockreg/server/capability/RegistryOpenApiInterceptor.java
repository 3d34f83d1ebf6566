package org.shockreg.server.capability;

import ca.uhn.fhir.rest.openapi.OpenApiInterceptor;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;

/**
 * HAPI's OpenAPI generator (document at {@code /fhir/api-docs}, Swagger UI at {@code
 * /fhir/swagger-ui/}), built from the same CapabilityStatement the server publishes, plus the
 * bearer-token scheme every call needs so "Try it out" works after "Authorize".
 */
public class RegistryOpenApiInterceptor extends OpenApiInterceptor {

  static final String BEARER = "bearer";

  @Override
  protected OpenAPI generateOpenApi(ServletRequestDetails request) {
    OpenAPI api = super.generateOpenApi(request);
    if (api.getComponents() == null) {
      api.setComponents(new Components());
    }
    api.getComponents()
        .addSecuritySchemes(
            BEARER,
            new SecurityScheme()
                .type(SecurityScheme.Type.HTTP)
                .scheme("bearer")
                .description(
                    "A ShockReg token (admin, analyst or edc role), e.g. the one in <data-dir>/admin-token"));
    api.addSecurityItem(new SecurityRequirement().addList(BEARER));
    return api;
  }
}
