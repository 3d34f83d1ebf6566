package org.shockreg.mappings;

import java.util.List;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.registry.curated.RandomizationFact;
import org.shockreg.registry.curated.SourceRef;
import org.shockreg.registry.curated.SourceTime;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.study.StudyDefinition;

/**
 * An incoming ResearchSubject (from an EHR or a trial system) is a randomization when it names an
 * arm ({@code assignedArm}) and a time ({@code period.start}); the study by reference ({@code
 * ResearchStudy/altshock-2}) or by one of the study's identifiers (NCT number). Other subjects are
 * skipped (screening is the registry's own job), an unknown study or arm is rejected.
 */
final class RandomizationMapping {

  private RandomizationMapping() {}

  interface PatientLookup {
    String patientId(Reference individual) throws MappingRejection;
  }

  static MappingOutcome map(
      ResearchSubject s,
      SourceRef source,
      StudyCatalog studies,
      PatientLookup patients,
      Pseudonymizer pseudonyms,
      FhirTimes times)
      throws MappingRejection {
    if (!s.hasAssignedArm() || !s.hasPeriod() || !s.getPeriod().hasStart()) {
      return MappingOutcome.skipped(
          "ResearchSubject without assignedArm and period.start is not a randomization");
    }
    StudyDefinition study = study(s.getStudy(), studies);
    if (study == null) {
      throw new MappingRejection(
          "unknown-study",
          "ResearchSubject study '" + describe(s.getStudy()) + "' names no study of this registry");
    }
    if (study.arm(s.getAssignedArm()) == null) {
      throw new MappingRejection(
          "unknown-arm", "arm '" + s.getAssignedArm() + "' is not an arm of study " + study.id());
    }
    SourceTime at = times.time(s.getPeriod().getStartElement());
    if (at == null || at.isDate()) {
      // Hours from shock to randomization and to the device decide the protocol window and the
      // deviations: a date alone would read as midnight, so it is sent back rather than guessed.
      throw new MappingRejection(
          "imprecise-randomization-time",
          "ResearchSubject period.start '"
              + s.getPeriod().getStartElement().getValueAsString()
              + "' needs a time of day (a randomization is timed to the minute)");
    }
    String patientId = patients.patientId(s.getIndividual());
    String id =
        pseudonyms.factId(
            "Randomization", source.siteId(), source.resourceType(), source.resourceId(), "");
    return MappingOutcome.curated(
        List.of(
            new RandomizationFact(
                id, patientId, study.id(), s.getAssignedArm(), at.at(), source, at.precision())));
  }

  private static StudyDefinition study(Reference ref, StudyCatalog studies) {
    if (ref.hasReferenceElement() && ref.getReferenceElement().getIdPart() != null) {
      String type = ref.getReferenceElement().getResourceType();
      if (type == null || "ResearchStudy".equals(type)) {
        StudyDefinition s = studies.studies().get(ref.getReferenceElement().getIdPart());
        if (s != null) {
          return s;
        }
      }
    }
    if (ref.hasIdentifier()) {
      Identifier id = ref.getIdentifier();
      for (StudyDefinition s : studies.studies().values()) {
        if (s.identifiers().stream()
            .anyMatch(
                i ->
                    i.value().equals(id.getValue())
                        && (!id.hasSystem() || i.system().equals(id.getSystem())))) {
          return s;
        }
      }
    }
    return null;
  }

  private static String describe(Reference ref) {
    if (ref.hasReference()) {
      return ref.getReference();
    }
    return ref.hasIdentifier()
        ? ref.getIdentifier().getSystem() + "|" + ref.getIdentifier().getValue()
        : "";
  }
}
