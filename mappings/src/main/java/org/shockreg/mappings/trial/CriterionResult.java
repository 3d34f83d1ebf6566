package org.shockreg.mappings.trial;

import java.time.Instant;
import java.util.List;

/**
 * One eligibility criterion for one episode: {@code met}, {@code not-met} or {@code unknown}, with
 * the curated facts it rests on; the randomization window instead reports its start and end.
 */
public record CriterionResult(
    String key, String type, String status, List<String> evidence, Instant start, Instant end) {

  public static final String MET = "met";
  public static final String NOT_MET = "not-met";
  public static final String UNKNOWN = "unknown";

  public CriterionResult {
    evidence = evidence == null ? List.of() : List.copyOf(evidence);
  }

  static CriterionResult of(String key, String type, String status, List<String> evidence) {
    return new CriterionResult(key, type, status, evidence, null, null);
  }

  /** Criteria that decide eligibility (the window is reported; manual ones wait for the EDC). */
  public boolean automatable() {
    return !"manual".equals(type) && !"randomization-window".equals(type);
  }
}
