package org.shockreg.server.fhir;

import ca.uhn.fhir.model.api.Include;
import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.model.valueset.BundleTypeEnum;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.IncludeParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import java.util.Set;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;

/**
 * Curated patients: pseudonym, sex, birth year, death (see {@link CuratedTypes}): HAPI's search
 * signature and the {@code $everything} operation only.
 */
public final class PatientProvider extends CuratedResourceProvider<Patient> {

  private final PatientEverything everything;

  PatientProvider(
      CuratedTypeDeclaration<Patient> type, RegistryReader reader, PatientEverything everything) {
    super(type, reader);
    this.everything = everything;
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id (pseudonym)") @OptionalParam(name = "_id")
          TokenAndListParam id,
      @Description(shortDefinition = "When the curated resource last changed")
          @OptionalParam(name = "_lastUpdated")
          DateAndListParam lastUpdated,
      @Description(shortDefinition = "male, female, other, unknown; :not, :missing")
          @OptionalParam(name = Patient.SP_GENDER)
          TokenAndListParam gender,
      @Description(
              shortDefinition =
                  "Birth date; only the year is kept, so the value is taken at year precision")
          @OptionalParam(name = Patient.SP_BIRTHDATE)
          DateAndListParam birthdate,
      @Description(shortDefinition = "Date of death (every prefix, at the value's precision)")
          @OptionalParam(name = Patient.SP_DEATH_DATE)
          DateAndListParam deathDate,
      @Sort SortSpec sort,
      @IncludeParam(
              reverse = true,
              allow = {
                "Observation:subject", "Observation:patient", "Procedure:subject",
                    "Procedure:patient",
                "Condition:subject", "Condition:patient", "Encounter:subject", "Encounter:patient"
              })
          Set<Include> revInclude,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    return search(
        SearchArguments.of(request, summary, total)
            .sort(sort)
            .revInclude(revInclude)
            .with("_id", id)
            .with("_lastUpdated", lastUpdated)
            .with(Patient.SP_GENDER, gender)
            .with(Patient.SP_BIRTHDATE, birthdate)
            .with(Patient.SP_DEATH_DATE, deathDate));
  }

  /**
   * The patient's curated record: the Patient, then its Observations (measurements and derived
   * facts), Procedures, Conditions and Encounters, paged like a search.
   */
  @Operation(name = "$everything", idempotent = true, bundleType = BundleTypeEnum.SEARCHSET)
  public IBundleProvider everything(@IdParam IdType id, RequestDetails request) {
    CuratedSearchGuard.check(request);
    return everything.of(read(id, request), request);
  }
}
