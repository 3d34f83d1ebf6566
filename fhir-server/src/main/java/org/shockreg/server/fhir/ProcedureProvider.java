package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.PROCEDURE_COLUMNS;

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
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Procedure;

/** Curated device therapies (tMCS, heart replacement therapy) as FHIR Procedure. */
public class ProcedureProvider implements IResourceProvider {

  private final RegistryReader reader;
  private final CuratedResourceMapper mapper;

  public ProcedureProvider(RegistryReader reader, CuratedResourceMapper mapper) {
    this.reader = reader;
    this.mapper = mapper;
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
      @Description(shortDefinition = "Logical id") @OptionalParam(name = "_id") TokenOrListParam id,
      @Description(shortDefinition = "When the curated resource last changed")
          @OptionalParam(name = "_lastUpdated")
          DateRangeParam lastUpdated,
      @Description(shortDefinition = "The curated patient")
          @OptionalParam(name = Procedure.SP_SUBJECT, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceOrListParam subject,
      @Description(shortDefinition = "The curated patient") @OptionalParam(name = Procedure.SP_PATIENT)
          ReferenceOrListParam patient,
      @Description(shortDefinition = "Device (DEV) or source code, system|code")
          @OptionalParam(name = Procedure.SP_CODE)
          TokenAndListParam code,
      @Description(shortDefinition = "Therapy start") @OptionalParam(name = Procedure.SP_DATE)
          DateRangeParam date,
      SummaryEnum summary,
      SearchTotalModeEnum total) {
    SqlSearch s = new SqlSearch("Procedure", "device_therapy", PROCEDURE_COLUMNS, mapper.procedure());
    SearchClauses.ids(s, "procedure_id", id);
    SearchClauses.patient(s, "patient_id", subject);
    SearchClauses.patient(s, "patient_id", patient);
    SearchClauses.tokens(
        s,
        code,
        (q, t) -> SearchClauses.registryOrSourceCode(q, t, RegistryCodeSystems.TMCS_DEVICE, "device"));
    SearchClauses.dateRange(s, "COALESCE(started_at, performed_at)", date);
    SearchClauses.dateRange(s, "last_updated", lastUpdated);
    return reader.search(s, summary, total);
  }
}
