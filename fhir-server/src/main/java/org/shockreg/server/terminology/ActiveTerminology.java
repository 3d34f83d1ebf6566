package org.shockreg.server.terminology;

import org.shockreg.mappings.MappingEngine;
import org.springframework.stereotype.Component;

/**
 * The terminology of the rules in force: rebuilt the first time it is asked for after a reload
 * swapped the engine's rule set, so CodeSystems and ConceptMaps always show what intake uses.
 */
@Component
public class ActiveTerminology {

  private final MappingEngine engine;
  private volatile RegistryTerminology current;

  public ActiveTerminology(MappingEngine engine) {
    this.engine = engine;
  }

  RegistryTerminology get() {
    RegistryTerminology t = current;
    if (t == null || t.rules() != engine.rules()) {
      t = new RegistryTerminology(engine.rules());
      current = t;
    }
    return t;
  }
}
