package org.shockreg.registry.trial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.shockreg.registry.trial.InterimStatistics.Estimate;
import org.shockreg.registry.trial.InterimStatistics.Interval;

/** The effect statistics against published worked examples. */
class InterimStatisticsTest {

  static final double Z95 = InterimStatistics.z(0.95);

  @Test
  void z_ofA95PercentInterval_is1point96() {
    assertThat(Z95).isCloseTo(1.959963984540054, within(1e-12));
    assertThat(InterimStatistics.z(0.99)).isCloseTo(2.5758293035489, within(1e-9));
  }

  /**
   * Newcombe, Two-sided confidence intervals for the single proportion, Stat Med 1998;17:857-872,
   * Table I, Wilson score method (method 3).
   */
  @ParameterizedTest(name = "{0}/{1} -> {2} to {3}")
  @CsvSource({
    "81, 263, 0.2553, 0.3662",
    "15, 148, 0.0624, 0.1605",
    "0, 20, 0.0000, 0.1611",
    "1, 29, 0.0061, 0.1718",
  })
  void wilson_matchesNewcombesSingleProportionTable(int x, int n, double low, double high) {
    Interval w = InterimStatistics.wilson(x, n, Z95);
    assertThat(w.lower()).isCloseTo(low, within(0.00005));
    assertThat(w.upper()).isCloseTo(high, within(0.00005));
  }

  @Test
  void wilson_staysWithin0and1_atTheExtremes() {
    assertThat(InterimStatistics.wilson(0, 10, Z95).lower()).isZero();
    assertThat(InterimStatistics.wilson(10, 10, Z95).upper()).isEqualTo(1.0);
    assertThatThrownBy(() -> InterimStatistics.wilson(0, 0, Z95))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Newcombe, Interval estimation for the difference between independent proportions: comparison of
   * eleven methods, Stat Med 1998;17:873-890, Table II, method 10 (hybrid score), examples (a)-(h).
   */
  @ParameterizedTest(name = "{0}/{1} - {2}/{3} = {4} ({5} to {6})")
  @CsvSource({
    "56, 70, 48, 80, 0.2000, 0.0524, 0.3339",
    "9, 10, 3, 10, 0.6000, 0.1705, 0.8090",
    "6, 7, 2, 7, 0.5714, 0.0582, 0.8062",
    "5, 56, 0, 29, 0.0893, -0.0381, 0.1926",
    "0, 10, 0, 20, 0.0000, -0.1611, 0.2775",
    "0, 10, 0, 10, 0.0000, -0.2775, 0.2775",
    "10, 10, 0, 20, 1.0000, 0.6791, 1.0000",
    "10, 10, 0, 10, 1.0000, 0.6075, 1.0000",
  })
  void newcombeHybridScore_matchesTableII(
      int x1, int n1, int x2, int n2, double d, double low, double high) {
    Estimate e = InterimStatistics.newcombeDifference(x1, n1, x2, n2, 0.95);
    assertThat(e.estimate()).isCloseTo(d, within(0.00005));
    assertThat(e.lower()).isCloseTo(low, within(0.00005));
    assertThat(e.upper()).isCloseTo(high, within(0.00005));
  }

  @Test
  void newcombe_isAntisymmetric_inTheOrderOfTheArms() {
    Estimate ab = InterimStatistics.newcombeDifference(56, 70, 48, 80, 0.95);
    Estimate ba = InterimStatistics.newcombeDifference(48, 80, 56, 70, 0.95);
    assertThat(ba.estimate()).isCloseTo(-ab.estimate(), within(1e-12));
    assertThat(ba.lower()).isCloseTo(-ab.upper(), within(1e-12));
    assertThat(ba.upper()).isCloseTo(-ab.lower(), within(1e-12));
  }

  /**
   * Two-sided p-values as R's {@code fisher.test} gives them: Fisher's tea-tasting lady (R
   * documentation, p = 0.4857), R's Convictions example (p = 0.0005367), the Wikipedia example 1,9
   * / 11,3 (p = 0.002759) and further tables.
   */
  @ParameterizedTest(name = "{0},{1} / {2},{3} -> p = {4}")
  @CsvSource({
    "3, 1, 1, 3, 0.4857142857",
    "2, 15, 10, 3, 0.0005367241",
    "1, 9, 11, 3, 0.0027594562",
    "8, 2, 1, 5, 0.0349650350",
    "7, 12, 0, 5, 0.2720685112",
    "10, 0, 0, 10, 0.0000108251",
    "0, 5, 0, 7, 1.0",
  })
  void fisherTwoSided_matchesR(int a, int b, int c, int d, double p) {
    assertThat(InterimStatistics.fisherTwoSided(a, b, c, d)).isCloseTo(p, within(1e-10));
  }
}
