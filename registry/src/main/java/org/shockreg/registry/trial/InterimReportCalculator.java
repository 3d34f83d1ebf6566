package org.shockreg.registry.trial;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.shockreg.registry.cohort.CohortSummaryCalculator;
import org.shockreg.registry.cohort.Distribution;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.trial.InterimReport.ArmSummary;
import org.shockreg.registry.trial.InterimReport.Consort;
import org.shockreg.registry.trial.InterimReport.Effect;
import org.shockreg.registry.trial.InterimReport.NonIschemic;
import org.shockreg.registry.trial.InterimReport.PrimaryEndpoint;
import org.shockreg.registry.trial.InterimReportQuery.ConsortCounts;
import org.shockreg.registry.trial.InterimReportQuery.RandomizedRow;

/**
 * Builds the {@link InterimReport} from the rows {@link InterimReportQuery} reads; pure, so tested
 * without a database. Medians and quartiles are {@link Distribution}'s (linear interpolation,
 * Hyndman-Fan type 7, as {@code $cohort-summary}); the effect is {@link InterimStatistics}'.
 */
public final class InterimReportCalculator {

  public static final String SUCCESS = "success";
  public static final String FAILURE = "failure";
  public static final String INCOMPLETE = "incomplete";

  /** Criterion types that never make an episode ineligible (data-dictionary.md section 4). */
  static final Set<String> NON_DECIDING_TYPES = Set.of("randomization-window", "manual");

  static final double CONFIDENCE = 0.95;

  private InterimReportCalculator() {}

  /** The criterion keys the consort breaks ineligibility down by, in study definition order. */
  public static List<String> decidingCriteria(StudyDefinition study) {
    return study.criteria().stream()
        .filter(c -> !NON_DECIDING_TYPES.contains(c.type()))
        .map(StudyDefinition.Criterion::key)
        .toList();
  }

  /**
   * The report. {@code rows} are the randomized subjects up to {@code asOf} (any arm; those of an
   * arm the study does not define count in the consort only).
   */
  public static InterimReport report(
      StudyDefinition study, ConsortCounts counts, List<RandomizedRow> rows, Instant asOf) {
    Map<String, Integer> by = new LinkedHashMap<>();
    for (String key : decidingCriteria(study)) {
      by.put(key, counts.notMetByCriterion().getOrDefault(key, 0));
    }
    Consort consort =
        new Consort(
            counts.screened(),
            counts.ineligible(),
            counts.screening(),
            counts.potentialCandidate(),
            counts.randomized(),
            by);
    List<ArmSummary> arms = new ArrayList<>();
    for (StudyDefinition.Arm arm : study.arms()) {
      arms.add(
          arm(arm.code(), rows.stream().filter(r -> arm.code().equals(r.arm())).toList(), asOf));
    }
    return new InterimReport(study.id(), asOf, consort, arms, effect(arms));
  }

  static ArmSummary arm(String code, List<RandomizedRow> rows, Instant asOf) {
    List<BigDecimal> age = new ArrayList<>();
    List<BigDecimal> lvef = new ArrayList<>();
    List<BigDecimal> sbp = new ArrayList<>();
    List<BigDecimal> lactate = new ArrayList<>();
    List<BigDecimal> cicu = new ArrayList<>();
    List<BigDecimal> iabp = new ArrayList<>();
    int nonIschemic = 0;
    int withIschemic = 0;
    int success = 0;
    int failure = 0;
    int incomplete = 0;
    for (RandomizedRow r : rows) {
      if (r.ageAtDiagnosis() != null) {
        age.add(BigDecimal.valueOf(r.ageAtDiagnosis()));
      }
      add(lvef, r.lvef());
      add(sbp, r.sbp());
      add(lactate, r.lactate());
      add(cicu, r.hoursCicuToRandomization());
      if (r.iabpAt() != null) {
        iabp.add(CohortSummaryCalculator.hours(r.randomizedAt(), r.iabpAt()));
      }
      if (r.ischemic() != null) {
        withIschemic++;
        if (!r.ischemic()) {
          nonIschemic++;
        }
      }
      switch (endpointAsOf(r, asOf)) {
        case SUCCESS -> success++;
        case FAILURE -> failure++;
        default -> incomplete++;
      }
    }
    int n = rows.size();
    return new ArmSummary(
        code,
        n,
        Distribution.of(age, n - age.size()),
        Distribution.of(lvef, n - lvef.size()),
        Distribution.of(sbp, n - sbp.size()),
        Distribution.of(lactate, n - lactate.size()),
        Distribution.of(cicu, n - cicu.size()),
        Distribution.of(iabp, n - iabp.size()),
        new NonIschemic(nonIschemic, withIschemic, share(nonIschemic, withIschemic)),
        new PrimaryEndpoint(success, failure, incomplete, share(success, success + failure)));
  }

