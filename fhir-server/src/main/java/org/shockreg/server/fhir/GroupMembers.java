package org.shockreg.server.fhir;

import java.util.List;
import java.util.Optional;

/**
 * Who belongs to a Group (cohort) served by the API, as curated patient ids. Used by {@code
 * Group/{id}/$export}; empty when no such Group exists.
 */
public interface GroupMembers {

  Optional<List<String>> patientIds(String groupId);
}
