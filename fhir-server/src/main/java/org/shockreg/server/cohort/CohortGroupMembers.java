package org.shockreg.server.cohort;

import java.util.List;
import java.util.Optional;
import org.shockreg.registry.cohort.CohortEngine;
import org.shockreg.server.fhir.GroupMembers;

/** Group membership for {@code Group/{id}/$export}: the cohort's members as of now. */
public class CohortGroupMembers implements GroupMembers {

  private final CohortEngine engine;

  public CohortGroupMembers(CohortEngine engine) {
    this.engine = engine;
  }

  @Override
  public Optional<List<String>> patientIds(String groupId) {
    return engine.find(groupId).map(engine::members);
  }
}
