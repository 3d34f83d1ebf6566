package org.shockreg.server.terminology;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.UriOrListParam;
import java.util.List;
import org.hl7.fhir.r4.model.ConceptMap;
import org.shockreg.server.fhir.DefinitionDeclaration;
import org.shockreg.server.fhir.SearchArguments;
import org.shockreg.server.fhir.ServedDefinitionProvider;
import org.springframework.stereotype.Component;

/**
 * The active mappings as ConceptMaps: {@code registry-measurements}, {@code registry-devices} and
 * {@code registry-diagnoses} (the built-in rule files, all sites) and {@code site-<site>} for each
 * site mapping file with entries. Rebuilt after {@code POST /admin/mappings/reload}. Declaration
 * and HAPI's search signature.
 */
@Component
public class ConceptMapProvider extends ServedDefinitionProvider<ConceptMap> {

  public ConceptMapProvider(ActiveTerminology terminology) {
    super(
        DefinitionDeclaration.of(
                ConceptMap.class,
                () -> terminology.get().conceptMaps(),
                id -> terminology.get().conceptMap(id),
                id -> "SR-TERM-2: ConceptMap/" + id + " is not an active mapping")
            .resultParameters("_id")
            .token("_id", cm -> cm.getIdElement().getIdPart(), null)
            .uri(ConceptMap.SP_URL, cm -> List.of(cm.getUrl()), "SR-TERM-3")
            .uri(ConceptMap.SP_SOURCE_SYSTEM, ConceptMapSystems::sources, "SR-TERM-3")
            .uri(ConceptMap.SP_TARGET_SYSTEM, ConceptMapSystems::targets, "SR-TERM-3"));
  }

  @Search
  public IBundleProvider search(
      @Description(
              shortDefinition =
                  "Logical id: registry-measurements, registry-devices, registry-diagnoses or site-<site>")
          @OptionalParam(name = "_id")
          TokenOrListParam id,
      @Description(shortDefinition = "Canonical URL") @OptionalParam(name = ConceptMap.SP_URL)
          UriOrListParam url,
      @Description(
              shortDefinition =
                  "A source code system of the map (a URI or an HL7 v2 coding system such as 99LAB)")
          @OptionalParam(name = ConceptMap.SP_SOURCE_SYSTEM)
          UriOrListParam sourceSystem,
      @Description(
              shortDefinition =
                  "A target code system of the map, e.g. https://fhir.shockreg.org/CodeSystem/registry-variable")
          @OptionalParam(name = ConceptMap.SP_TARGET_SYSTEM)
          UriOrListParam targetSystem,
      RequestDetails request) {
    return search(
        SearchArguments.of(request)
            .with("_id", id)
            .with(ConceptMap.SP_URL, url)
            .with(ConceptMap.SP_SOURCE_SYSTEM, sourceSystem)
            .with(ConceptMap.SP_TARGET_SYSTEM, targetSystem));
  }
}
