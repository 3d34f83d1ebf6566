package org.shockreg.registry.trial;

import java.time.Instant;
import java.util.List;

/**
 * What trial derivations need of a patient beyond the clinical record: randomizations, death, and
 * the time of the last fact known about the patient (for the endpoint's "follow-up ends").
 */
public record PatientFollowUp(
    String patientId,
    List<Randomization> randomizations,
    Boolean deceased,
    Instant deceasedAt,
    Instant lastFactAt) {

  public PatientFollowUp {
    randomizations = randomizations == null ? List.of() : List.copyOf(randomizations);
  }

  public static PatientFollowUp none(String patientId) {
    return new PatientFollowUp(patientId, List.of(), null, null, null);
  }
}