  /**
   * The endpoint as known at {@code asOf}: a success or failure decided (its {@code endpoint_at})
   * after the cut-off was not yet known then, so it counts as incomplete; no endpoint yet is
   * incomplete too.
   */
  static String endpointAsOf(RandomizedRow r, Instant asOf) {
    String e = r.endpoint();
    if (!SUCCESS.equals(e) && !FAILURE.equals(e)) {
      return INCOMPLETE;
    }
    if (asOf != null && (r.endpointAt() == null || r.endpointAt().isAfter(asOf))) {
      return INCOMPLETE;
    }
    return e;
  }

  static Effect effect(List<ArmSummary> arms) {
    if (arms.size() < 2) {
      return new Effect(
          null, null, null, null, "the study defines fewer than two arms: no effect to estimate");
    }
    PrimaryEndpoint first = arms.get(0).primaryEndpoint();
    PrimaryEndpoint second = arms.get(1).primaryEndpoint();
    List<String> empty = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      PrimaryEndpoint e = arms.get(i).primaryEndpoint();
      if (e.success() + e.failure() == 0) {
        empty.add(arms.get(i).code());
      }
    }
    if (!empty.isEmpty()) {
      return new Effect(
          null,
          null,
          null,
          null,
          "no decided primary endpoint (success or failure) yet in arm "
              + String.join(" and arm ", empty));
    }
    InterimStatistics.Estimate d =
        InterimStatistics.newcombeDifference(
            first.success(),
            first.success() + first.failure(),
            second.success(),
            second.success() + second.failure(),
            CONFIDENCE);
    double p =
        InterimStatistics.fisherTwoSided(
            first.success(), first.failure(), second.success(), second.failure());
    return new Effect(
        fixed(d.estimate()), fixed(d.lower()), fixed(d.upper()), significant(p), null);
  }

  /** A difference or bound as reported: 4 decimals, half up. */
  public static BigDecimal fixed(double v) {
    return BigDecimal.valueOf(v).setScale(4, RoundingMode.HALF_UP);
  }

  /** A p-value as reported: 4 significant digits, half up, trailing zeros stripped. */
  public static BigDecimal significant(double p) {
    BigDecimal s =
        new BigDecimal(p).round(new MathContext(4, RoundingMode.HALF_UP)).stripTrailingZeros();
    return s.scale() < 0 ? s.setScale(0) : s;
  }

  /** part / whole to 4 decimals (half up, trailing zeros stripped); null when whole is 0. */
  public static BigDecimal share(int part, int whole) {
    if (whole == 0) {
      return null;
    }
    BigDecimal s =
        BigDecimal.valueOf(part)
            .divide(BigDecimal.valueOf(whole), 4, RoundingMode.HALF_UP)
            .stripTrailingZeros();
    return s.scale() < 0 ? s.setScale(0) : s;
  }

  private static void add(List<BigDecimal> list, BigDecimal v) {
    if (v != null) {
      list.add(v);
    }
  }
}
