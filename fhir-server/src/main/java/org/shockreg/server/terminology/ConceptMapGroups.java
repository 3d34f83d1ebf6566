package org.shockreg.server.terminology;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.ConceptMap.ConceptMapGroupComponent;
import org.hl7.fhir.r4.model.ConceptMap.SourceElementComponent;
import org.hl7.fhir.r4.model.ConceptMap.TargetElementComponent;
import org.hl7.fhir.r4.model.Enumerations.ConceptMapEquivalence;

/** A ConceptMap's groups by (source system, target system), in order of first use. */
final class ConceptMapGroups {
  private final ConceptMap map;
  private final Map<String, ConceptMapGroupComponent> groups = new LinkedHashMap<>();

  ConceptMapGroups(ConceptMap map) {
    this.map = map;
  }

  TargetElementComponent add(
      String sourceSystem,
      String code,
      String display,
      String targetSystem,
      String targetCode,
      String targetDisplay,
      ConceptMapEquivalence equivalence,
      String comment) {
    ConceptMapGroupComponent g =
        groups.computeIfAbsent(
            sourceSystem + "\u0000" + targetSystem,
            k -> {
              ConceptMapGroupComponent group = map.addGroup();
              if (sourceSystem != null && !sourceSystem.isEmpty()) {
                group.setSource(sourceSystem);
              }
              group.setTarget(targetSystem);
              return group;
            });
    SourceElementComponent e = g.addElement().setCode(code).setDisplay(display);
    return e.addTarget()
        .setCode(targetCode)
        .setDisplay(targetDisplay)
        .setEquivalence(equivalence)
        .setComment(comment);
  }
}
