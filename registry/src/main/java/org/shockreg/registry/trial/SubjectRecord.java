package org.shockreg.registry.trial;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A ResearchSubject as derived: one per (study, shock episode), plus one per randomization that no
 * episode holds ({@code episodeId} null). {@code status} is the R4 ResearchSubject status ({@code
 * on-study} once randomized, else the screening result); {@code criteria} maps criterion key to
 * {@code met}, {@code not-met} or {@code unknown}.
 */
public record SubjectRecord(
    String subjectId,
    String studyId,
    String patientId,
    String episodeId,
    String status,
    String screeningResult,
    Map<String, String> criteria,
    String assignedArm,
    String actualArm,
    String randomizationId,
    Instant randomizedAt,
    Instant shockDiagnosisAt,
    Instant windowEnd,
    BigDecimal hoursDiagnosisToRandomization,
    BigDecimal hoursCicuToRandomization,
    BigDecimal hoursRandomizationToIntervention,
    Boolean escalationWithinHours,
    List<String> deviations,
    String endpoint,
    Instant endpointAt) {

  public SubjectRecord {
    criteria = criteria == null ? Map.of() : Map.copyOf(criteria);
    deviations = deviations == null ? List.of() : List.copyOf(deviations);
  }
}
