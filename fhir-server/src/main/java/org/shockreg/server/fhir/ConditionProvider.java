package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.CONDITION_COLUMNS;

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
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.IdType;

/** Curated diagnoses as FHIR Condition, coded with their registry category first. */
public class ConditionProvider implements IResourceProvider {

  private final RegistryReader reader;
  private final CuratedResourceMapper mapper;

  public ConditionProvider(RegistryReader reader, CuratedResourceMapper mapper) {
    this.reader = reader;
    this.mapper = mapper;
  }

  @Override
  public Class<Condition> getResourceType() {
    return Condition.class;
  }

  @Read
  public Condition read(@IdParam IdType id) {
    return reader.read("diagnosis", "condition_id", CONDITION_COLUMNS, mapper.condition(), id);
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id") @OptionalParam(name = "_id") TokenOrListParam id,
      @Description(shortDefinition = "When the curated resource last changed")
          @OptionalParam(name = "_lastUpdated")
          DateRangeParam lastUpdated,
      @Description(shortDefinition = "The curated patient")
          @OptionalParam(name = Condition.SP_SUBJECT, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceOrListParam subject,
      @Description(shortDefinition = "The curated patient") @OptionalParam(name = Condition.SP_PATIENT)
          ReferenceOrListParam patient,
      @Description(shortDefinition = "Diagnosis category or source code, system|code")
          @OptionalParam(name = Condition.SP_CODE)
          TokenAndListParam code,
      @Description(shortDefinition = "Onset") @OptionalParam(name = Condition.SP_ONSET_DATE)
          DateRangeParam onset,
      SummaryEnum summary,
      SearchTotalModeEnum total) {
    SqlSearch s = new SqlSearch("Condition", "diagnosis", CONDITION_COLUMNS, mapper.condition());
    SearchClauses.ids(s, "condition_id", id);
    SearchClauses.patient(s, "patient_id", subject);
    SearchClauses.patient(s, "patient_id", patient);
    SearchClauses.tokens(
        s,
        code,
        (q, t) -> SearchClauses.registryOrSourceCode(q, t, RegistryCodeSystems.DIAGNOSIS_CATEGORY, "category"));
    SearchClauses.dateRange(s, "onset_at", onset);
    SearchClauses.dateRange(s, "last_updated", lastUpdated);
    return reader.search(s, summary, total);
  }
}
