package org.shockreg.server.fhir;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.DateOrListParam;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * FHIR R4 date search (search.html#date): a search value is the range its precision implies ({@code
 * 2024-03} is all of March, UTC where the value has no offset), and each prefix compares that range
 * with the target's range: a point (effective time), a period (an encounter's start..end, open end
 * = ongoing) or a whole year (a birth year).
 */
final class SearchDates {

  private SearchDates() {}

  /** The half-open range [low, high) a search value stands for. */
  record Range(Instant low, Instant high) {}

  /** The range of a search value at its own precision. */
  static Range range(DateParam p) {
    String v = p.getValueAsString();
    TemporalPrecisionEnum precision = p.getPrecision();
    if (v == null || v.isBlank() || precision == null) {
      throw new InvalidRequestException("SR-SEARCH-10: a date value is missing");
    }
    try {
      switch (precision) {
        case YEAR -> {
          Instant low =
              Year.parse(v.substring(0, 4)).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
          return new Range(low, low.atOffset(ZoneOffset.UTC).plusYears(1).toInstant());
        }
        case MONTH -> {
          Instant low =
              YearMonth.parse(v.substring(0, 7)).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
          return new Range(low, low.atOffset(ZoneOffset.UTC).plusMonths(1).toInstant());
        }
        case DAY -> {
          Instant low =
              LocalDate.parse(v.substring(0, 10)).atStartOfDay().toInstant(ZoneOffset.UTC);
          return new Range(low, low.plus(1, ChronoUnit.DAYS));
        }
        default -> {
          Instant low = instant(v);
          ChronoUnit unit =
              switch (precision) {
                case MINUTE -> ChronoUnit.MINUTES;
                case SECOND -> ChronoUnit.SECONDS;
                default -> ChronoUnit.MILLIS;
              };
          return new Range(low, low.plus(1, unit));
        }
      }
    } catch (DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new InvalidRequestException("SR-SEARCH-11: '" + v + "' is not a FHIR date or dateTime");
    }
  }

