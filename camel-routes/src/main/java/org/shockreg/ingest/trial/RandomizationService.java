package org.shockreg.ingest.trial;

import java.time.Instant;
import java.util.List;
import org.shockreg.mappings.derive.EpisodeRecomputation;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.trial.Randomization;
import org.shockreg.registry.trial.TrialStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Records a randomization from the EDC: checked, stored and applied (the subject becomes on-study,
 * timing, deviations and the endpoint are derived) in one transaction under the patient's lock, so
 * it cannot interleave with intake for the same patient. A second randomization of the same episode
 * is refused and nothing is stored.
 */
public class RandomizationService {

  private static final Logger log = LoggerFactory.getLogger(RandomizationService.class);

  private final StudyCatalog studies;
  private final TrialStore trials;
  private final EpisodeRecomputation derivations;
  private final TransactionTemplate tx;

  public RandomizationService(
      StudyCatalog studies,
      TrialStore trials,
      EpisodeRecomputation derivations,
      TransactionTemplate tx) {
    this.studies = studies;
    this.trials = trials;
    this.derivations = derivations;
    this.tx = tx;
  }

  /** Why a randomization was refused: {@code unprocessable} (422) or {@code conflict} (409). */
  public static final class RandomizationRefused extends RuntimeException {
    private final boolean conflict;
    private final String code;

    public RandomizationRefused(boolean conflict, String code, String message) {
      super(message);
      this.conflict = conflict;
      this.code = code;
    }

    public boolean conflict() {
      return conflict;
    }

    public String code() {
      return code;
    }
  }

  /** Returns the id of the ResearchSubject the randomization made on-study. */
  public String randomize(String studyId, String patientId, String arm, Instant time) {
    StudyDefinition study = studies.studies().get(studyId);
    if (study == null) {
      throw new RandomizationRefused(false, "SR-EDC-1", "unknown study " + studyId);
    }
    if (arm == null || study.arm(arm) == null) {
      throw new RandomizationRefused(
          false,
          "SR-EDC-2",
          "arm '" + arm + "' is not an arm of " + studyId + " (" + arms(study) + ")");
    }
    if (time == null) {
      throw new RandomizationRefused(
          false, "SR-EDC-3", "time: an ISO instant with offset is required");
    }
    if (patientId == null || patientId.isBlank()) {
      throw new RandomizationRefused(
          false, "SR-EDC-4", "patient: a curated Patient id is required");
    }
    // Every POST is a randomization of its own: a repeated one is a second randomization (409).
    String randomizationId = java.util.UUID.randomUUID().toString();
    String subject =
        tx.execute(
            status -> {
              if (!trials.patientExists(patientId)) {
                throw new RandomizationRefused(false, "SR-EDC-5", "unknown patient " + patientId);
              }
              derivations.lockPatients(List.of(patientId));
              trials.insertRandomization(
                  new Randomization(
                      randomizationId, studyId, patientId, arm, time, Randomization.ORIGIN_EDC));
              derivations.recompute(List.of(patientId));
              String s = trials.subjectOfRandomization(randomizationId);
              if (s == null || trials.randomizationsWithoutSubject(patientId, studyId) > 0) {
                // The episode already had a randomization: roll everything back.
                throw new RandomizationRefused(
                    true,
                    "SR-EDC-6",
                    "the patient's shock episode at that time is already randomized in " + studyId);
              }
              return s;
            });
    log.info("event=randomized study={} subject={} arm={}", studyId, subject, arm);
    return subject;
  }

  private static String arms(StudyDefinition study) {
    return String.join(", ", study.arms().stream().map(StudyDefinition.Arm::code).toList());
  }
}
