package org.shockreg.server.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.TokenParamModifier;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/** Translates HAPI's typed search parameters into SQL clauses with bound parameters. */
public final class SearchClauses {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  static final String ADMINISTRATIVE_GENDER = "http://hl7.org/fhir/administrative-gender";

  private SearchClauses() {}

  /** {@code subject}/{@code patient}: {@code Patient/x} or {@code x}, comma = OR. */
  static void patient(SqlSearch s, String column, ReferenceOrListParam refs) {
    if (refs == null || refs.getValuesAsQueryTokens().isEmpty()) {
      return;
    }
    List<String> alternatives = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (ReferenceParam r : refs.getValuesAsQueryTokens()) {
      if (r.getMissing() != null) {
        alternatives.add(column + (r.getMissing() ? " IS NULL" : " IS NOT NULL"));
        continue;
      }
      String type = r.getResourceType();
      if (type != null && !"Patient".equals(type)) {
        throw new InvalidRequestException(
            "SR-SEARCH-2: reference must point to a Patient, not " + type);
      }
      if (r.hasChain()) {
        alternatives.add(
            column
                + " IN (SELECT patient.patient_id FROM patient WHERE "
                + patientChain(s, r)
                + ")");
        continue;
      }
      String id = r.getIdPart();
      if (id == null || id.isBlank() || !id.matches("[A-Za-z0-9\\-.]{1,64}")) {
        throw new InvalidRequestException(
            "SR-SEARCH-12: '" + r.getValue() + "' is not a Patient reference");
      }
      ids.add(id);
    }
    if (!ids.isEmpty()) {
      alternatives.add(patientIn(s, column, ids.toArray(String[]::new)));
    }
    s.where(
        alternatives.size() == 1
            ? alternatives.get(0)
            : "(" + String.join(" OR ", alternatives) + ")");
  }

  /** {@code subject}/{@code patient} with AND by repetition. */
  static void patient(SqlSearch s, String column, ReferenceAndListParam and) {
    if (and == null) {
      return;
    }
    for (ReferenceOrListParam or : and.getValuesAsQueryTokens()) {
      patient(s, column, or);
    }
  }

  /**
   * A chained patient parameter ({@code subject:Patient.gender=female}, {@code
   * patient.birthdate=ge1950}): the Patient search parameter over the {@code patient} table.
   */
  private static String patientChain(SqlSearch s, ReferenceParam r) {
    String chain = r.getChain();
    switch (chain) {
      case "_id" -> {
        return "patient.patient_id = " + s.param(r.getValue());
      }
      case "gender" -> {
        TokenParam t = r.toTokenParam(FHIR);
        if (t.getModifier() != null) {
          throw new InvalidRequestException("SR-SEARCH-13: modifiers are not supported in a chain");
        }
        return gender(s, t, "patient.sex");
      }
      case "birthdate" -> {
        return SearchDates.yearClause(s, "patient.birth_year", chainedDate(r));
      }
      case "death-date" -> {
        return SearchDates.pointClause(s, "patient.deceased_at", chainedDate(r));
      }
      default ->
          throw new InvalidRequestException(
              "SR-SEARCH-1: unsupported chain '"
                  + chain
                  + "': chain to Patient _id, gender, birthdate or death-date");
    }
  }

  private static DateParam chainedDate(ReferenceParam r) {
    try {
      return r.toDateParam(FHIR);
    } catch (RuntimeException e) {
      throw new InvalidRequestException(
          "SR-SEARCH-11: '" + r.getValue() + "' is not a FHIR date or dateTime");
    }
  }

  /** Patient {@code gender} against a column holding the administrative-gender code. */
  static String gender(SqlSearch s, TokenParam t, String column) {
    if (t.getSystem() != null
        && !t.getSystem().isEmpty()
        && !ADMINISTRATIVE_GENDER.equals(t.getSystem())) {
      return "false";
    }
    return column + " = " + s.param(t.getValue());
  }

  /**
   * {@code column} is one of these patients; a merged patient's id stands for its survivor (the old
   * id answers with the merged one, docs/intake.md). The ids are resolved once (an InitPlan), so
   * the index on {@code column} is used as for a plain list. One id (the common case: a patient's
   * Observations, each page of their next links) is compared with {@code =}: PostgreSQL estimates
   * {@code = ANY} of a run-time array as ten ids, and with that estimate the generic plan of a next
   * page walked the whole row-id index filtering by patient (1.9 s p95 at 10 M Observations,
   * benchmarks/RESULTS.md) instead of reading the patient's rows and sorting them.
   */
  static String patientIn(SqlSearch s, String column, String[] ids) {
    if (ids.length == 1) {
      return column
          + " = (SELECT COALESCE(m.surviving_patient_id, i) FROM (VALUES (CAST("
          + s.param(ids[0])
          + " AS text))) AS v(i) LEFT JOIN patient_merge m ON m.merged_patient_id = i)";
    }
    return column
        + " = ANY(ARRAY(SELECT COALESCE(m.surviving_patient_id, i) FROM unnest(CAST("
        + s.param(ids)
        + " AS text[])) AS i LEFT JOIN patient_merge m ON m.merged_patient_id = i))";
  }

