package org.shockreg.server.terminology;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.UriOrListParam;
import java.util.List;
import org.hl7.fhir.r4.model.CodeSystem;
import org.shockreg.server.fhir.DefinitionDeclaration;
import org.shockreg.server.fhir.SearchArguments;
import org.shockreg.server.fhir.ServedDefinitionProvider;
import org.springframework.stereotype.Component;

/**
 * The registry's own code systems (registry-variable, tmcs-device, cs-etiology, scai-stage,
 * data-flag, diagnosis-category), built from the rules in force. A handful of small resources held
 * in memory, so searches filter a list rather than run SQL. Declaration and HAPI's search
 * signature.
 */
@Component
public class CodeSystemProvider extends ServedDefinitionProvider<CodeSystem> {

  public CodeSystemProvider(ActiveTerminology terminology) {
    super(
        DefinitionDeclaration.of(
                CodeSystem.class,
                () -> terminology.get().codeSystems(),
                id -> terminology.get().codeSystem(id),
                id -> "SR-TERM-1: CodeSystem/" + id + " is not one of the registry's code systems")
            .resultParameters("_id")
            .token("_id", cs -> cs.getIdElement().getIdPart(), null)
            .uri(CodeSystem.SP_URL, cs -> List.of(cs.getUrl()), "SR-TERM-3")
            .uri(CodeSystem.SP_SYSTEM, cs -> List.of(cs.getUrl()), "SR-TERM-3"));
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id, e.g. registry-variable")
          @OptionalParam(name = "_id")
          TokenOrListParam id,
      @Description(
              shortDefinition =
                  "Canonical URL, e.g. https://fhir.shockreg.org/CodeSystem/tmcs-device")
          @OptionalParam(name = CodeSystem.SP_URL)
          UriOrListParam url,
      @Description(shortDefinition = "The system its codes are in (same as url)")
          @OptionalParam(name = CodeSystem.SP_SYSTEM)
          UriOrListParam system,
      RequestDetails request) {
    return search(
        SearchArguments.of(request)
            .with("_id", id)
            .with(CodeSystem.SP_URL, url)
            .with(CodeSystem.SP_SYSTEM, system));
  }
}
