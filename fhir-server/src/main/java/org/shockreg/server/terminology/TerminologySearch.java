package org.shockreg.server.terminology;

import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.UriOrListParam;
import ca.uhn.fhir.rest.param.UriParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Collection;

/** Search matching over the in-memory terminology resources (exact matches, OR within a list). */
final class TerminologySearch {

  private TerminologySearch() {}

  static boolean matchesId(TokenOrListParam ids, String id) {
    if (ids == null || ids.getValuesAsQueryTokens().isEmpty()) {
      return true;
    }
    for (TokenParam t : ids.getValuesAsQueryTokens()) {
      if (id.equals(t.getValue())) {
        return true;
      }
    }
    return false;
  }

  static boolean matchesUri(UriOrListParam uris, Collection<String> values) {
    if (uris == null || uris.getValuesAsQueryTokens().isEmpty()) {
      return true;
    }
    for (UriParam u : uris.getValuesAsQueryTokens()) {
      if (u.getQualifier() != null) {
        throw new InvalidRequestException(
            "SR-TERM-3: uri search modifiers (" + u.getQualifier().getValue() + ") are not supported here");
      }
      if (values.contains(u.getValue())) {
        return true;
      }
    }
    return false;
  }
}
