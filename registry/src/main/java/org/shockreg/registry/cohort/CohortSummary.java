package org.shockreg.registry.cohort;

import java.math.BigDecimal;
import java.util.Map;

/**
 * "Table 1" of a cohort (docs/cohorts.md). Counts are of patients. Per-patient values come from the
 * patient's <em>index episode</em>: the earliest qualifying shock episode (by shock diagnosis
 * time).
 *
 * @param n members
 * @param withEpisode members with an index episode
 * @param ageAtDiagnosis age at shock diagnosis (years) of the index episode
 * @param sex counts per administrative gender (male, female, other, unknown)
 * @param etiology counts per derived etiology of the index episode (ami-cs, hf-cs, other, unknown)
 * @param ischemic HF-CS members and how many of them are ischemic
 * @param lvef LVEF (%) nearest the shock diagnosis within the index episode window
 * @param sbp systolic BP (mm[Hg]), likewise
 * @param lactate lactate (mmol/L), likewise
 * @param tmcs per tMCS device, members with that therapy (in place during the index episode window;
 *     any time for a member without episode)
 * @param anyTmcs members with at least one tMCS therapy (same rule)
 * @param scaiAtDiagnosis counts per SCAI stage at shock diagnosis (A-E, unknown)
 * @param randomization trial timing, or its absence
 */
public record CohortSummary(
    int n,
    int withEpisode,
    Distribution ageAtDiagnosis,
    Map<String, Integer> sex,
    Map<String, Integer> etiology,
    Ischemic ischemic,
    Distribution lvef,
    Distribution sbp,
    Distribution lactate,
    Map<String, Integer> tmcs,
    int anyTmcs,
    Map<String, Integer> scaiAtDiagnosis,
    Randomization randomization) {

  /**
   * Ischemic share among the HF-CS members.
   *
   * @param hfCs members whose index episode is hf-cs
   * @param ischemic of them, with {@code hf-cs-ischemic} true
   * @param share ischemic / hfCs rounded to 4 decimals; null when hfCs is 0
   */
  public record Ischemic(int hfCs, int ischemic, BigDecimal share) {}

  /**
   * Trial timing of the randomized members.
   *
   * @param study the study it is about; null: any study
   * @param randomized members with a recorded randomization
   * @param cicuArrivalToRandomization hours from CICU arrival to randomization
   * @param randomizationToIabp hours from randomization to the first IABP start at or after it,
   *     early-iabp arm only
   * @param note why figures are absent, or null
   */
  public record Randomization(
      String study,
      int randomized,
      Distribution cicuArrivalToRandomization,
      Distribution randomizationToIabp,
      String note) {}
}
