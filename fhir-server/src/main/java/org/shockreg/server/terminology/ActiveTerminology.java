package org.shockreg.server.terminology;

import org.shockreg.mappings.MappingEngine;
import org.shockreg.registry.study.StudyCatalog;
import org.springframework.stereotype.Component;

/**
 * The terminology of the rules in force: rebuilt the first time it is asked for after a reload
 * swapped the engine's rule set, so CodeSystems and ConceptMaps always show what intake uses.
 */
@Component
public class ActiveTerminology {

  private final MappingEngine engine;
  private final StudyCatalog studies;
  private volatile RegistryTerminology current;

  public ActiveTerminology(MappingEngine engine, StudyCatalog studies) {
    this.engine = engine;
    this.studies = studies;
  }

  RegistryTerminology get() {
    RegistryTerminology t = current;
    if (t == null || t.rules() != engine.rules()) {
      t = new RegistryTerminology(engine.rules(), studies.studies().values());
      current = t;
    }
    return t;
  }
}
