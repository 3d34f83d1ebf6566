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
import org.hl7.fhir.r4.model.Condition;

/** Curated diagnoses as FHIR Condition (see {@link CuratedTypes}): HAPI's search signature only. */
public final class ConditionProvider extends CuratedResourceProvider<Condition> {

  ConditionProvider(CuratedTypeDeclaration<Condition> type, RegistryReader reader) {
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
              name = Condition.SP_SUBJECT,
              targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam subject,
      @Description(
              shortDefinition =
                  "The curated patient (Patient/x, x, or chained: patient.gender, patient.birthdate, ...)")
          @OptionalParam(
              name = Condition.SP_PATIENT,
              targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam patient,
      @Description(
              shortDefinition = "Diagnosis category or source code, system|code; :not, :missing")
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
    return search(
        SearchArguments.of(request, summary, total)
            .sort(sort)
            .include(include)
            .with("_id", id)
            .with("_lastUpdated", lastUpdated)
            .with(Condition.SP_SUBJECT, subject)
            .with(Condition.SP_PATIENT, patient)
            .with(Condition.SP_CODE, code)
            .with(Condition.SP_ONSET_DATE, onset));
  }
}