  /** Patient {@code _id}, comma = OR; a merged patient's id finds its survivor. */
  static void patientIds(SqlSearch s, String column, TokenAndListParam and) {
    if (and == null) {
      return;
    }
    for (TokenOrListParam or : and.getValuesAsQueryTokens()) {
      checkIds(or);
      s.where(
          patientIn(
              s,
              column,
              or.getValuesAsQueryTokens().stream()
                  .map(TokenParam::getValue)
                  .toArray(String[]::new)));
    }
  }

  private static void checkIds(TokenOrListParam ids) {
    for (TokenParam t : ids.getValuesAsQueryTokens()) {
      if (t.getModifier() != null
          || t.getMissing() != null
          || (t.getSystem() != null && !t.getSystem().isEmpty())) {
        throw new InvalidRequestException(
            "SR-SEARCH-14: _id takes plain ids, without modifiers or systems");
      }
    }
  }

  /** {@code _id}, comma = OR. */
  static void ids(SqlSearch s, String column, TokenOrListParam ids) {
    if (ids == null || ids.getValuesAsQueryTokens().isEmpty()) {
      return;
    }
    for (TokenParam t : ids.getValuesAsQueryTokens()) {
      if (t.getModifier() != null
          || t.getMissing() != null
          || (t.getSystem() != null && !t.getSystem().isEmpty())) {
        throw new InvalidRequestException(
            "SR-SEARCH-14: _id takes plain ids, without modifiers or systems");
      }
    }
    String[] values =
        ids.getValuesAsQueryTokens().stream().map(TokenParam::getValue).toArray(String[]::new);
    s.where(column + " = ANY(" + s.param(values) + ")");
  }

  /** {@code _id}: comma = OR, repetition = AND. */
  static void ids(SqlSearch s, String column, TokenAndListParam and) {
    if (and == null) {
      return;
    }
    for (TokenOrListParam or : and.getValuesAsQueryTokens()) {
      ids(s, column, or);
    }
  }

  /**
   * A token parameter: AND by repetition, OR by comma. {@code clause} turns one token into a SQL
   * condition (using {@code s.param} for values). {@code :not} matches resources without a matching
   * coding (those without the element too); {@code :missing} is not supported here.
   */
  static void tokens(
      SqlSearch s, TokenAndListParam and, BiFunction<SqlSearch, TokenParam, String> clause) {
    tokens(s, and, clause, null);
  }

  /**
   * As {@link #tokens(SqlSearch, TokenAndListParam, BiFunction)}; {@code missing} is the SQL
   * condition "the element is absent" for {@code :missing=true} (null: {@code :missing} answers
   * 400).
   */
  static void tokens(
      SqlSearch s,
      TokenAndListParam and,
      BiFunction<SqlSearch, TokenParam, String> clause,
      String missing) {
    if (and == null) {
      return;
    }
    for (TokenOrListParam or : and.getValuesAsQueryTokens()) {
      List<String> alternatives = new ArrayList<>();
      List<String> negated = new ArrayList<>();
      for (TokenParam t : or.getValuesAsQueryTokens()) {
        if (t.getMissing() != null) {
          if (missing == null) {
            throw new InvalidRequestException(
                "SR-SEARCH-15: :missing is not supported on this parameter");
          }
          alternatives.add(t.getMissing() ? missing : "NOT (" + missing + ")");
          continue;
        }
        TokenParamModifier modifier = t.getModifier();
        if (modifier != null && modifier != TokenParamModifier.NOT) {
          throw new InvalidRequestException(
              "SR-SEARCH-3: token modifier "
                  + modifier.getValue()
                  + " is not supported (only :not and :missing)");
        }
        if (t.getValue() == null || t.getValue().isEmpty()) {
          throw new InvalidRequestException("SR-SEARCH-16: a token needs a code");
        }
        (modifier == TokenParamModifier.NOT ? negated : alternatives).add(clause.apply(s, t));
      }
      if (!negated.isEmpty()) {
        if (!alternatives.isEmpty()) {
          throw new InvalidRequestException(
              "SR-SEARCH-17: :not cannot be mixed with other values in one OR list");
        }
        // code:not=a,b: neither a nor b (as HAPI's JPA server reads it)
        s.where("NOT COALESCE((" + String.join(" OR ", negated) + "), false)");
      } else if (!alternatives.isEmpty()) {
        s.where("(" + String.join(" OR ", alternatives) + ")");
      }
    }
  }

  /** A date parameter on a point-in-time column: every prefix, the value's precision as a range. */
  public static void date(SqlSearch s, String column, DateAndListParam and) {
    SearchDates.point(s, column, and);
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
      return "("
          + registryColumn
          + " = "
          + s.param(t.getValue())
          + " OR "
          + codingContains(s, "codings", t)
          + ")";
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
      return "jsonb_path_exists("
          + column
          + ", '$[*] ? (@.code == $c && !exists(@.system))', "
          + "jsonb_build_object('c', "
          + s.param(t.getValue())
          + "::text))";
    } else {
      json = "[{\"system\":" + jsonString(system) + ",\"code\":" + jsonString(t.getValue()) + "}]";
    }
    return column + " @> " + s.param(json) + "::jsonb";
  }

  private static String jsonString(String v) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(v)) + "\"";
  }
}
