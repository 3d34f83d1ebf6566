package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.CONDITION_COLUMNS;

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
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.IdType;
import org.shockreg.server.fhir.SqlSearch.KeyType;

/** Curated diagnoses as FHIR Condition, coded with their registry category first. */
public class ConditionProvider implements IResourceProvider {

  static final SearchSorts SORTS =
      new SearchSorts()
          .key("onset-date", "onset_at", KeyType.TIMESTAMP, true)
          .key("_lastUpdated", "last_updated", KeyType.TIMESTAMP, false)
          .key("_id", "condition_id", KeyType.TEXT, false)
          .key("code", "category", KeyType.TEXT, false);

  private final RegistryReader reader;
  private final CuratedResourceMapper mapper;
  private final CuratedIncludes includes;

  public ConditionProvider(RegistryReader reader, CuratedResourceMapper mapper) {
    this.reader = reader;
    this.mapper = mapper;
    this.includes = new CuratedIncludes(reader, mapper);
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
      @Description(shortDefinition = "Logical id") @OptionalParam(name = "_id") TokenAndListParam id,
      @Description(shortDefinition = "When the curated resource last changed")
          @OptionalParam(name = "_lastUpdated")
          DateAndListParam lastUpdated,
      @Description(shortDefinition = "The curated patient (Patient/x, x, or chained: subject:Patient.gender, subject.birthdate, ...)")
          @OptionalParam(name = Condition.SP_SUBJECT, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam subject,
      @Description(shortDefinition = "The curated patient (Patient/x, x, or chained: patient.gender, patient.birthdate, ...)")
          @OptionalParam(name = Condition.SP_PATIENT, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam patient,
      @Description(shortDefinition = "Diagnosis category or source code, system|code; :not, :missing")
          @OptionalParam(name = Condition.SP_CODE)
          TokenAndListParam code,
      @Description(shortDefinition = "Onset (every prefix, at the value's precision)")
          @OptionalParam(name = Condition.SP_ONSET_DATE)
          DateAndListParam onset,
      @Sort SortSpec sort,
      @IncludeParam(allow = {"Condition:subject", "Condition:patient"}) Set<Include> include,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    CuratedSearchGuard.check(request);
    SqlSearch s = new SqlSearch("Condition", "diagnosis", CONDITION_COLUMNS, mapper.condition());
    SearchClauses.ids(s, "condition_id", id);
    SearchClauses.patient(s, "patient_id", subject);
    SearchClauses.patient(s, "patient_id", patient);
    SearchClauses.tokens(
        s,
        code,
        (q, t) -> SearchClauses.registryOrSourceCode(q, t, RegistryCodeSystems.DIAGNOSIS_CATEGORY, "category"),
        "false");
    SearchClauses.date(s, "onset_at", onset);
    SearchClauses.date(s, "last_updated", lastUpdated);
    SORTS.apply(s, sort, lastUpdated);
    s.includes(includes, CuratedIncludes.values(include), CuratedIncludes.values(null));
    return reader.search(s, summary, total, request);
  }
}
