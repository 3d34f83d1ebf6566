package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.OBSERVATION_COLUMNS;

import ca.uhn.fhir.model.api.Include;
import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.IncludeParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.QuantityAndListParam;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.server.fhir.SqlSearch.KeyType;

/** Curated measurements and derived facts (view {@code curated_observation}) as FHIR Observation. */
public class ObservationProvider implements IResourceProvider {

  static final SearchSorts SORTS =
      new SearchSorts()
          .key("date", "effective_at", KeyType.TIMESTAMP, true)
          .key("_lastUpdated", "last_updated", KeyType.TIMESTAMP, false)
          .key("_id", "observation_id", KeyType.TEXT, false)
          .key("code", "variable", KeyType.TEXT, false)
          .key("value-quantity", "value", KeyType.NUMERIC, true);

  private final RegistryReader reader;
  private final CuratedResourceMapper mapper;
  private final RuleSet rules;
  private final QuantityClauses quantities;
  private final CuratedIncludes includes;

  public ObservationProvider(RegistryReader reader, CuratedResourceMapper mapper, RuleSet rules) {
    this.reader = reader;
    this.mapper = mapper;
    this.rules = rules;
    this.quantities = new QuantityClauses(rules);
    this.includes = new CuratedIncludes(reader, mapper);
  }

  @Override
  public Class<Observation> getResourceType() {
    return Observation.class;
  }

