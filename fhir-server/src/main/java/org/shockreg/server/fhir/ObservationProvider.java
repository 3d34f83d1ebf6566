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
import ca.uhn.fhir.rest.param.QuantityAndListParam;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import java.util.Set;
import org.hl7.fhir.r4.model.Observation;

/**
 * Curated measurements and derived facts as FHIR Observation (see {@link ObservationType}): HAPI's
 * search signature only.
 */
public final class ObservationProvider extends CuratedResourceProvider<Observation> {

  ObservationProvider(CuratedTypeDeclaration<Observation> type, RegistryReader reader) {
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
              name = Observation.SP_SUBJECT,
              targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam subject,
      @Description(
              shortDefinition =
                  "The curated patient (Patient/x, x, or chained: patient.gender, patient.birthdate, ...)")
          @OptionalParam(
              name = Observation.SP_PATIENT,
              targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam patient,
      @Description(
              shortDefinition =
                  "Registry variable (RV) or source code, system|code; :not, :missing")
          @OptionalParam(name = Observation.SP_CODE)
          TokenAndListParam code,
      @Description(shortDefinition = "vital-signs, laboratory or exam; :not")
          @OptionalParam(name = Observation.SP_CATEGORY)
          TokenAndListParam category,
      @Description(shortDefinition = "Effective time (every prefix, at the value's precision)")
          @OptionalParam(name = Observation.SP_DATE)
          DateAndListParam date,
      @Description(
              shortDefinition = "Value with prefix and UCUM unit (converted where commensurable)")
          @OptionalParam(name = Observation.SP_VALUE_QUANTITY)
          QuantityAndListParam valueQuantity,
      @Description(
              shortDefinition =
                  "Coded value of a derived fact (etiology, SCAI stage); :not, :missing")
          @OptionalParam(name = Observation.SP_VALUE_CONCEPT)
          TokenAndListParam valueConcept,
      @Description(shortDefinition = "The shock episode's hospital stay")
          @OptionalParam(
              name = Observation.SP_ENCOUNTER,
              targetTypes = {org.hl7.fhir.r4.model.Encounter.class})
          ReferenceAndListParam encounter,
      @Description(
              shortDefinition =
                  "What the Observation is about (trial subjects, with the trial issue)")
          @OptionalParam(name = Observation.SP_FOCUS)
          ReferenceAndListParam focus,
      @Sort SortSpec sort,
      @IncludeParam(allow = {"Observation:subject", "Observation:patient", "Observation:encounter"})
          Set<Include> include,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    return search(
        SearchArguments.of(request, summary, total)
            .sort(sort)
            .include(include)
            .with("_id", id)
            .with("_lastUpdated", lastUpdated)
            .with(Observation.SP_SUBJECT, subject)
            .with(Observation.SP_PATIENT, patient)
            .with(Observation.SP_CODE, code)
            .with(Observation.SP_CATEGORY, category)
            .with(Observation.SP_DATE, date)
            .with(Observation.SP_VALUE_QUANTITY, valueQuantity)
            .with(Observation.SP_VALUE_CONCEPT, valueConcept)
            .with(Observation.SP_ENCOUNTER, encounter)
            .with(Observation.SP_FOCUS, focus));
  }
}
