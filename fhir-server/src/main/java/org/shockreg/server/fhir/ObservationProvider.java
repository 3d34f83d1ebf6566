package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.OBSERVATION_COLUMNS;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.QuantityAndListParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;

/** Curated measurements (and, later, derived facts) as FHIR Observation. */
public class ObservationProvider implements IResourceProvider {

  private final RegistryReader reader;
  private final CuratedResourceMapper mapper;
  private final RuleSet rules;
  private final QuantityClauses quantities;

  public ObservationProvider(RegistryReader reader, CuratedResourceMapper mapper, RuleSet rules) {
    this.reader = reader;
    this.mapper = mapper;
    this.rules = rules;
    this.quantities = new QuantityClauses(rules);
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
      @Description(shortDefinition = "Logical id") @OptionalParam(name = "_id") TokenOrListParam id,
      @Description(shortDefinition = "When the curated resource last changed")
          @OptionalParam(name = "_lastUpdated")
          DateRangeParam lastUpdated,
      @Description(shortDefinition = "The curated patient")
          @OptionalParam(name = Observation.SP_SUBJECT, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceOrListParam subject,
      @Description(shortDefinition = "The curated patient")
          @OptionalParam(name = Observation.SP_PATIENT)
          ReferenceOrListParam patient,
      @Description(shortDefinition = "Registry variable (RV) or source code, system|code")
          @OptionalParam(name = Observation.SP_CODE)
          TokenAndListParam code,
      @Description(shortDefinition = "vital-signs, laboratory or exam")
          @OptionalParam(name = Observation.SP_CATEGORY)
          TokenAndListParam category,
      @Description(shortDefinition = "Effective time") @OptionalParam(name = Observation.SP_DATE)
          DateRangeParam date,
      @Description(shortDefinition = "Value with prefix and UCUM unit (converted where commensurable)")
          @OptionalParam(name = Observation.SP_VALUE_QUANTITY)
          QuantityAndListParam valueQuantity,
      @Description(shortDefinition = "Coded value of a derived fact (etiology, SCAI stage)")
          @OptionalParam(name = Observation.SP_VALUE_CONCEPT)
          TokenAndListParam valueConcept,
      @Description(shortDefinition = "The shock episode's hospital stay")
          @OptionalParam(name = Observation.SP_ENCOUNTER)
          ReferenceOrListParam encounter,
      @Description(shortDefinition = "What the Observation is about (trial subjects, with the trial issue)")
          @OptionalParam(name = Observation.SP_FOCUS)
          ReferenceOrListParam focus,
      SummaryEnum summary,
      SearchTotalModeEnum total) {
    SqlSearch s =
        new SqlSearch("Observation", "curated_observation", OBSERVATION_COLUMNS, mapper.observation());
    SearchClauses.ids(s, "observation_id", id);
    SearchClauses.patient(s, "patient_id", subject);
    SearchClauses.patient(s, "patient_id", patient);
    SearchClauses.tokens(
        s,
        code,
        (q, t) -> SearchClauses.registryOrSourceCode(q, t, RegistryCodeSystems.REGISTRY_VARIABLE, "variable"));
    SearchClauses.tokens(
        s,
        category,
        (q, t) -> {
          if (t.getSystem() != null
              && !t.getSystem().isEmpty()
              && !RegistryCodeSystems.OBSERVATION_CATEGORY.equals(t.getSystem())) {
            return "false";
          }
          List<String> variables = new ArrayList<>();
          for (VariableRule v : rules.variables().values()) {
            if (t.getValue().equals(v.category())) {
              variables.add(v.variable());
            }
          }
          return "variable = ANY(" + q.param(variables.toArray(String[]::new)) + ")";
        });
    SearchClauses.dateRange(s, "effective_at", date);
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
        });
    if (encounter != null && !encounter.getValuesAsQueryTokens().isEmpty()) {
      String[] ids =
          encounter.getValuesAsQueryTokens().stream().map(r -> r.getIdPart()).toArray(String[]::new);
      // the encounter an Observation shows is its episode's stay (see CuratedResourceMapper)
      s.where(
          "EXISTS (SELECT 1 FROM shock_episode e WHERE e.encounter_id = ANY("
              + s.param(ids)
              + ") AND e.patient_id = curated_observation.patient_id"
              + " AND (e.episode_id = curated_observation.episode_id"
              + " OR curated_observation.effective_at BETWEEN e.window_start AND e.window_end))");
    }
    if (focus != null && !focus.getValuesAsQueryTokens().isEmpty()) {
      // No curated Observation has a focus yet: eligibility and endpoint facts come with trials.
      s.where("false");
    }
    SearchClauses.dateRange(s, "last_updated", lastUpdated);
    return reader.search(s, summary, total);
  }
}
