package org.shockreg.server.provenance;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Provenance;
import org.shockreg.server.fhir.CuratedResourceProvider;
import org.shockreg.server.fhir.RegistryReader;
import org.shockreg.server.fhir.SearchArguments;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Provenance of curated facts (admin only: {@code FhirAccessRules}, on the parsed request). One
 * Provenance per curated Observation, Procedure, Condition, Encounter and Patient, id {@code
 * obs-|proc-|cond-|enc-|pat-<curated id>}, linking the fact to the source resource (and version) it
 * was curated from. HAPI's search signature only: the behaviour is {@link ProvenanceType}.
 */
@Component
public class ProvenanceProvider extends CuratedResourceProvider<Provenance> {

  public ProvenanceProvider(NamedParameterJdbcTemplate jdbc, RegistryReader reader) {
    super(ProvenanceType.declaration(jdbc), reader);
  }

  @Search
  public IBundleProvider search(
      @Description(
              shortDefinition = "Logical id: obs-, proc-, cond-, enc- or pat- and the curated id")
          @OptionalParam(name = "_id")
          TokenOrListParam id,
      @Description(shortDefinition = "The curated fact, e.g. Observation/<id>; comma = OR")
          @OptionalParam(
              name = Provenance.SP_TARGET,
              targetTypes = {
                Observation.class,
                Procedure.class,
                Condition.class,
                Encounter.class,
                Patient.class
              })
          ReferenceOrListParam target,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    return search(
        SearchArguments.of(request, summary, total)
            .with("_id", id)
            .with(Provenance.SP_TARGET, target));
  }
}
