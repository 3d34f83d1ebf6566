package org.shockreg.registry.study;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A time relative to an anchor (shock diagnosis), as study files write it: {@code -12mo}, {@code
 * -30d}, {@code -6h}, {@code 6h}, {@code 0h}. Months are calendar months in UTC.
 */
public record RelativeTime(long amount, Unit unit) {

  static final Pattern FORM = Pattern.compile("([+-]?\\d{1,4})(mo|d|h)");

  public enum Unit {
    HOURS,
    DAYS,
    MONTHS
  }

  /**
   * Parses the study-file form; throws {@link IllegalArgumentException} naming the allowed forms.
   */
  public static RelativeTime parse(String text) {
    Matcher m = text == null ? null : FORM.matcher(text.trim());
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a relative time: a signed number with h, d or mo, e.g. -12mo, -30d, 6h");
    }
    long n = Long.parseLong(m.group(1));
    Unit u =
        switch (m.group(2)) {
          case "h" -> Unit.HOURS;
          case "d" -> Unit.DAYS;
          default -> Unit.MONTHS;
        };
    return new RelativeTime(n, u);
  }

  public Instant from(Instant anchor) {
    return switch (unit) {
      case HOURS -> anchor.plusSeconds(amount * 3600);
      case DAYS -> anchor.plusSeconds(amount * 86_400);
      case MONTHS -> anchor.atZone(ZoneOffset.UTC).plusMonths(amount).toInstant();
    };
  }
}
