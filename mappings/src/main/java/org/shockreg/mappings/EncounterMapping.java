package org.shockreg.mappings;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Encounter;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.EncounterFact;
import org.shockreg.registry.curated.SourceRef;
import org.shockreg.registry.curated.SourceTime;

/**
 * A source Encounter becomes an encounter fact when it is an inpatient stay or intensive care (by
 * class, type, service type or location in the rules); the CICU stays anchor shock episodes.
 */
final class EncounterMapping {

  private EncounterMapping() {}

  static MappingOutcome map(Encounter e, MappingContext ctx) throws MappingRejection {
    RuleSet rules = ctx.rules();
    SourceRef source = ctx.source();
    if (e.getStatus() == Encounter.EncounterStatus.ENTEREDINERROR
        || e.getStatus() == Encounter.EncounterStatus.CANCELLED) {
      return MappingOutcome.retracted("status " + e.getStatus().toCode());
    }
    boolean icu = rules.isIntensiveCareLocation(source.siteId(), e.getLocation());
    List<Coding> types = new ArrayList<>();
    for (CodeableConcept type : e.getType()) {
      for (org.hl7.fhir.r4.model.Coding c : type.getCoding()) {
        types.add(new Coding(c.getSystem(), c.getCode(), c.getDisplay()));
        icu |= rules.isIntensiveCareType(source.siteId(), c.getSystem(), c.getCode());
      }
    }
    for (org.hl7.fhir.r4.model.Coding c : e.getServiceType().getCoding()) {
      icu |= rules.isIntensiveCareType(source.siteId(), c.getSystem(), c.getCode());
    }
    String encounterClass = e.hasClass_() ? e.getClass_().getCode() : null;
    if (!icu && !rules.isInpatientClass(encounterClass)) {
      return MappingOutcome.skipped("not an inpatient or intensive-care encounter");
    }
    String patientId = ctx.patientIdFor(e.getSubject());
    SourceTime start = e.hasPeriod() ? ctx.times().time(e.getPeriod().getStartElement()) : null;
    SourceTime end = e.hasPeriod() ? ctx.times().time(e.getPeriod().getEndElement()) : null;
    Set<String> flags = new LinkedHashSet<>();
    if (start == null || start.isDate()) {
      flags.add(MappingEngine.FLAG_NEEDS_REVIEW);
    }
    String id =
        ctx.pseudonyms()
            .factId("Encounter", source.siteId(), source.resourceType(), source.resourceId(), "");
    return MappingOutcome.curated(
        List.of(
            new EncounterFact(
                id,
                patientId,
                e.getStatus() != null ? e.getStatus().toCode() : null,
                encounterClass,
                icu,
                SourceTime.at(start),
                SourceTime.at(end),
                types,
                flags,
                source,
                SourceTime.precision(start),
                SourceTime.precision(end))));
  }
}
