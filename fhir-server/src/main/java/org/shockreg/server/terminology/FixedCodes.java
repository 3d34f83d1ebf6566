package org.shockreg.server.terminology;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.shockreg.mappings.MappingEngine;

/** The registry's own codes that no rule file holds (derived variables, statuses, flags ...), code to display. */
final class FixedCodes {

  private FixedCodes() {}

  /** Registry variables that are derived, not measured (data-dictionary.md sections 3 and 4). */
  static final Map<String, String> DERIVED_VARIABLES = ordered(
      "cs-etiology", "Cardiogenic shock etiology",
      "hf-cs-ischemic", "HF-CS of ischemic origin",
      "hf-cs-de-novo", "De novo HF-CS",
      "scai-stage", "SCAI shock stage",
      "eligibility", "Trial eligibility",
      "primary-endpoint-60d", "Primary endpoint at day 60",
      "hours-diagnosis-to-randomization", "Hours from shock diagnosis to randomization",
      "hours-cicu-to-randomization", "Hours from CICU arrival to randomization",
      "hours-randomization-to-intervention", "Hours from randomization to the study intervention",
      "tmcs-escalation", "Control-arm escalation to tMCS",
      "protocol-deviation", "Protocol deviation");

  static final Map<String, String> CRITERION_STATUSES = ordered(
      "met", "Met: the curated facts satisfy the criterion",
      "not-met", "Not met: the curated facts contradict the criterion",
      "unknown", "Unknown: the facts needed are missing (or the criterion is not automatable)");

  static final Map<String, String> ENDPOINT_OUTCOMES = ordered(
      "success", "Alive at the endpoint day, or durable LVAD / heart transplant before death and by that day",
      "failure", "Dead by the endpoint day without durable LVAD / heart transplant before",
      "incomplete", "Follow-up ends before the endpoint day and no death is recorded");

  static final Map<String, String> PROTOCOL_DEVIATIONS = ordered(
      "late-intervention", "The intervention arm's device did not start within its window after randomization",
      "randomized-after-window", "Randomized after the randomization window closed",
      "duplicate-randomization", "A second randomization of the same shock episode");

  static final Map<String, String> ETIOLOGIES = ordered(
      "ami-cs", "Acute myocardial infarction-related cardiogenic shock",
      "hf-cs", "Heart failure-related cardiogenic shock",
      "other", "Cardiogenic shock of other etiology");

  static final Map<String, String> SCAI_STAGES = ordered(
      "A", "At risk",
      "B", "Beginning",
      "C", "Classic",
      "D", "Deteriorating",
      "E", "Extremis");

  static final Map<String, String> DATA_FLAGS = ordered(
      MappingEngine.FLAG_IMPLAUSIBLE, "Implausible: outside the variable's plausible range; kept, excluded from derivations",
      MappingEngine.FLAG_UNIT_ASSUMED, "Unit assumed: sent without a unit, the variable's one obvious unit was assumed",
      MappingEngine.FLAG_PRELIMINARY, "Preliminary: the source result was preliminary",
      "derived", "Derived: computed by the registry from other curated facts",
      MappingEngine.FLAG_NEEDS_REVIEW, "Needs review: incomplete or unspecific source data (e.g. no time, device type not stated)");

  private static Map<String, String> ordered(String... pairs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return Collections.unmodifiableMap(m);
  }
}
