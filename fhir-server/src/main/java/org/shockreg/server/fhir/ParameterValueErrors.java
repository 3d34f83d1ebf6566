package org.shockreg.server.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * Malformed parameter values are the client's error, a 400 with an OperationOutcome, not a 500
 * (found by fuzzing the search parameters): HAPI's parameter binding lets a {@link
 * NumberFormatException} out when a number is expected and something else came ({@code
 * value-quantity=2025-01-01}), and a NUL ({@code %00}) or an unpaired surrogate reaches PostgreSQL,
 * which refuses it as text. A database failure answers without its SQL.
 */
@Component
public class ParameterValueErrors implements FhirServerInterceptor {

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean refuseUnstorableText(RequestDetails request) {
    for (Map.Entry<String, String[]> p : request.getParameters().entrySet()) {
      if (!storable(p.getKey())) {
        throw unstorable();
      }
      for (String v : p.getValue()) {
        if (!storable(v)) {
          throw unstorable();
        }
      }
    }
    if (!storable(request.getRequestPath())) {
      throw unstorable();
    }
    return true;
  }

  @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
  public BaseServerResponseException toBadRequest(
      RequestDetails request, Throwable exception, HttpServletRequest servletRequest) {
    if (exception instanceof NumberFormatException && thrownBinding(exception)) {
      return new InvalidRequestException(
          "SR-SEARCH-50: a search parameter that takes a number (value-quantity, _count, ...) got a value"
              + " that is not one");
    }
    if (exception instanceof DataAccessException) {
      // The message holds the SQL: not for clients (interfaces.md "Errors").
      return new InternalErrorException(
          "SR-SERVER-1: the registry's database could not answer this request");
    }
    return null;
  }

  private static InvalidRequestException unstorable() {
    return new InvalidRequestException(
        "SR-SEARCH-51: a parameter holds a NUL character or an unpaired surrogate, which is not text");
  }

  static boolean storable(String s) {
    if (s == null) {
      return true;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        return false;
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
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
