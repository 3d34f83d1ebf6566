package org.shockreg.server.bulk;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.ArrayList;
import java.util.List;
import org.shockreg.server.security.ShockRegPrincipal;

/** Who is exporting and which of the requested types it may read (docs/security.md). */
final class ExportAccess {

  private ExportAccess() {}

  static ShockRegPrincipal caller(RequestDetails request) {
    return ShockRegPrincipal.of(request)
        .orElseThrow(
            () ->
                new AuthenticationException(
                    "SR-AUTH-1: this endpoint needs Authorization: Bearer <token>"));
  }

  /**
   * The requested types the caller's scopes let it read: a type asked for by name that it may not
   * read is a 403; without {@code _type} the others are left out, and nothing left is a 403.
   */
  static List<ExportedType> readable(
      ShockRegPrincipal caller, List<ExportedType> types, boolean named) {
    List<ExportedType> out = new ArrayList<>();
    for (ExportedType t : types) {
      if (caller.scopes().permitsReading(t.resourceType())) {
        out.add(t);
      } else if (named) {
        throw new ForbiddenOperationException(
            "SR-AUTH-3: the token's scopes do not allow reading " + t.resourceType());
      }
    }
    if (out.isEmpty()) {
      throw new ForbiddenOperationException(
          "SR-AUTH-3: the token's scopes allow none of the exported types");
    }
    return out;
  }
}