  @Read
  public Observation read(@IdParam IdType id) {
    return reader.read("curated_observation", "observation_id", OBSERVATION_COLUMNS, mapper.observation(), id);
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id") @OptionalParam(name = "_id") TokenAndListParam id,
      @Description(shortDefinition = "When the curated resource last changed")
          @OptionalParam(name = "_lastUpdated")
          DateAndListParam lastUpdated,
      @Description(shortDefinition = "The curated patient (Patient/x, x, or chained: subject:Patient.gender, subject.birthdate, ...)")
          @OptionalParam(name = Observation.SP_SUBJECT, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam subject,
      @Description(shortDefinition = "The curated patient (Patient/x, x, or chained: patient.gender, patient.birthdate, ...)")
          @OptionalParam(name = Observation.SP_PATIENT, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam patient,
      @Description(shortDefinition = "Registry variable (RV) or source code, system|code; :not, :missing")
          @OptionalParam(name = Observation.SP_CODE)
          TokenAndListParam code,
      @Description(shortDefinition = "vital-signs, laboratory or exam; :not")
          @OptionalParam(name = Observation.SP_CATEGORY)
          TokenAndListParam category,
      @Description(shortDefinition = "Effective time (every prefix, at the value's precision)")
          @OptionalParam(name = Observation.SP_DATE)
          DateAndListParam date,
      @Description(shortDefinition = "Value with prefix and UCUM unit (converted where commensurable)")
          @OptionalParam(name = Observation.SP_VALUE_QUANTITY)
          QuantityAndListParam valueQuantity,
      @Description(shortDefinition = "Coded value of a derived fact (etiology, SCAI stage); :not, :missing")
          @OptionalParam(name = Observation.SP_VALUE_CONCEPT)
          TokenAndListParam valueConcept,
      @Description(shortDefinition = "The shock episode's hospital stay")
          @OptionalParam(name = Observation.SP_ENCOUNTER, targetTypes = {org.hl7.fhir.r4.model.Encounter.class})
          ReferenceAndListParam encounter,
      @Description(shortDefinition = "What the Observation is about (trial subjects, with the trial issue)")
          @OptionalParam(name = Observation.SP_FOCUS)
          ReferenceAndListParam focus,
      @Sort SortSpec sort,
      @IncludeParam(allow = {"Observation:subject", "Observation:patient", "Observation:encounter"})
          Set<Include> include,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    CuratedSearchGuard.check(request);
    SqlSearch s =
        new SqlSearch("Observation", "curated_observation", OBSERVATION_COLUMNS, mapper.observation());
    SearchClauses.ids(s, "observation_id", id);
    SearchClauses.patient(s, "patient_id", subject);
    SearchClauses.patient(s, "patient_id", patient);
    SearchClauses.tokens(
        s,
        code,
        (q, t) -> {
          String clause = SearchClauses.registryOrSourceCode(q, t, RegistryCodeSystems.REGISTRY_VARIABLE, "variable");
          if (!RegistryCodeSystems.REGISTRY_VARIABLE.equals(t.getSystem())) {
            return clause;
          }
          // Name the view branch that can hold the variable: kind is a NULL constant in the
          // measurement branch of curated_observation and NOT NULL in derived_fact, so the planner
          // (PostgreSQL 17 folds IS [NOT] NULL on NOT NULL columns) prunes the other branch even in
          // the driver's cached generic plan, which otherwise walked all of measurement for a
          // derived variable; no column is added to the measurement side, so counts stay index-only.
          return rules.variables().containsKey(t.getValue())
              ? "(" + clause + " AND kind IS NULL)"
              : "(" + clause + " AND kind IS NOT NULL)";
        },
        "false");
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
    SearchClauses.date(s, "effective_at", date);
    quantities.where(s, valueQuantity);
    SearchClauses.tokens(
        s,
        valueConcept,
        (q, t) -> {
          if (t.getSystem() != null
              && !t.getSystem().isEmpty()
              && !RegistryCodeSystems.CS_ETIOLOGY.equals(t.getSystem())
              && !RegistryCodeSystems.SCAI_STAGE.equals(t.getSystem())) {
            return "false";
          }
          return "value_code = " + q.param(t.getValue());
        },
        "value_code IS NULL");
    if (encounter != null) {
      for (ReferenceOrListParam or : encounter.getValuesAsQueryTokens()) {
        List<String> ids = new ArrayList<>();
        for (ReferenceParam r : or.getValuesAsQueryTokens()) {
          if (r.hasChain() || r.getMissing() != null) {
            throw new InvalidRequestException("SR-SEARCH-23: encounter takes Encounter/x or x, without chains");
          }
          if (r.getResourceType() != null && !"Encounter".equals(r.getResourceType())) {
            throw new InvalidRequestException("SR-SEARCH-2: encounter must point to an Encounter, not " + r.getResourceType());
          }
          if (r.getIdPart() == null || r.getIdPart().isBlank()) {
            throw new InvalidRequestException("SR-SEARCH-12: '" + r.getValue() + "' is not an Encounter reference");
          }
          ids.add(r.getIdPart());
        }
        if (!ids.isEmpty()) {
          s.where(CuratedIncludes.observationInEncounters(s.param(ids.toArray(String[]::new))));
        }
      }
    }
    if (focus != null) {
      // Trial facts (eligibility, endpoint, timing) are focused on their ResearchSubject.
      for (ReferenceOrListParam or : focus.getValuesAsQueryTokens()) {
        List<String> refs = new ArrayList<>();
        for (ReferenceParam r : or.getValuesAsQueryTokens()) {
          if (r.hasChain() || r.getIdPart() == null || r.getIdPart().isBlank()) {
            throw new InvalidRequestException("SR-SEARCH-13: focus takes ResearchSubject/<id> or <id>");
          }
          String type = r.getResourceType() == null ? "ResearchSubject" : r.getResourceType();
          refs.add(type + "/" + r.getIdPart());
        }
        s.where("kind IS NOT NULL AND focus = ANY(" + s.param(refs.toArray(String[]::new)) + ")");
      }
    }
    SearchClauses.date(s, "last_updated", lastUpdated);
    // without _sort: _lastUpdated order when filtered by it, else date order when filtered by date
    // (an index range on the date instead of sorting a whole day's or month's rows by row id)
    SORTS.apply(s, sort, lastUpdated != null ? "_lastUpdated" : date != null ? "date" : null);
    s.includes(includes, CuratedIncludes.values(include), CuratedIncludes.values(null));
    return reader.search(s, summary, total, request);
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
