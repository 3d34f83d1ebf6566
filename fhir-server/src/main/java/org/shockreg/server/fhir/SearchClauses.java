package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.function.BiFunction;

/** Translates HAPI's typed search parameters into SQL clauses with bound parameters. */
final class SearchClauses {

  private SearchClauses() {}

  /** {@code subject}/{@code patient}: {@code Patient/x} or {@code x}, comma = OR. */
  static void patient(SqlSearch s, String column, ReferenceOrListParam refs) {
    if (refs == null || refs.getValuesAsQueryTokens().isEmpty()) {
      return;
    }
    List<String> ids = new ArrayList<>();
    for (ReferenceParam r : refs.getValuesAsQueryTokens()) {
      if (r.getChain() != null) {
        throw new InvalidRequestException("SR-SEARCH-1: chained patient references are not supported yet");
      }
      String type = r.getResourceType();
      if (type != null && !"Patient".equals(type)) {
        throw new InvalidRequestException("SR-SEARCH-2: reference must point to a Patient, not " + type);
      }
      ids.add(r.getIdPart());
    }
    s.where(column + " = ANY(" + s.param(ids.toArray(String[]::new)) + ")");
  }

  /** {@code _id}, comma = OR. */
  static void ids(SqlSearch s, String column, TokenOrListParam ids) {
    if (ids == null || ids.getValuesAsQueryTokens().isEmpty()) {
      return;
    }
    String[] values = ids.getValuesAsQueryTokens().stream().map(TokenParam::getValue).toArray(String[]::new);
    s.where(column + " = ANY(" + s.param(values) + ")");
  }

  /**
   * A token parameter: AND by repetition, OR by comma. {@code clause} turns one token into a SQL
   * condition (using {@code s.param} for values).
   */
  static void tokens(SqlSearch s, TokenAndListParam and, BiFunction<SqlSearch, TokenParam, String> clause) {
    if (and == null) {
      return;
    }
    for (TokenOrListParam or : and.getValuesAsQueryTokens()) {
      List<String> alternatives = new ArrayList<>();
      for (TokenParam t : or.getValuesAsQueryTokens()) {
        if (t.getModifier() != null) {
          throw new InvalidRequestException(
              "SR-SEARCH-3: token modifier :" + t.getModifier().getValue() + " is not supported yet");
        }
        alternatives.add(clause.apply(s, t));
      }
      if (!alternatives.isEmpty()) {
        s.where("(" + String.join(" OR ", alternatives) + ")");
      }
    }
  }

  /** A date parameter on a timestamp column, with its prefixes and precision. */
  static void dateRange(SqlSearch s, String column, DateRangeParam range) {
    if (range == null || range.isEmpty()) {
      return;
    }
    Date lower = range.getLowerBoundAsInstant();
    Date upper = range.getUpperBoundAsInstant();
    if (lower != null) {
      String op = range.getLowerBound().getPrefix() == ParamPrefixEnum.GREATERTHAN ? ">" : ">=";
      s.where(column + " " + op + " " + s.param(new Timestamp(lower.getTime())));
    }
    if (upper != null) {
      String op = range.getUpperBound().getPrefix() == ParamPrefixEnum.LESSTHAN ? "<" : "<=";
      s.where(column + " " + op + " " + s.param(new Timestamp(upper.getTime())));
    }
  }

  /**
   * A code token against a curated column coded in a registry system ({@code registrySystem}) and
   * the source codings: registry system -> the column; other systems -> the codings; no system ->
   * either.
   */
  static String registryOrSourceCode(
      SqlSearch s, TokenParam t, String registrySystem, String registryColumn) {
    if (registrySystem.equals(t.getSystem())) {
      return registryColumn + " = " + s.param(t.getValue());
    }
    if (t.getSystem() == null) {
      return "(" + registryColumn + " = " + s.param(t.getValue()) + " OR "
          + codingContains(s, "codings", t) + ")";
    }
    return codingContains(s, "codings", t);
  }

  /** Codings stored as a JSONB array: {@code system|code}, {@code code}, {@code |code}. */
  static String codingContains(SqlSearch s, String column, TokenParam t) {
    String system = t.getSystem();
    String json;
    if (system == null) {
      json = "[{\"code\":" + jsonString(t.getValue()) + "}]";
    } else if (system.isEmpty()) {
      // |code: a coding with that code and no system
      return "jsonb_path_exists(" + column + ", '$[*] ? (@.code == $c && !exists(@.system))', "
          + "jsonb_build_object('c', " + s.param(t.getValue()) + "::text))";
    } else {
      json = "[{\"system\":" + jsonString(system) + ",\"code\":" + jsonString(t.getValue()) + "}]";
    }
    return column + " @> " + s.param(json) + "::jsonb";
  }

  private static String jsonString(String v) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(v)) + "\"";
  }
}
