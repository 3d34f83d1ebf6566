package org.shockreg.mappings.derive;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.trial.TrialScreener;
import org.shockreg.registry.derive.DerivationStore;
import org.shockreg.registry.derive.EpisodeDerivation;
import org.shockreg.registry.derive.PatientClinicalRecord;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.trial.PatientFollowUp;
import org.shockreg.registry.trial.SubjectRecord;
import org.shockreg.registry.trial.TrialStore;

/**
 * Recomputes the episodes, derived facts and trial subjects of the patients an intake batch (or a
 * randomization) touched, and only theirs: late data (a lactate a day late) changes exactly the
 * episodes it belongs to. Runs in the caller's transaction, after a per-patient lock, so two
 * transactions deriving for the same patient take turns instead of overwriting each other.
 */
public final class EpisodeRecomputation {

  private final DerivationStore store;
  private final MappingEngine engine;
  private final TrialStore trials;
  private final Supplier<Collection<StudyDefinition>> studies;

  public EpisodeRecomputation(DerivationStore store, MappingEngine engine) {
    this(store, engine, null, List::of);
  }

  public EpisodeRecomputation(
      DerivationStore store,
      MappingEngine engine,
      TrialStore trials,
      Supplier<Collection<StudyDefinition>> studies) {
    this.store = store;
    this.engine = engine;
    this.trials = trials;
    this.studies = studies;
  }

  /** DEV codes that count as tMCS in the active rules (which may change on reload). */
  private Set<String> tmcsDevices() {
    Set<String> tmcs = new HashSet<>();
    for (DeviceRule d : engine.rules().devices().values()) {
      if (Boolean.TRUE.equals(d.tmcs())) {
        tmcs.add(d.device());
      }
    }
    return tmcs;
  }

  /** The per-patient lock recomputation takes (for callers that check before they write). */
  public void lockPatients(Collection<String> patientIds) {
    store.lockPatients(patientIds);
  }

  public int recompute(Collection<String> patientIds) {
    if (patientIds.isEmpty()) {
      return 0;
    }
    store.lockPatients(patientIds);
    Set<String> tmcs = tmcsDevices();
    EpisodeDeriver deriver = new EpisodeDeriver(tmcs);
    Collection<StudyDefinition> active = trials == null ? List.of() : studies.get();
    TrialScreener screener = new TrialScreener(deriver, tmcs);
    Map<String, PatientFollowUp> followUps =
        active.isEmpty() ? Map.of() : trials.loadFollowUp(patientIds);
    List<EpisodeDerivation> episodes = new ArrayList<>();
    List<SubjectRecord> subjects = new ArrayList<>();
    for (PatientClinicalRecord r : store.load(patientIds).values()) {
      List<EpisodeDerivation> derived = deriver.derive(r);
      if (active.isEmpty()) {
        episodes.addAll(derived);
        continue;
      }
      PatientFollowUp f =
          followUps.getOrDefault(r.patientId(), PatientFollowUp.none(r.patientId()));
      TrialScreener.Screened screened = screener.screen(active, r, derived, f);
      episodes.addAll(screened.episodes());
      subjects.addAll(screened.subjects());
    }
    store.store(patientIds, episodes);
    if (trials != null) {
      trials.storeSubjects(patientIds, subjects);
    }
    return episodes.size();
  }
}
