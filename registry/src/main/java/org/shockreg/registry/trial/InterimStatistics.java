package org.shockreg.registry.trial;

import org.apache.commons.statistics.distribution.NormalDistribution;
import org.apache.commons.statistics.inference.AlternativeHypothesis;
import org.apache.commons.statistics.inference.FisherExactTest;

/**
 * The effect statistics of the trial interim report (docs/interim-report.md), pure functions:
 *
 * <ul>
 *   <li>the Wilson score interval of a proportion (Wilson 1927; Newcombe 1998, method 3);
 *   <li>the interval for a difference of two independent proportions by Newcombe's hybrid score
 *       method (Newcombe, Stat Med 1998;17:873-890, method 10), built from the two Wilson
 *       intervals;
 *   <li>the two-sided Fisher exact test of a 2x2 table (Apache Commons Statistics: the p-value sums
 *       the hypergeometric probabilities of all tables with the observed margins that are no more
 *       likely than the observed one, as R's {@code fisher.test}).
 * </ul>
 */
public final class InterimStatistics {

  private static final NormalDistribution STANDARD_NORMAL = NormalDistribution.of(0, 1);
  private static final FisherExactTest FISHER =
      FisherExactTest.withDefaults().with(AlternativeHypothesis.TWO_SIDED);

  private InterimStatistics() {}

  /** A confidence interval. */
  public record Interval(double lower, double upper) {}

  /** An estimate with its confidence interval. */
  public record Estimate(double estimate, double lower, double upper) {}

  /** The standard normal quantile z with P(|Z| <= z) = confidence, e.g. 1.959964 for 0.95. */
  public static double z(double confidence) {
    if (!(confidence > 0 && confidence < 1)) {
      throw new IllegalArgumentException("confidence must lie in (0, 1): " + confidence);
    }
    return STANDARD_NORMAL.inverseSurvivalProbability((1 - confidence) / 2);
  }

  /**
   * The Wilson score interval of {@code successes} out of {@code n}:
   *
   * <pre>
   *   (x + z²/2 ∓ z·sqrt(x(n − x)/n + z²/4)) / (n + z²)
   * </pre>
   *
   * (algebraically the textbook {@code (2np + z² ∓ z·sqrt(z² + 4np(1 − p))) / (2(n + z²))} with p =
   * x/n), clamped to [0, 1] against rounding at x = 0 and x = n.
   */
  public static Interval wilson(int successes, int n, double z) {
    if (n <= 0 || successes < 0 || successes > n) {
      throw new IllegalArgumentException(
          "need 0 <= successes <= n and n > 0: " + successes + "/" + n);
    }
    double x = successes;
    double z2 = z * z;
    double centre = x + z2 / 2;
    double half = z * Math.sqrt(x * (n - x) / n + z2 / 4);
    double denominator = n + z2;
    return new Interval(
        clamp((centre - half) / denominator, 0, 1), clamp((centre + half) / denominator, 0, 1));
  }

  /**
   * The difference p1 − p2 of two independent proportions (x1/n1 − x2/n2) with Newcombe's hybrid
   * score interval (method 10): with (l1, u1) and (l2, u2) the Wilson intervals of p1 and p2,
   *
   * <pre>
   *   lower = D − sqrt((p1 − l1)² + (u2 − p2)²)
   *   upper = D + sqrt((u1 − p1)² + (p2 − l2)²)
   * </pre>
   */
  public static Estimate newcombeDifference(int x1, int n1, int x2, int n2, double confidence) {
    double z = z(confidence);
    Interval w1 = wilson(x1, n1, z);
    Interval w2 = wilson(x2, n2, z);
    double p1 = (double) x1 / n1;
    double p2 = (double) x2 / n2;
    double d = p1 - p2;
    double lower = d - Math.sqrt(square(p1 - w1.lower()) + square(w2.upper() - p2));
    double upper = d + Math.sqrt(square(w1.upper() - p1) + square(p2 - w2.lower()));
    return new Estimate(d, clamp(lower, -1, 1), clamp(upper, -1, 1));
  }

  /**
   * The two-sided Fisher exact p-value of the table
   *
   * <pre>
   *   success1 failure1
   *   success2 failure2
   * </pre>
   */
  public static double fisherTwoSided(int success1, int failure1, int success2, int failure2) {
    return FISHER.test(new int[][] {{success1, failure1}, {success2, failure2}}).getPValue();
  }

  private static double square(double v) {
    return v * v;
  }

  private static double clamp(double v, double low, double high) {
    return Math.max(low, Math.min(high, v));
  }
}
