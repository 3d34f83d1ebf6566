package org.shockreg.mappings;

import java.util.List;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.CuratedFact;

/**
 * What the mapping engine made of one source resource. {@code REJECTED} carries a stable reason
 * code and a reason for people (the pipeline dead-letters the resource); {@code UNMAPPED} carries
 * the codes no rule knows (counted per site, never an error).
 */
public record MappingOutcome(
    Kind kind,
    List<CuratedFact> facts,
    List<Coding> unmappedCodes,
    String reasonCode,
    String reason) {

  public enum Kind {
    CURATED,
    UNMAPPED,
    /** Not registry data (e.g. an ambulatory encounter, a registered-only observation). */
    SKIPPED,
    /** entered-in-error, cancelled, refuted: the facts from earlier versions are withdrawn. */
    RETRACTED,
    REJECTED
  }

  public static MappingOutcome curated(List<CuratedFact> facts) {
    return new MappingOutcome(Kind.CURATED, List.copyOf(facts), List.of(), null, null);
  }

  public static MappingOutcome unmapped(List<Coding> codes) {
    return new MappingOutcome(Kind.UNMAPPED, List.of(), List.copyOf(codes), null, null);
  }

  public static MappingOutcome skipped(String reason) {
    return new MappingOutcome(Kind.SKIPPED, List.of(), List.of(), null, reason);
  }

  public static MappingOutcome retracted(String reason) {
    return new MappingOutcome(Kind.RETRACTED, List.of(), List.of(), null, reason);
  }

  public static MappingOutcome rejected(String reasonCode, String reason) {
    return new MappingOutcome(Kind.REJECTED, List.of(), List.of(), reasonCode, reason);
  }
}
