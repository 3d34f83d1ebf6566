package org.shockreg.server.fhir;

import ca.uhn.fhir.model.api.Include;
import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IncludeParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
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
import java.util.Set;
import org.hl7.fhir.r4.model.Encounter;

/**
 * Curated inpatient and intensive-care encounters (see {@link CuratedTypes}): HAPI's search
 * signature only.
 */
public final class EncounterProvider extends CuratedResourceProvider<Encounter> {

  EncounterProvider(CuratedTypeDeclaration<Encounter> type, RegistryReader reader) {
    super(type, reader);
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id") @OptionalParam(name = "_id")
          TokenAndListParam id,
      @Description(shortDefinition = "When the curated resource last changed")
          @OptionalParam(name = "_lastUpdated")
          DateAndListParam lastUpdated,
      @Description(
              shortDefinition =
                  "The curated patient (Patient/x, x, or chained: subject:Patient.gender, subject.birthdate, ...)")
          @OptionalParam(
              name = Encounter.SP_SUBJECT,
              targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam subject,
      @Description(
              shortDefinition =
                  "The curated patient (Patient/x, x, or chained: patient.gender, patient.birthdate, ...)")
          @OptionalParam(
              name = Encounter.SP_PATIENT,
              targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam patient,
      @Description(
              shortDefinition = "The period (start..end, open end = ongoing), compared as ranges")
          @OptionalParam(name = Encounter.SP_DATE)
          DateAndListParam date,
      @Sort SortSpec sort,
      @IncludeParam(allow = {"Encounter:subject", "Encounter:patient"}) Set<Include> include,
      @IncludeParam(
              reverse = true,
              allow = {"Observation:encounter"})
          Set<Include> revInclude,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    return search(
        SearchArguments.of(request, summary, total)
            .sort(sort)
            .include(include)
            .revInclude(revInclude)
            .with("_id", id)
            .with("_lastUpdated", lastUpdated)
            .with(Encounter.SP_SUBJECT, subject)
            .with(Encounter.SP_PATIENT, patient)
            .with(Encounter.SP_DATE, date));
  }
}
