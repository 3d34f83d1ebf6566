package org.shockreg.server.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/**
 * HAPI's parameter binding lets a {@link NumberFormatException} out when a number is expected and
 * something else came ({@code value-quantity=2025-01-01}): that is the client's error, a 400 with
 * an OperationOutcome, not a 500 (found by fuzzing the search parameters).
 */
@Component
public class ParameterValueErrors implements FhirServerInterceptor {

  @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
  public BaseServerResponseException toBadRequest(
      RequestDetails request, Throwable exception, HttpServletRequest servletRequest) {
    if (exception instanceof NumberFormatException && thrownBinding(exception)) {
      return new InvalidRequestException(
          "SR-SEARCH-50: a search parameter that takes a number (value-quantity, _count, ...) got a value"
              + " that is not one");
    }
    return null;
  }

  /** Only HAPI's own parameter classes: a NumberFormatException of ours stays a bug (500). */
  private static boolean thrownBinding(Throwable e) {
    for (StackTraceElement frame : e.getStackTrace()) {
      if (frame.getClassName().startsWith("ca.uhn.fhir.rest.param.")) {
        return true;
      }
    }
    return false;
  }
}
