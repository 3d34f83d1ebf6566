package org.shockreg.mappings;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Type;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;

/**
 * Reads an Observation value as sent (Quantity, Range, integer, or text such as "EF 25-30 %") into
 * one number with its comparator, bounds and unit, before any unit conversion.
 */
final class ObservationValues {

  private static final String UCUM = "http://unitsofmeasure.org";
  private static final Pattern NUMBER =
      Pattern.compile("(<=|>=|<|>|\u2264|\u2265)?\\s*(\\d+(?:[.,]\\d+)?)");

  private ObservationValues() {}

  /** A value as received, before unit conversion. */
  record RawValue(
      BigDecimal value, String comparator, BigDecimal low, BigDecimal high, String unit) {}

  static RawValue rawValue(VariableRule rule, Type value) throws MappingRejection {
    if (value instanceof Quantity q) {
      if (!q.hasValue()) {
        throw new MappingRejection("missing-value", rule.variable() + " quantity has no value");
      }
      String comparator = q.getComparator() != null ? q.getComparator().toCode() : null;
      return new RawValue(q.getValue(), comparator, null, null, unitOf(q));
    }
    if (value instanceof Range r) {
      BigDecimal low = r.hasLow() && r.getLow().hasValue() ? r.getLow().getValue() : null;
      BigDecimal high = r.hasHigh() && r.getHigh().hasValue() ? r.getHigh().getValue() : null;
      String unit = r.hasLow() ? unitOf(r.getLow()) : null;
      if (unit == null && r.hasHigh()) {
        unit = unitOf(r.getHigh());
      }
      if (low != null && high != null) {
        BigDecimal mid = low.add(high).divide(BigDecimal.valueOf(2), MathContext.DECIMAL64);
        return new RawValue(mid.stripTrailingZeros(), null, low, high, unit);
      }
      if (low != null) {
        return new RawValue(low, ">=", low, null, unit);
      }
      if (high != null) {
        return new RawValue(high, "<=", null, high, unit);
      }
      throw new MappingRejection("missing-value", rule.variable() + " range has no bounds");
    }
    if (value instanceof org.hl7.fhir.r4.model.IntegerType i && i.getValue() != null) {
      return new RawValue(BigDecimal.valueOf(i.getValue()), null, null, null, null);
    }
    if (value instanceof org.hl7.fhir.r4.model.StringType s) {
      if (!Boolean.TRUE.equals(rule.parseText())) {
        throw new MappingRejection(
            "text-value",
            rule.variable() + " is sent as text, which this variable does not accept");
      }
      return parseText(rule, s.getValue());
    }
    throw new MappingRejection(
        "unsupported-value-type",
        rule.variable() + " value of type " + value.fhirType() + " cannot be curated");
  }

  /** "EF 25%", "25-30 %", "<20%", "ca. 35": one number, a range (midpoint) or a bound. */
  private static RawValue parseText(VariableRule rule, String text) throws MappingRejection {
    if (text == null) {
      throw new MappingRejection("unparseable-text", rule.variable() + " text is empty");
    }
    Matcher m = NUMBER.matcher(text);
    List<BigDecimal> numbers = new ArrayList<>();
    String comparator = null;
    while (m.find() && numbers.size() < 3) {
      if (numbers.isEmpty() && m.group(1) != null) {
        comparator = m.group(1).replace("\u2264", "<=").replace("\u2265", ">=");
      }
      numbers.add(new BigDecimal(m.group(2).replace(',', '.')));
    }
    String unit = text.contains("%") ? "%" : null;
    if (numbers.size() == 1) {
      return new RawValue(numbers.get(0), comparator, null, null, unit);
    }
    if (numbers.size() == 2
        && comparator == null
        && text.matches(".*\\d\\s*%?\\s*(-|–|to|bis)\\s*\\d.*")) {
      BigDecimal low = numbers.get(0).min(numbers.get(1));
      BigDecimal high = numbers.get(0).max(numbers.get(1));
      BigDecimal mid = low.add(high).divide(BigDecimal.valueOf(2), MathContext.DECIMAL64);
      return new RawValue(mid.stripTrailingZeros(), null, low, high, unit);
    }
    throw new MappingRejection(
        "unparseable-text",
        rule.variable() + " text '" + text + "' holds no single value or range");
  }

  private static String unitOf(Quantity q) {
    if (q.hasCode() && (!q.hasSystem() || UCUM.equals(q.getSystem()))) {
      return q.getCode();
    }
    return q.hasUnit() ? q.getUnit() : null;
  }
}
