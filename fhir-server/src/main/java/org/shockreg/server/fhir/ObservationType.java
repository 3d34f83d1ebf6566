package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.OBSERVATION_COLUMNS;

import ca.uhn.fhir.rest.param.QuantityAndListParam;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Observation;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.server.fhir.SqlSearch.KeyType;

/**
 * Curated measurements and derived facts (view {@code curated_observation}) as a declaration: the
 * Observation's search parameters need the rules (categories, which branch of the view holds a
 * variable, unit conversion of quantities), so they live apart from the other curated types.
 */
final class ObservationType {

  private final RuleSet rules;

  private ObservationType(RuleSet rules) {
    this.rules = rules;
  }

  static CuratedTypeDeclaration<Observation> declaration(
      CuratedResourceMapper mapper, RuleSet rules, CuratedIncludes includes) {
    ObservationType o = new ObservationType(rules);
    QuantityClauses quantities = new QuantityClauses(rules);
    return CuratedTypeDeclaration.of(
            Observation.class,
            "curated_observation",
            "observation_id",
            OBSERVATION_COLUMNS,
            mapper.observation())
        .ids()
        .patient(Observation.SP_SUBJECT)
        .patient(Observation.SP_PATIENT)
        .token(Observation.SP_CODE, o::code, "false")
        .parameter(Observation.SP_CATEGORY, TokenAndListParam.class, o::category)
        .date(Observation.SP_DATE, "effective_at")
        .parameter(Observation.SP_VALUE_QUANTITY, QuantityAndListParam.class, quantities::where)
        .token(Observation.SP_VALUE_CONCEPT, ObservationType::valueConcept, "value_code IS NULL")
        .parameter(
            Observation.SP_ENCOUNTER, ReferenceAndListParam.class, ObservationType::encounter)
        .parameter(Observation.SP_FOCUS, ReferenceAndListParam.class, ObservationType::focus)
        .lastUpdated()
        .sort("date", "effective_at", KeyType.TIMESTAMP, true)
        .sort("_lastUpdated", "last_updated", KeyType.TIMESTAMP, false)
        .sort("_id", "observation_id", KeyType.TEXT, false)
        .sort("code", "variable", KeyType.TEXT, false)
        .sort("value-quantity", "value", KeyType.NUMERIC, true)
        // without _sort: _lastUpdated order when filtered by it, else date order when filtered by
        // date
        // (an index range on the date instead of sorting a whole day's or month's rows by row id)
        .sortWhenFilteredBy("_lastUpdated", "date")
        .curatedIncludes(includes);
  }

  private String code(SqlSearch q, TokenParam t) {
    String system = t.getSystem();
    if (system != null
        && !system.isEmpty()
        && !RegistryCodeSystems.REGISTRY_VARIABLE.equals(system)) {
      return SourceCodeClauses.systemAndCode(q, system, t.getValue());
    }
    String clause =
        SearchClauses.registryOrSourceCode(q, t, RegistryCodeSystems.REGISTRY_VARIABLE, "variable");
    if (system == null) {
      return SourceCodeClauses.countCodeAlone(q, clause, t.getValue());
    }
    if (!RegistryCodeSystems.REGISTRY_VARIABLE.equals(system)) {
      return clause;
    }
    // Name the view branch that can hold the variable: kind is a NULL constant in the
    // measurement branch of curated_observation and NOT NULL in derived_fact, so the planner
    // (PostgreSQL 17 folds IS [NOT] NULL on NOT NULL columns) prunes the other branch even in
    // the driver's cached generic plan, which otherwise walked all of measurement for a
    // derived variable; no column is added to the measurement side, so counts stay index-only.
    boolean derived = !rules.variables().containsKey(t.getValue());
    return SourceCodeClauses.countVariableAlone(
        q,
        "(" + clause + (derived ? " AND kind IS NOT NULL)" : " AND kind IS NULL)"),
        t.getValue(),
        derived);
  }

  private void category(SqlSearch s, TokenAndListParam category) {
    SearchClauses.tokens(
        s,
        category,
        (q, t) -> {
          if (t.getSystem() != null
              && !t.getSystem().isEmpty()
              && !RegistryCodeSystems.OBSERVATION_CATEGORY.equals(t.getSystem())) {
            return "false";
          }
          return "variable = ANY(" + q.param(categoryVariables(t.getValue())) + ")";
        },
        "NOT (variable = ANY(" + s.param(categoryVariables(null)) + "))");
  }

  private static String valueConcept(SqlSearch q, TokenParam t) {
    if (t.getSystem() != null
        && !t.getSystem().isEmpty()
        && !RegistryCodeSystems.CS_ETIOLOGY.equals(t.getSystem())
        && !RegistryCodeSystems.SCAI_STAGE.equals(t.getSystem())) {
      return "false";
    }
    return "value_code = " + q.param(t.getValue());
  }

  private static void encounter(SqlSearch s, ReferenceAndListParam encounter) {
    if (encounter == null) {
      return;
    }
    for (ReferenceOrListParam or : encounter.getValuesAsQueryTokens()) {
      List<String> ids = new ArrayList<>();
      for (ReferenceParam r : or.getValuesAsQueryTokens()) {
        if (r.hasChain() || r.getMissing() != null) {
          throw new InvalidRequestException(
              "SR-SEARCH-23: encounter takes Encounter/x or x, without chains");
        }
        if (r.getResourceType() != null && !"Encounter".equals(r.getResourceType())) {
          throw new InvalidRequestException(
              "SR-SEARCH-2: encounter must point to an Encounter, not " + r.getResourceType());
        }
        if (r.getIdPart() == null || r.getIdPart().isBlank()) {
          throw new InvalidRequestException(
              "SR-SEARCH-12: '" + r.getValue() + "' is not an Encounter reference");
        }
        ids.add(r.getIdPart());
      }
      if (!ids.isEmpty()) {
        s.where(CuratedIncludes.observationInEncounters(s.param(ids.toArray(String[]::new))));
      }
    }
  }

  /** Trial facts (eligibility, endpoint, timing) are focused on their ResearchSubject. */
  private static void focus(SqlSearch s, ReferenceAndListParam focus) {
    if (focus == null) {
      return;
    }
    for (ReferenceOrListParam or : focus.getValuesAsQueryTokens()) {
      List<String> refs = new ArrayList<>();
      for (ReferenceParam r : or.getValuesAsQueryTokens()) {
        if (r.hasChain() || r.getIdPart() == null || r.getIdPart().isBlank()) {
          throw new InvalidRequestException(
              "SR-SEARCH-13: focus takes ResearchSubject/<id> or <id>");
        }
        String type = r.getResourceType() == null ? "ResearchSubject" : r.getResourceType();
        refs.add(type + "/" + r.getIdPart());
      }
      s.where("kind IS NOT NULL AND focus = ANY(" + s.param(refs.toArray(String[]::new)) + ")");
    }
  }

  /** The registry variables of an Observation category (null: of any category). */
  private String[] categoryVariables(String category) {
    List<String> variables = new ArrayList<>();
    for (VariableRule v : rules.variables().values()) {
      if (category == null ? v.category() != null : category.equals(v.category())) {
        variables.add(v.variable());
      }
    }
    return variables.toArray(String[]::new);
  }
}
