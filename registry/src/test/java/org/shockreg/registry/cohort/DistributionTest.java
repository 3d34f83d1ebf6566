package org.shockreg.registry.cohort;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DistributionTest {

  static List<BigDecimal> values(String... v) {
    return Arrays.stream(v).map(BigDecimal::new).toList();
  }

  @Test
  void noValues_hasNoMedian_butCountsTheMissing() {
    Distribution d = Distribution.of(List.of(), 3);
    assertThat(d.n()).isZero();
    assertThat(d.missing()).isEqualTo(3);
    assertThat(d.median()).isNull();
    assertThat(d.q1()).isNull();
    assertThat(d.q3()).isNull();
  }

  @Test
  void oneValue_isMedianAndBothQuartiles() {
    Distribution d = Distribution.of(values("42"), 0);
    assertThat(d.median()).isEqualByComparingTo("42");
    assertThat(d.q1()).isEqualByComparingTo("42");
    assertThat(d.q3()).isEqualByComparingTo("42");
  }

  @Test
  void oddCount_medianIsTheMiddleValue_quartilesInterpolate() {
    // sorted 50 60 70: h(q1) = 0.5 -> 55; h(q3) = 1.5 -> 65
    Distribution d = Distribution.of(values("70", "50", "60"), 1);
    assertThat(d.n()).isEqualTo(3);
    assertThat(d.missing()).isEqualTo(1);
    assertThat(d.median()).isEqualByComparingTo("60");
    assertThat(d.q1()).isEqualByComparingTo("55");
    assertThat(d.q3()).isEqualByComparingTo("65");
  }

  @Test
  void evenCount_interpolatesLikeR7() {
    // R: quantile(c(1,2,3,4), c(.25,.5,.75)) = 1.75 2.5 3.25
    Distribution d = Distribution.of(values("4", "1", "3", "2"), 0);
    assertThat(d.q1()).isEqualByComparingTo("1.75");
    assertThat(d.median()).isEqualByComparingTo("2.5");
    assertThat(d.q3()).isEqualByComparingTo("3.25");
  }

  @Test
  void decimals_stayExact() {
    // 20, 35: q1 = 20 + 0.25 * 15 = 23.75
    Distribution d = Distribution.of(values("35.0", "20"), 0);
    assertThat(d.q1()).isEqualTo(new BigDecimal("23.75"));
    assertThat(d.median()).isEqualTo(new BigDecimal("27.5"));
    assertThat(d.q3()).isEqualTo(new BigDecimal("31.25"));
    assertThat(Distribution.of(values("60.00"), 0).median()).isEqualTo(new BigDecimal("60"));
  }

  @Test
  void ties_andFiveValues() {
    // R: quantile(c(1,1,2,8,9)) -> 25%: 1, 50%: 2, 75%: 8
    Distribution d = Distribution.of(values("9", "1", "8", "2", "1"), 0);
    assertThat(d.q1()).isEqualByComparingTo("1");
    assertThat(d.median()).isEqualByComparingTo("2");
    assertThat(d.q3()).isEqualByComparingTo("8");
  }
}
