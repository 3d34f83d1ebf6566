package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.PROCEDURE_COLUMNS;

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
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.IdType;
import org.shockreg.server.fhir.SqlSearch.KeyType;

/** Curated device therapies (tMCS, heart replacement therapy) as FHIR Procedure. */
public class ProcedureProvider implements IResourceProvider {

  static final SearchSorts SORTS =
      new SearchSorts()
          .key("date", "COALESCE(started_at, performed_at)", KeyType.TIMESTAMP, true)
          .key("_lastUpdated", "last_updated", KeyType.TIMESTAMP, false)
          .key("_id", "procedure_id", KeyType.TEXT, false)
          .key("code", "device", KeyType.TEXT, false);

  private final RegistryReader reader;
  private final CuratedResourceMapper mapper;
  private final CuratedIncludes includes;

  public ProcedureProvider(RegistryReader reader, CuratedResourceMapper mapper) {
    this.reader = reader;
    this.mapper = mapper;
    this.includes = new CuratedIncludes(reader, mapper);
  }

  @Override
  public Class<Procedure> getResourceType() {
    return Procedure.class;
  }

  @Read
  public Procedure read(@IdParam IdType id) {
    return reader.read("device_therapy", "procedure_id", PROCEDURE_COLUMNS, mapper.procedure(), id);
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id") @OptionalParam(name = "_id") TokenAndListParam id,
      @Description(shortDefinition = "When the curated resource last changed")
          @OptionalParam(name = "_lastUpdated")
          DateAndListParam lastUpdated,
      @Description(shortDefinition = "The curated patient (Patient/x, x, or chained: subject:Patient.gender, subject.birthdate, ...)")
          @OptionalParam(name = Procedure.SP_SUBJECT, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam subject,
      @Description(shortDefinition = "The curated patient (Patient/x, x, or chained: patient.gender, patient.birthdate, ...)")
          @OptionalParam(name = Procedure.SP_PATIENT, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam patient,
      @Description(shortDefinition = "Device (DEV) or source code, system|code; :not, :missing")
          @OptionalParam(name = Procedure.SP_CODE)
          TokenAndListParam code,
      @Description(shortDefinition = "Therapy start (every prefix, at the value's precision)")
          @OptionalParam(name = Procedure.SP_DATE)
          DateAndListParam date,
      @Sort SortSpec sort,
      @IncludeParam(allow = {"Procedure:subject", "Procedure:patient"}) Set<Include> include,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    CuratedSearchGuard.check(request);
    SqlSearch s = new SqlSearch("Procedure", "device_therapy", PROCEDURE_COLUMNS, mapper.procedure());
    SearchClauses.ids(s, "procedure_id", id);
    SearchClauses.patient(s, "patient_id", subject);
    SearchClauses.patient(s, "patient_id", patient);
    SearchClauses.tokens(
        s,
        code,
        (q, t) -> SearchClauses.registryOrSourceCode(q, t, RegistryCodeSystems.TMCS_DEVICE, "device"),
        "false");
    SearchClauses.date(s, "COALESCE(started_at, performed_at)", date);
    SearchClauses.date(s, "last_updated", lastUpdated);
    SORTS.apply(s, sort, lastUpdated);
    s.includes(includes, CuratedIncludes.values(include), CuratedIncludes.values(null));
    return reader.search(s, summary, total, request);
  }
}
