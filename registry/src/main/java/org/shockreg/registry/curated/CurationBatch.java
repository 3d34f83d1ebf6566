package org.shockreg.registry.curated;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.shockreg.registry.curated.SourceRef.SourceKey;

/**
 * The curated facts of one intake batch, applied in one transaction. {@code replacedSources} are
 * source resources seen before in an older version: facts that came from them and are not in this
 * batch are removed (a new version replaces, an entered-in-error version retracts).
 */
public record CurationBatch(List<CuratedFact> facts, Set<SourceKey> replacedSources) {

  public CurationBatch {
    facts = new ArrayList<>(facts);
  }

  public <T extends CuratedFact> List<T> factsOf(Class<T> type) {
    List<T> out = new ArrayList<>();
    for (CuratedFact f : facts) {
      if (type.isInstance(f)) {
        out.add(type.cast(f));
      }
    }
    return out;
  }
}
