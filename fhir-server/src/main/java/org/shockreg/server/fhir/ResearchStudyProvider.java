package org.shockreg.server.fhir;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import org.hl7.fhir.r4.model.ResearchStudy;

/** Studies as ResearchStudy (see {@link ResearchStudyType}): HAPI's search signature only. */
public class ResearchStudyProvider extends CuratedResourceProvider<ResearchStudy> {

  public ResearchStudyProvider(RegistryReader reader) {
    super(ResearchStudyType.declaration(), reader);
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Study id, e.g. altshock-2") @OptionalParam(name = "_id")
          TokenAndListParam id,
      @Description(
              shortDefinition = "Business identifier, e.g. https://clinicaltrials.gov|NCT04369573")
          @OptionalParam(name = ResearchStudy.SP_IDENTIFIER)
          TokenAndListParam identifier,
      @Description(shortDefinition = "When the study definition last changed")
          @OptionalParam(name = "_lastUpdated")
          DateAndListParam lastUpdated,
      RequestDetails request) {
    return search(
        SearchArguments.of(request)
            .with("_id", id)
            .with(ResearchStudy.SP_IDENTIFIER, identifier)
            .with("_lastUpdated", lastUpdated));
  }
}
