package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.PATIENT_COLUMNS;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import java.time.ZoneOffset;
import java.util.Date;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;

/** Curated patients: pseudonym, sex, birth year, death. */
public class PatientProvider implements IResourceProvider {

  private final RegistryReader reader;
  private final CuratedResourceMapper mapper;

  public PatientProvider(RegistryReader reader, CuratedResourceMapper mapper) {
    this.reader = reader;
    this.mapper = mapper;
  }

  @Override
  public Class<Patient> getResourceType() {
    return Patient.class;
  }

  @Read
  public Patient read(@IdParam IdType id) {
    return reader.read("patient", "patient_id", PATIENT_COLUMNS, mapper.patient(), id);
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id (pseudonym)") @OptionalParam(name = "_id")
          TokenOrListParam id,
      @Description(shortDefinition = "When the curated resource last changed")
          @OptionalParam(name = "_lastUpdated")
          DateRangeParam lastUpdated,
      @Description(shortDefinition = "male, female, other, unknown")
          @OptionalParam(name = Patient.SP_GENDER)
          TokenAndListParam gender,
      @Description(shortDefinition = "Birth date; only the year is kept, so compare at year precision")
          @OptionalParam(name = Patient.SP_BIRTHDATE)
          DateRangeParam birthdate,
      @Description(shortDefinition = "Date of death") @OptionalParam(name = Patient.SP_DEATH_DATE)
          DateRangeParam deathDate,
      SummaryEnum summary,
      SearchTotalModeEnum total) {
    SqlSearch s = new SqlSearch("Patient", "patient", PATIENT_COLUMNS, mapper.patient());
    SearchClauses.ids(s, "patient_id", id);
    SearchClauses.tokens(s, gender, (q, t) -> "sex = " + q.param(t.getValue()));
    if (birthdate != null && !birthdate.isEmpty()) {
      // A stored birth year stands for the whole year: it matches when the year overlaps the range.
      Date lower = birthdate.getLowerBoundAsInstant();
      Date upper = birthdate.getUpperBoundAsInstant();
      if (lower != null) {
        int year = lower.toInstant().atOffset(ZoneOffset.UTC).getYear();
        boolean strict = birthdate.getLowerBound().getPrefix() == ParamPrefixEnum.GREATERTHAN;
        s.where("birth_year " + (strict ? ">" : ">=") + " " + s.param(year));
      }
      if (upper != null) {
        int year = upper.toInstant().atOffset(ZoneOffset.UTC).getYear();
        boolean strict = birthdate.getUpperBound().getPrefix() == ParamPrefixEnum.LESSTHAN;
        s.where("birth_year " + (strict ? "<" : "<=") + " " + s.param(year));
      }
    }
    SearchClauses.dateRange(s, "deceased_at", deathDate);
    SearchClauses.dateRange(s, "last_updated", lastUpdated);
    return reader.search(s, summary, total);
  }
}
