package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.ENCOUNTER_COLUMNS;

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
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;

/** Curated inpatient and intensive-care encounters. */
public class EncounterProvider implements IResourceProvider {

  private final RegistryReader reader;
  private final CuratedResourceMapper mapper;

  public EncounterProvider(RegistryReader reader, CuratedResourceMapper mapper) {
    this.reader = reader;
    this.mapper = mapper;
  }

  @Override
  public Class<Encounter> getResourceType() {
    return Encounter.class;
  }

  @Read
  public Encounter read(@IdParam IdType id) {
    return reader.read("encounter", "encounter_id", ENCOUNTER_COLUMNS, mapper.encounter(), id);
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id") @OptionalParam(name = "_id") TokenOrListParam id,
      @Description(shortDefinition = "When the curated resource last changed")
          @OptionalParam(name = "_lastUpdated")
          DateRangeParam lastUpdated,
      @Description(shortDefinition = "The curated patient")
          @OptionalParam(name = Encounter.SP_SUBJECT, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceOrListParam subject,
      @Description(shortDefinition = "The curated patient") @OptionalParam(name = Encounter.SP_PATIENT)
          ReferenceOrListParam patient,
      @Description(shortDefinition = "Period start") @OptionalParam(name = Encounter.SP_DATE)
          DateRangeParam date,
      SummaryEnum summary,
      SearchTotalModeEnum total) {
    SqlSearch s = new SqlSearch("Encounter", "encounter", ENCOUNTER_COLUMNS, mapper.encounter());
    SearchClauses.ids(s, "encounter_id", id);
    SearchClauses.patient(s, "patient_id", subject);
    SearchClauses.patient(s, "patient_id", patient);
    SearchClauses.dateRange(s, "period_start", date);
    SearchClauses.dateRange(s, "last_updated", lastUpdated);
    return reader.search(s, summary, total);
  }
}
