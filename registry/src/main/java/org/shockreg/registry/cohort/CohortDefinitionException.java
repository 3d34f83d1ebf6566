package org.shockreg.registry.cohort;

import java.util.List;

/** Cohort definitions that cannot be used; each message names its file and key. */
public class CohortDefinitionException extends RuntimeException {

  private final List<String> problems;

  public CohortDefinitionException(List<String> problems) {
    super("invalid cohort definitions:\n  " + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
