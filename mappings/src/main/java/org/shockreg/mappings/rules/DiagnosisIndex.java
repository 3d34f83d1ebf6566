package org.shockreg.mappings.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Diagnosis codes to categories: exact codes, and prefixes written {@code I21.*} or {@code O*}. ICD
 * codes are compared without their dot, in upper case. The first category that claims a code wins,
 * so the order of adding is the order of precedence. Not thread-safe while being built; read-only
 * afterwards.
 */
final class DiagnosisIndex {

  private final Map<String, String> byCode = new HashMap<>();
  private final List<Map.Entry<String, String>> prefixes = new ArrayList<>();

  /** Adds a code; returns false when it (or, for a prefix, the same prefix) was already there. */
  boolean add(String system, String code, String category) {
    String normalised = RuleSet.normaliseDiagnosisCode(code);
    if (normalised.endsWith("*")) {
      String prefix = RuleSet.key(system, normalised.substring(0, normalised.length() - 1));
      for (Map.Entry<String, String> p : prefixes) {
        if (p.getKey().equals(prefix)) {
          return false;
        }
      }
      prefixes.add(Map.entry(prefix, category));
      return true;
    }
    return byCode.putIfAbsent(RuleSet.key(system, normalised), category) == null;
  }

  Optional<String> categoryFor(String system, String code) {
    if (code == null) {
      return Optional.empty();
    }
    String full = RuleSet.key(system, RuleSet.normaliseDiagnosisCode(code));
    String exact = byCode.get(full);
    if (exact != null) {
      return Optional.of(exact);
    }
    for (Map.Entry<String, String> p : prefixes) {
      if (full.startsWith(p.getKey())) {
        return Optional.of(p.getValue());
      }
    }
    return Optional.empty();
  }
}
