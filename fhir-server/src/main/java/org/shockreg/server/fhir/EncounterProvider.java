package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.ENCOUNTER_COLUMNS;

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
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import java.util.Set;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.shockreg.server.fhir.SqlSearch.KeyType;

/** Curated inpatient and intensive-care encounters. */
public class EncounterProvider implements IResourceProvider {

  static final SearchSorts SORTS =
      new SearchSorts()
          .key("date", "period_start", KeyType.TIMESTAMP, true)
          .key("_lastUpdated", "last_updated", KeyType.TIMESTAMP, false)
          .key("_id", "encounter_id", KeyType.TEXT, false);

  private final RegistryReader reader;
  private final CuratedResourceMapper mapper;
  private final CuratedIncludes includes;

  public EncounterProvider(RegistryReader reader, CuratedResourceMapper mapper) {
    this.reader = reader;
    this.mapper = mapper;
    this.includes = new CuratedIncludes(reader, mapper);
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
      @Description(shortDefinition = "Logical id") @OptionalParam(name = "_id") TokenAndListParam id,
      @Description(shortDefinition = "When the curated resource last changed")
          @OptionalParam(name = "_lastUpdated")
          DateAndListParam lastUpdated,
      @Description(shortDefinition = "The curated patient (Patient/x, x, or chained: subject:Patient.gender, subject.birthdate, ...)")
          @OptionalParam(name = Encounter.SP_SUBJECT, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam subject,
      @Description(shortDefinition = "The curated patient (Patient/x, x, or chained: patient.gender, patient.birthdate, ...)")
          @OptionalParam(name = Encounter.SP_PATIENT, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam patient,
      @Description(shortDefinition = "The period (start..end, open end = ongoing), compared as ranges")
          @OptionalParam(name = Encounter.SP_DATE)
          DateAndListParam date,
      @Sort SortSpec sort,
      @IncludeParam(allow = {"Encounter:subject", "Encounter:patient"}) Set<Include> include,
      @IncludeParam(reverse = true, allow = {"Observation:encounter"}) Set<Include> revInclude,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    CuratedSearchGuard.check(request);
    SqlSearch s = new SqlSearch("Encounter", "encounter", ENCOUNTER_COLUMNS, mapper.encounter());
    SearchClauses.ids(s, "encounter_id", id);
    SearchClauses.patient(s, "patient_id", subject);
    SearchClauses.patient(s, "patient_id", patient);
    SearchDates.period(s, "period_start", "period_end", date);
    SearchClauses.date(s, "last_updated", lastUpdated);
    SORTS.apply(s, sort, lastUpdated);
    s.includes(includes, CuratedIncludes.values(include), CuratedIncludes.values(revInclude));
    return reader.search(s, summary, total, request);
  }
}
