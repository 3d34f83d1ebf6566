package org.shockreg.server.profile;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.Offset;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.StringOrListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.UriOrListParam;
import java.util.List;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.shockreg.server.fhir.DefinitionDeclaration;
import org.shockreg.server.fhir.FhirServerProperties;
import org.shockreg.server.fhir.SearchArguments;
import org.shockreg.server.fhir.ServedDefinitionProvider;
import org.springframework.stereotype.Component;

/**
 * The registry's profiles and extension definitions (docs/profiles.md), with snapshots. A few dozen
 * small resources held in memory: searches filter a list and page by offset. Declaration and HAPI's
 * search signature.
 */
@Component
public class StructureDefinitionProvider extends ServedDefinitionProvider<StructureDefinition> {

  public StructureDefinitionProvider(ProfileCatalog catalog, FhirServerProperties props) {
    super(
        DefinitionDeclaration.of(
                StructureDefinition.class,
                catalog::all,
                catalog::byId,
                id ->
                    "SR-PROF-3: StructureDefinition/"
                        + id
                        + " is not one of the registry's profiles")
            .resultParameters("_id", "_offset")
            .token("_id", sd -> sd.getIdElement().getIdPart(), "SR-PROF-4")
            .uri(StructureDefinition.SP_URL, sd -> List.of(sd.getUrl()), "SR-PROF-5")
            .string(StructureDefinition.SP_NAME, StructureDefinition::getName)
            .token(StructureDefinition.SP_TYPE, StructureDefinition::getType, "SR-PROF-4")
            .pagedByOffset(props));
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id, e.g. shockreg-patient")
          @OptionalParam(name = "_id")
          TokenOrListParam id,
      @Description(
              shortDefinition =
                  "Canonical URL, e.g. https://fhir.shockreg.org/StructureDefinition/shockreg-observation-lactate")
          @OptionalParam(name = StructureDefinition.SP_URL)
          UriOrListParam url,
      @Description(
              shortDefinition =
                  "Computationally friendly name (starts with, case-insensitive; :exact, :contains)")
          @OptionalParam(name = StructureDefinition.SP_NAME)
          StringOrListParam name,
      @Description(
              shortDefinition =
                  "The type constrained: Patient, Observation, Procedure, Condition, Encounter or Extension")
          @OptionalParam(name = StructureDefinition.SP_TYPE)
          TokenOrListParam type,
      @Offset Integer offset,
      @Count Integer count,
      RequestDetails request) {
    return search(
        SearchArguments.of(request)
            .with("_id", id)
            .with(StructureDefinition.SP_URL, url)
            .with(StructureDefinition.SP_NAME, name)
            .with(StructureDefinition.SP_TYPE, type),
        offset,
        count);
  }
}
