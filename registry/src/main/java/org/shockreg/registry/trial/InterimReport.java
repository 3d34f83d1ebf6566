package org.shockreg.registry.trial;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.shockreg.registry.cohort.Distribution;

/**
 * The data-monitoring view of a trial (interfaces.md "Trial EDC", docs/interim-report.md): the
 * CONSORT flow of the screened shock episodes, per arm the baseline and timing of the randomized
 * subjects with their primary endpoint, and the effect of the first arm against the second.
 *
 * @param studyId the study
 * @param asOf the cut-off the report was made for (inclusive), or null: now
 */
public record InterimReport(
    String studyId, Instant asOf, Consort consort, List<ArmSummary> arms, Effect effect) {

  public InterimReport {
    arms = List.copyOf(arms);
  }

  /**
   * The screening flow.
   *
   * @param screened shock episodes assessed (subjects of the study with an episode)
   * @param ineligible of them, screening result {@code ineligible}
   * @param screening of them, {@code screening} (data missing)
   * @param potentialCandidate of them, {@code potential-candidate}
   * @param randomized subjects with a randomization (with or without an episode)
   * @param ineligibleBy per criterion key (study definition order; the criteria that can decide:
   *     not {@code randomization-window}, not {@code manual}), the ineligible episodes for which
   *     that criterion is {@code not-met} (an episode may count under several)
   */
  public record Consort(
      int screened,
      int ineligible,
      int screening,
      int potentialCandidate,
      int randomized,
      Map<String, Integer> ineligibleBy) {
    public Consort {
      ineligibleBy =
          java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ineligibleBy));
    }
  }

  /**
   * One arm: its randomized subjects, their baseline (as {@code $cohort-summary} takes it) and
   * timing as median and quartiles of the subjects with a value, the non-ischemic HF-CS count and
   * the primary endpoint.
   */
  public record ArmSummary(
      String code,
      int n,
      Distribution age,
      Distribution lvef,
      Distribution sbp,
      Distribution lactate,
      Distribution hoursCicuToRandomization,
      Distribution hoursRandomizationToIabp,
      NonIschemic nonIschemic,
      PrimaryEndpoint primaryEndpoint) {}

  /**
   * @param count subjects whose episode has {@code hf-cs-ischemic} false
   * @param withValue subjects whose episode has an {@code hf-cs-ischemic} value
   * @param share count / withValue (4 decimals), null when no subject has a value
   */
  public record NonIschemic(int count, int withValue, BigDecimal share) {}

  /**
   * @param successShare success / (success + failure) (4 decimals), null when both are 0
   */
  public record PrimaryEndpoint(
      int success, int failure, int incomplete, BigDecimal successShare) {}

  /**
   * The first arm against the second on the primary endpoint (success among success + failure).
   *
   * @param riskDifference success share of the first arm minus the second's (4 decimals)
   * @param ciLow lower bound of the 95 % Newcombe hybrid score interval (4 decimals)
   * @param ciHigh upper bound, likewise
   * @param pValue two-sided Fisher exact p-value (4 significant digits)
   * @param note why the figures are absent (fewer than two arms, an arm without a decided
   *     endpoint), or null
   */
  public record Effect(
      BigDecimal riskDifference,
      BigDecimal ciLow,
      BigDecimal ciHigh,
      BigDecimal pValue,
      String note) {}
}
