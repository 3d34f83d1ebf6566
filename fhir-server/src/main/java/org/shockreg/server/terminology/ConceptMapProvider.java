package org.shockreg.server.terminology;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.shockreg.server.fhir.CuratedSearchGuard;
import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.UriOrListParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.IdType;
import org.springframework.stereotype.Component;

/**
 * The active mappings as ConceptMaps: {@code registry-measurements}, {@code registry-devices} and
 * {@code registry-diagnoses} (the built-in rule files, all sites) and {@code site-<site>} for each
 * site mapping file with entries. Rebuilt after {@code POST /admin/mappings/reload}.
 */
@Component
public class ConceptMapProvider implements IResourceProvider {

  private final ActiveTerminology terminology;

  public ConceptMapProvider(ActiveTerminology terminology) {
    this.terminology = terminology;
  }

  @Override
  public Class<ConceptMap> getResourceType() {
    return ConceptMap.class;
  }

  @Read
  public ConceptMap read(@IdParam IdType id) {
    return terminology
        .get()
        .conceptMap(id.getIdPart())
        .map(ConceptMap::copy)
        .orElseThrow(
            () ->
                new ResourceNotFoundException(
                    "SR-TERM-2: ConceptMap/" + id.getIdPart() + " is not an active mapping"));
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id: registry-measurements, registry-devices, registry-diagnoses or site-<site>")
          @OptionalParam(name = "_id")
          TokenOrListParam id,
      @Description(shortDefinition = "Canonical URL") @OptionalParam(name = ConceptMap.SP_URL)
          UriOrListParam url,
      @Description(shortDefinition = "A source code system of the map (a URI or an HL7 v2 coding system such as 99LAB)")
          @OptionalParam(name = ConceptMap.SP_SOURCE_SYSTEM)
          UriOrListParam sourceSystem,
      @Description(shortDefinition = "A target code system of the map, e.g. https://fhir.shockreg.org/CodeSystem/registry-variable")
          @OptionalParam(name = ConceptMap.SP_TARGET_SYSTEM)
          UriOrListParam targetSystem,
      RequestDetails request) {
    CuratedSearchGuard.checkSearch(request, "_id");
    List<IBaseResource> out =
        terminology.get().conceptMaps().stream()
            .filter(cm -> TerminologySearch.matchesId(id, cm.getIdElement().getIdPart()))
            .filter(cm -> TerminologySearch.matchesUri(url, List.of(cm.getUrl())))
            .filter(cm -> TerminologySearch.matchesUri(sourceSystem, RegistryTerminology.sourceSystems(cm)))
            .filter(cm -> TerminologySearch.matchesUri(targetSystem, RegistryTerminology.targetSystems(cm)))
            .<IBaseResource>map(ConceptMap::copy)
            .toList();
    return new SimpleBundleProvider(out);
  }
}
