package org.shockreg.ingest.trial;

import java.util.List;
import java.util.Set;
import org.shockreg.mappings.derive.EpisodeRecomputation;
import org.shockreg.registry.trial.TrialStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A study that is new or whose definition changed is applied to the episodes already in the
 * registry once, at start, in batches of patients (each its own transaction). Intake afterwards
 * screens only what it touches.
 */
public class StudyRescreening implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(StudyRescreening.class);
  static final int BATCH = 500;

  private final Set<String> changedStudies;
  private final TrialStore trials;
  private final EpisodeRecomputation derivations;
  private final TransactionTemplate tx;

  public StudyRescreening(
      Set<String> changedStudies,
      TrialStore trials,
      EpisodeRecomputation derivations,
      TransactionTemplate tx) {
    this.changedStudies = changedStudies;
    this.trials = trials;
    this.derivations = derivations;
    this.tx = tx;
  }

  @Override
  public void run(ApplicationArguments args) {
    if (changedStudies.isEmpty()) {
      return;
    }
    long started = System.nanoTime();
    String after = "";
    int patients = 0;
    while (true) {
      List<String> batch = trials.patientsWithEpisodes(after, BATCH);
      if (batch.isEmpty()) {
        break;
      }
      tx.executeWithoutResult(s -> derivations.recompute(batch));
      patients += batch.size();
      after = batch.get(batch.size() - 1);
    }
    log.info(
        "event=studies_rescreened studies={} patients={} elapsedMs={}",
        changedStudies,
        patients,
        (System.nanoTime() - started) / 1_000_000);
  }
}
