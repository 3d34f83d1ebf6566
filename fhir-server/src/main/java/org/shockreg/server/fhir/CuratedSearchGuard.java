package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Strict search parameters for the curated types. HAPI's plain server rejects unknown search
 * parameters by method matching, but skips every {@code _}-prefixed name it does not know ({@code
 * _foo}, {@code _has}, {@code _tag} ...): those, and malformed {@code _count}, {@code _summary} and
 * {@code _total} values, answer 400 here instead of being ignored. Called first thing by each
 * search method (an interceptor would do too, but HAPI logs every exception an interceptor throws
 * as an error with its stack trace).
 */
public final class CuratedSearchGuard {

  static final Set<String> CURATED_TYPES =
      Set.of("Patient", "Observation", "Procedure", "Condition", "Encounter");

  private static final Set<String> SEARCH_RESULT_PARAMETERS =
      Set.of(
          "_id",
          "_lastUpdated",
          "_count",
          "_sort",
          "_include",
          "_revinclude",
          "_summary",
          "_elements",
          "_total",
          "_format",
          "_pretty");

  private static final Set<String> EVERYTHING_PARAMETERS =
      Set.of("_count", "_format", "_pretty", "_elements");

  private CuratedSearchGuard() {}

  static void check(RequestDetails request) {
    if (request == null) {
      return;
    }
    RestOperationTypeEnum op = request.getRestOperationType();
    if (request.getResourceName() == null || !CURATED_TYPES.contains(request.getResourceName())) {
      return;
    }
    Map<String, String[]> parameters = request.getParameters();
    if (op == RestOperationTypeEnum.SEARCH_TYPE) {
      requireKnown(request, SEARCH_RESULT_PARAMETERS);
    } else if ((op == RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE
            || op == RestOperationTypeEnum.EXTENDED_OPERATION_TYPE)
        && "$everything".equals(request.getOperation())) {
      for (String name : parameters.keySet()) {
        if (!EVERYTHING_PARAMETERS.contains(name)) {
          throw new InvalidRequestException(
              "SR-SEARCH-31: $everything does not support parameter '" + name + "'");
        }
      }
      checkResultParameters(parameters);
    }
  }

  /** Result parameters HAPI applies to any search, whatever the provider declares. */
  private static final Set<String> GENERAL_RESULT_PARAMETERS =
      Set.of("_count", "_summary", "_elements", "_total", "_format", "_pretty");

  /**
   * The same strictness for the other resource types (terminology, profiles, cohorts, Provenance):
   * a {@code _}-parameter that is neither one HAPI applies to every search nor one the search
   * method declares ({@code declared}) answers 400 instead of being ignored.
   */
  public static void checkSearch(RequestDetails request, String... declared) {
    if (request == null || request.getRestOperationType() != RestOperationTypeEnum.SEARCH_TYPE) {
      return;
    }
    Set<String> allowed = new HashSet<>(GENERAL_RESULT_PARAMETERS);
    allowed.addAll(Set.of(declared));
    requireKnown(request, allowed);
  }

  /**
   * Every {@code _}-parameter of a search must be one of {@code allowed}; then checks their values.
   */
  private static void requireKnown(RequestDetails request, Set<String> allowed) {
    Map<String, String[]> parameters = request.getParameters();
    for (String name : parameters.keySet()) {
      String bare = name.contains(":") ? name.substring(0, name.indexOf(':')) : name;
      if (bare.startsWith("_") && !allowed.contains(bare)) {
        throw new InvalidRequestException(
            "SR-SEARCH-30: unknown search parameter '"
                + name
                + "' for "
                + request.getResourceName());
      }
    }
    checkResultParameters(parameters);
  }

  private static void checkResultParameters(Map<String, String[]> parameters) {
    for (String value : values(parameters, "_count")) {
      try {
        if (Integer.parseInt(value.trim()) < 0) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new InvalidRequestException(
            "SR-SEARCH-32: _count must be a whole number >= 0, not '" + value + "'");
      }
    }
    for (String value : values(parameters, "_summary")) {
      if (SummaryEnum.fromCode(value) == null) {
        throw new InvalidRequestException(
            "SR-SEARCH-33: _summary must be true, text, data, count or false");
      }
    }
    for (String value : values(parameters, "_total")) {
      // R4 spells it "estimate"; HAPI's enum "estimated"
      if (!Set.of("none", "estimate", "estimated", "accurate").contains(value)) {
        throw new InvalidRequestException(
            "SR-SEARCH-34: _total must be none, estimate or accurate");
      }
    }
    if (values(parameters, "_count").length > 1 || values(parameters, "_sort").length > 1) {
      throw new InvalidRequestException("SR-SEARCH-35: _count and _sort may be given once");
    }
  }

  private static String[] values(Map<String, String[]> parameters, String name) {
    String[] v = parameters.get(name);
    return v == null ? new String[0] : v;
  }
}
