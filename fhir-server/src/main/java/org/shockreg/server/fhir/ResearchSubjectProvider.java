package org.shockreg.server.fhir;

import ca.uhn.fhir.model.api.Include;
import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IncludeParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import java.util.Set;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * A patient's participation in a study as ResearchSubject (see {@link ResearchSubjectType}): HAPI's
 * search signature only. The trial EDC reads {@code ResearchSubject?study=...} with {@code
 * _include} of the patients and the study.
 */
public class ResearchSubjectProvider extends CuratedResourceProvider<ResearchSubject> {

  public ResearchSubjectProvider(
      RegistryReader reader, CuratedResourceMapper mapper, NamedParameterJdbcTemplate jdbc) {
    super(ResearchSubjectType.declaration(mapper, jdbc), reader);
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id") @OptionalParam(name = "_id")
          TokenAndListParam id,
      @Description(shortDefinition = "When the subject's status, arm or randomization last changed")
          @OptionalParam(name = "_lastUpdated")
          DateAndListParam lastUpdated,
      @Description(shortDefinition = "The study: ResearchStudy/altshock-2 or altshock-2")
          @OptionalParam(
              name = ResearchSubject.SP_STUDY,
              targetTypes = {org.hl7.fhir.r4.model.ResearchStudy.class})
          ReferenceAndListParam study,
      @Description(
              shortDefinition =
                  "The curated patient (Patient/x, x, or chained: individual.gender, ...)")
          @OptionalParam(
              name = ResearchSubject.SP_INDIVIDUAL,
              targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam individual,
      @Description(shortDefinition = "The curated patient (same as individual)")
          @OptionalParam(
              name = ResearchSubject.SP_PATIENT,
              targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam patient,
      @Description(
              shortDefinition = "screening, potential-candidate, ineligible, on-study, ...; :not")
          @OptionalParam(name = ResearchSubject.SP_STATUS)
          TokenAndListParam status,
      @IncludeParam(
              allow = {
                "ResearchSubject:individual",
                "ResearchSubject:patient",
                "ResearchSubject:study"
              })
          Set<Include> include,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    return search(
        SearchArguments.of(request, summary, total)
            .include(include)
            .with("_id", id)
            .with("_lastUpdated", lastUpdated)
            .with(ResearchSubject.SP_STUDY, study)
            .with(ResearchSubject.SP_INDIVIDUAL, individual)
            .with(ResearchSubject.SP_PATIENT, patient)
            .with(ResearchSubject.SP_STATUS, status));
  }
}
