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

  public ObservationProvider(RegistryReader reader, CuratedResourceMapper mapper, RuleSet rules) {
    this.reader = reader;
    this.mapper = mapper;
    this.rules = rules;
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
    return reader.search(s, summary, total);
  }
}
