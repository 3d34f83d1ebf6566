package org.shockreg.server.terminology;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.ConceptMap.ConceptMapGroupComponent;

/**
 * The code systems a ConceptMap maps from and to, for the source-system and target-system searches.
 */
final class ConceptMapSystems {

  private ConceptMapSystems() {}

  /** Every ConceptMap's source systems (for searches). */
  static List<String> sources(ConceptMap cm) {
    List<String> out = new ArrayList<>();
    for (ConceptMapGroupComponent g : cm.getGroup()) {
      if (g.hasSource()) {
        out.add(g.getSource());
      }
    }
    return out;
  }

  /** Every ConceptMap's target systems (for searches). */
  static List<String> targets(ConceptMap cm) {
    List<String> out = new ArrayList<>();
    for (ConceptMapGroupComponent g : cm.getGroup()) {
      if (g.hasTarget()) {
        out.add(g.getTarget());
      }
    }
    return out;
  }
}
