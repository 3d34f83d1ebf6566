package org.shockreg.mappings.derive;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.registry.derive.DerivationStore;
import org.shockreg.registry.derive.EpisodeDerivation;
import org.shockreg.registry.derive.PatientClinicalRecord;

/**
 * Recomputes the episodes and derived facts of the patients an intake batch touched, and only
 * theirs: late data (a lactate a day late) changes exactly the episodes it belongs to.
 */
public final class EpisodeRecomputation {

  private final DerivationStore store;
  private final MappingEngine engine;

  public EpisodeRecomputation(DerivationStore store, MappingEngine engine) {
    this.store = store;
    this.engine = engine;
  }

  /** The deriver for the active rules (which devices count as tMCS may change on reload). */
  private EpisodeDeriver deriver() {
    Set<String> tmcs = new HashSet<>();
    for (DeviceRule d : engine.rules().devices().values()) {
      if (Boolean.TRUE.equals(d.tmcs())) {
        tmcs.add(d.device());
      }
    }
    return new EpisodeDeriver(tmcs);
  }

  public int recompute(Collection<String> patientIds) {
    if (patientIds.isEmpty()) {
      return 0;
    }
    EpisodeDeriver deriver = deriver();
    List<EpisodeDerivation> episodes = new ArrayList<>();
    for (PatientClinicalRecord r : store.load(patientIds).values()) {
      episodes.addAll(deriver.derive(r));
    }
    store.store(patientIds, episodes);
    return episodes.size();
  }
}
