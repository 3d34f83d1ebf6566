package org.shockreg.mappings;

import org.hl7.fhir.r4.model.Reference;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.units.UnitConverter;
import org.shockreg.registry.curated.SourceRef;

/**
 * What mapping one source resource needs: the rules and unit conversion in force when it arrived,
 * the pseudonyms, and where it came from. One per {@link MappingEngine#map} call, so every part of
 * a resource is mapped by the same rule set even when a reload swaps it meanwhile.
 */
record MappingContext(
    RuleSet rules,
    UnitConverter units,
    Pseudonymizer pseudonyms,
    SourceRef source,
    SourcePatientResolver patients) {

  /** How the site's times without an offset are read (its time zone, else UTC). */
  FhirTimes times() {
    return FhirTimes.in(rules.timeZone(source.siteId()));
  }

  /** The curated patient a fact's subject names; rejects a subject that names no Patient. */
  String patientIdFor(Reference subject) throws MappingRejection {
    String sourcePatient = patients.sourcePatientId(subject);
    if (sourcePatient == null) {
      throw new MappingRejection(
          "unresolved-subject",
          source.resourceType()
              + " subject '"
              + (subject == null ? "" : subject.getReference())
              + "' does not resolve to a Patient");
    }
    String known = patients.curatedPatientId(source.siteId(), sourcePatient);
    return known != null ? known : pseudonyms.patientId(source.siteId(), sourcePatient);
  }
}
