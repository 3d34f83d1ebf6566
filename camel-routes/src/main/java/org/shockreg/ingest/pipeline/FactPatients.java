package org.shockreg.ingest.pipeline;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.shockreg.registry.curated.CuratedFact;
import org.shockreg.registry.curated.PatientFact;
import org.shockreg.registry.store.PatientMerges;

/**
 * Files a batch's facts under the patients they belong to as of now, inside the batch's
 * transaction: takes the per-patient locks (sorted, the same locks derivations take) of every
 * patient the batch writes or merges, then looks again at what a concurrent body may have committed
 * meanwhile: a source patient that resolved to no link (its facts filed under the logical id's
 * pseudonym) may have been linked by its Patient, and a patient may have been merged. Without this
 * a lab body resolving Patient/X before the ADT body carrying Patient X commits would file its
 * facts under a pseudonym the Patient's merge has already passed over: a split patient.
 */
final class FactPatients {

  private FactPatients() {}

  static List<CuratedFact> settle(
      String siteId,
      List<CuratedFact> facts,
      List<PatientLinks.Merge> merges,
      BundlePatientResolver resolver,
      Function<String, String> pseudonym,
      PatientMerges store,
      Consumer<Collection<String>> lock) {
    Set<String> ids = new HashSet<>();
    for (CuratedFact f : facts) {
      ids.add(f.patientId());
      if (f instanceof PatientFact p && p.replacesPatientId() != null) {
        ids.add(p.replacesPatientId());
      }
    }
    for (PatientLinks.Merge m : merges) {
      ids.add(m.from());
      ids.add(m.to());
    }
    if (ids.isEmpty()) {
      return facts;
    }
    lock.accept(ids);

    Map<String, String> moved = new HashMap<>();
    Set<String> unlinked = resolver.drainUnlinked();
    unlinked.removeIf(BundlePatientResolver::isIdentifierToken);
    if (!unlinked.isEmpty()) {
      for (Map.Entry<String, String> e : store.linked(siteId, unlinked).entrySet()) {
        String guessed = pseudonym.apply(e.getKey());
        resolver.linked(e.getKey(), e.getValue());
        if (!e.getValue().equals(guessed)) {
          moved.put(guessed, e.getValue());
        }
      }
    }
    Set<String> lookup = new HashSet<>(ids);
    lookup.addAll(moved.values());
    Map<String, String> survivors = store.survivors(lookup);
    if (moved.isEmpty() && survivors.isEmpty()) {
      return facts;
    }
    Set<String> newIds = new HashSet<>();
    List<CuratedFact> out = new ArrayList<>(facts.size());
    for (CuratedFact f : facts) {
      String now = moved.getOrDefault(f.patientId(), f.patientId());
      now = survivors.getOrDefault(now, now);
      if (!now.equals(f.patientId())) {
        if (!ids.contains(now)) {
          newIds.add(now);
        }
        out.add(f.withPatientId(now));
      } else {
        out.add(f);
      }
    }
    if (!newIds.isEmpty()) {
      // Rare (a concurrent merge or link): outside the sorted order, a deadlock is retried.
      lock.accept(newIds);
    }
    return out;
  }
}
