package org.shockreg.server.capability;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.shockreg.server.fhir.FhirServerInterceptor;
import org.springframework.util.function.SingletonSupplier;

/**
 * Serves the OpenAPI document and Swagger UI through {@link RegistryOpenApiInterceptor}, built on
 * the first FHIR request instead of at start: its constructor loads Thymeleaf, flexmark and Swagger
 * (about 250 classes, docs/operations.md "Start-up time") that no health check needs.
 */
public class LazyOpenApiInterceptor implements FhirServerInterceptor {

  private final SingletonSupplier<RegistryOpenApiInterceptor> delegate =
      SingletonSupplier.of(RegistryOpenApiInterceptor::new);

  /** The same hook and answer as HAPI's {@code OpenApiInterceptor.serveSwaggerUi}. */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLER_SELECTED)
  public boolean serveSwaggerUi(
      HttpServletRequest request, HttpServletResponse response, ServletRequestDetails details)
      throws IOException {
    return delegate.obtain().serveSwaggerUi(request, response, details);
  }
}
