package org.shockreg.registry.study;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A study as data (data-dictionary.md section 4): what the registry serves as ResearchStudy and
 * what trial derivations read (arms, randomization window). Stored as JSON in
 * {@code research_study.definition}.
 */
public record StudyDefinition(
    String id,
    String title,
    String status,
    List<StudyIdentifier> identifiers,
    String description,
    List<Arm> arms,
    List<String> eligibility,
    @JsonProperty("randomization-window-hours") Integer randomizationWindowHours,
    @JsonProperty("primary-endpoint") String primaryEndpoint) {

  public StudyDefinition {
    identifiers = identifiers == null ? List.of() : List.copyOf(identifiers);
    arms = arms == null ? List.of() : List.copyOf(arms);
    eligibility = eligibility == null ? List.of() : List.copyOf(eligibility);
  }

  /** A business identifier of the study, e.g. its ClinicalTrials.gov number. */
  public record StudyIdentifier(String system, String value) {}

  /** A study arm; {@code code} is what randomizations name (e.g. {@code early-iabp}). */
  public record Arm(String code, String name, String description) {}
}
