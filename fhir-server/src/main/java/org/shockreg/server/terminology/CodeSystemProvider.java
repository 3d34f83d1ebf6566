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
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.IdType;
import org.springframework.stereotype.Component;

/**
 * The registry's own code systems (registry-variable, tmcs-device, cs-etiology, scai-stage,
 * data-flag, diagnosis-category), built from the rules in force. A handful of small resources held
 * in memory, so searches filter a list rather than run SQL.
 */
@Component
public class CodeSystemProvider implements IResourceProvider {

  private final ActiveTerminology terminology;

  public CodeSystemProvider(ActiveTerminology terminology) {
    this.terminology = terminology;
  }

  @Override
  public Class<CodeSystem> getResourceType() {
    return CodeSystem.class;
  }

  @Read
  public CodeSystem read(@IdParam IdType id) {
    return terminology
        .get()
        .codeSystem(id.getIdPart())
        .map(CodeSystem::copy)
        .orElseThrow(
            () ->
                new ResourceNotFoundException(
                    "SR-TERM-1: CodeSystem/" + id.getIdPart() + " is not one of the registry's code systems"));
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id, e.g. registry-variable") @OptionalParam(name = "_id")
          TokenOrListParam id,
      @Description(shortDefinition = "Canonical URL, e.g. https://fhir.shockreg.org/CodeSystem/tmcs-device")
          @OptionalParam(name = CodeSystem.SP_URL)
          UriOrListParam url,
      @Description(shortDefinition = "The system its codes are in (same as url)")
          @OptionalParam(name = CodeSystem.SP_SYSTEM)
          UriOrListParam system,
      RequestDetails request) {
    CuratedSearchGuard.checkSearch(request, "_id");
    List<IBaseResource> out =
        terminology.get().codeSystems().stream()
            .filter(cs -> TerminologySearch.matchesId(id, cs.getIdElement().getIdPart()))
            .filter(cs -> TerminologySearch.matchesUri(url, List.of(cs.getUrl())))
            .filter(cs -> TerminologySearch.matchesUri(system, List.of(cs.getUrl())))
            .<IBaseResource>map(CodeSystem::copy)
            .toList();
    return new SimpleBundleProvider(out);
  }
}