  private static Instant instant(String v) {
    String s =
        v.length() == 16
                || (v.length() > 16
                    && (v.charAt(16) == 'Z' || v.charAt(16) == '+' || v.charAt(16) == '-'))
            ? v.substring(0, 16) + ":00" + v.substring(16)
            : v;
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
    }
  }

  /**
   * {@code ap}: the range widened by a tenth of its distance from now (at least a day), as the spec
   * recommends.
   */
  static Range approximate(Range r, Instant now) {
    long gapLow = Math.abs(Duration.between(r.low(), now).toMillis()) / 10;
    long gapHigh = Math.abs(Duration.between(r.high(), now).toMillis()) / 10;
    long day = Duration.ofDays(1).toMillis();
    return new Range(
        r.low().minusMillis(Math.max(gapLow, day)), r.high().plusMillis(Math.max(gapHigh, day)));
  }

  private static ParamPrefixEnum prefix(DateParam p) {
    return p.getPrefix() == null ? ParamPrefixEnum.EQUAL : p.getPrefix();
  }

  /** AND of ORs over a point-in-time column (NULL never matches a value). */
  static void point(SqlSearch s, String column, DateAndListParam and) {
    each(s, and, column, p -> pointClause(s, column, p));
  }

  static String pointClause(SqlSearch s, String column, DateParam p) {
    Range r = range(p);
    ParamPrefixEnum prefix = prefix(p);
    if (prefix == ParamPrefixEnum.APPROXIMATE) {
      r = approximate(r, Instant.now());
    }
    String lo = s.param(Timestamp.from(r.low()));
    String hi = s.param(Timestamp.from(r.high()));
    return switch (prefix) {
      case EQUAL, APPROXIMATE -> "(" + column + " >= " + lo + " AND " + column + " < " + hi + ")";
      case NOT_EQUAL -> "(" + column + " < " + lo + " OR " + column + " >= " + hi + ")";
      case GREATERTHAN, STARTS_AFTER -> column + " >= " + hi;
      case LESSTHAN, ENDS_BEFORE -> column + " < " + lo;
      case GREATERTHAN_OR_EQUALS -> column + " >= " + lo;
      case LESSTHAN_OR_EQUALS -> column + " < " + hi;
    };
  }

  /**
   * AND of ORs over a period: {@code start} (NULL: unknown, never before a value) and {@code end}
   * (NULL: ongoing, open to the future). eq = the search range contains the period; gt/lt = the
   * period reaches beyond the range; sa/eb = it lies wholly after/before; ap = it overlaps the
   * widened range.
   */
  static void period(SqlSearch s, String start, String end, DateAndListParam and) {
    each(s, and, start, p -> periodClause(s, start, end, p));
  }

  static String periodClause(SqlSearch s, String start, String end, DateParam p) {
    Range r = range(p);
    ParamPrefixEnum prefix = prefix(p);
    if (prefix == ParamPrefixEnum.APPROXIMATE) {
      r = approximate(r, Instant.now());
    }
    String lo = s.param(Timestamp.from(r.low()));
    String hi = s.param(Timestamp.from(r.high()));
    String contained = "(" + start + " >= " + lo + " AND " + end + " < " + hi + ")";
    String reachesAbove = "(" + end + " IS NULL OR " + end + " >= " + hi + ")";
    String reachesBelow = start + " < " + lo;
    return switch (prefix) {
      case EQUAL -> contained;
      case NOT_EQUAL -> "NOT COALESCE(" + contained + ", false)";
      case GREATERTHAN -> reachesAbove;
      case LESSTHAN -> reachesBelow;
      case GREATERTHAN_OR_EQUALS -> "(" + reachesAbove + " OR " + contained + ")";
      case LESSTHAN_OR_EQUALS -> "(" + reachesBelow + " OR " + contained + ")";
      case STARTS_AFTER -> start + " >= " + hi;
      case ENDS_BEFORE -> end + " < " + lo;
      case APPROXIMATE ->
          "(" + start + " < " + hi + " AND (" + end + " IS NULL OR " + end + " >= " + lo + "))";
    };
  }

  /**
   * AND of ORs over a year column (a birth year): the search value is taken at year precision
   * (1950-06-01 means 1950) and the prefixes compare years.
   */
  static void year(SqlSearch s, String column, DateAndListParam and) {
    each(s, and, column, p -> yearClause(s, column, p));
  }

  static String yearClause(SqlSearch s, String column, DateParam p) {
    Range r = range(p);
    ParamPrefixEnum prefix = prefix(p);
    int low = r.low().atOffset(ZoneOffset.UTC).getYear();
    int high = r.high().minusMillis(1).atOffset(ZoneOffset.UTC).getYear();
    if (prefix == ParamPrefixEnum.APPROXIMATE) {
      int now = Instant.now().atOffset(ZoneOffset.UTC).getYear();
      low -= Math.max(1, Math.abs(now - low) / 10);
      high += Math.max(1, Math.abs(now - high) / 10);
    }
    String lo = s.param(low);
    String hi = s.param(high);
    return switch (prefix) {
      case EQUAL, APPROXIMATE -> "(" + column + " >= " + lo + " AND " + column + " <= " + hi + ")";
      case NOT_EQUAL -> "(" + column + " < " + lo + " OR " + column + " > " + hi + ")";
      case GREATERTHAN, STARTS_AFTER -> column + " > " + hi;
      case LESSTHAN, ENDS_BEFORE -> column + " < " + lo;
      case GREATERTHAN_OR_EQUALS -> column + " >= " + lo;
      case LESSTHAN_OR_EQUALS -> column + " <= " + hi;
    };
  }

  interface Clause {
    String of(DateParam p);
  }

  private static void each(SqlSearch s, DateAndListParam and, String column, Clause clause) {
    if (and == null) {
      return;
    }
    for (DateOrListParam or : and.getValuesAsQueryTokens()) {
      List<String> alternatives = new ArrayList<>();
      for (DateParam p : or.getValuesAsQueryTokens()) {
        if (p.getMissing() != null) {
          alternatives.add(column + (p.getMissing() ? " IS NULL" : " IS NOT NULL"));
        } else {
          alternatives.add(clause.of(p));
        }
      }
      if (!alternatives.isEmpty()) {
        s.where(
            alternatives.size() == 1
                ? alternatives.get(0)
                : "(" + String.join(" OR ", alternatives) + ")");
      }
    }
  }
}
