package org.shockreg.registry.cohort;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Median and interquartile range of one variable over a cohort, with how many members had a value
 * ({@code n}) and how many did not ({@code missing}). Quartiles use linear interpolation between
 * order statistics (Hyndman-Fan type 7: R's default, PostgreSQL's {@code percentile_cont}): the
 * p-quantile of sorted values x[0..n-1] is x[h] + (h - floor h)(x[h+1] - x[h]) at h = (n - 1)p.
 * Median, q1 and q3 are null when no member has a value.
 */
public record Distribution(int n, int missing, BigDecimal median, BigDecimal q1, BigDecimal q3) {

  /** The distribution of the values present; {@code missing} counts the members without one. */
  public static Distribution of(Collection<BigDecimal> values, int missing) {
    List<BigDecimal> sorted = new ArrayList<>(values.stream().filter(Objects::nonNull).toList());
    sorted.sort(null);
    if (sorted.isEmpty()) {
      return new Distribution(0, missing, null, null, null);
    }
    return new Distribution(
        sorted.size(),
        missing,
        quantile(sorted, new BigDecimal("0.5")),
        quantile(sorted, new BigDecimal("0.25")),
        quantile(sorted, new BigDecimal("0.75")));
  }

  /** The p-quantile (type 7) of sorted, non-empty values; exact in decimal arithmetic. */
  static BigDecimal quantile(List<BigDecimal> sorted, BigDecimal p) {
    BigDecimal h = BigDecimal.valueOf(sorted.size() - 1L).multiply(p);
    int lo = h.setScale(0, RoundingMode.FLOOR).intValueExact();
    BigDecimal fraction = h.subtract(BigDecimal.valueOf(lo));
    BigDecimal low = sorted.get(lo);
    if (fraction.signum() == 0 || lo + 1 >= sorted.size()) {
      return normalize(low);
    }
    BigDecimal high = sorted.get(lo + 1);
    return normalize(low.add(high.subtract(low).multiply(fraction)));
  }

  private static BigDecimal normalize(BigDecimal v) {
    BigDecimal s = v.stripTrailingZeros();
    return s.scale() < 0 ? s.setScale(0) : s;
  }
}
