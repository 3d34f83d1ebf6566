package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.QuantityAndListParam;
import ca.uhn.fhir.rest.param.QuantityOrListParam;
import ca.uhn.fhir.rest.param.QuantityParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.units.UnitConversionException;
import org.shockreg.mappings.units.UnitConverter;

/**
 * {@code value-quantity} with FHIR R4 prefixes. A searched unit is converted (UCUM) into every
 * registry unit it is commensurable with ({@code ge16|http://unitsofmeasure.org|kPa} finds blood
 * pressures stored in mm[Hg]). Mass and substance concentrations are not bridged here, since that
 * needs the analyte: search lactate in mmol/L and creatinine in mg/dL, their registry units.
 */
final class QuantityClauses {

  private static final String UCUM = "http://unitsofmeasure.org";

  private final UnitConverter units;
  private final List<String> registryUnits;

  QuantityClauses(RuleSet rules) {
    this.units = new UnitConverter(rules.unitAliases());
    TreeSet<String> all = new TreeSet<>();
    for (VariableRule v : rules.variables().values()) {
      all.add(v.unit());
    }
    this.registryUnits = List.copyOf(all);
  }

  void where(SqlSearch s, QuantityAndListParam and) {
    if (and == null) {
      return;
    }
    for (QuantityOrListParam or : and.getValuesAsQueryTokens()) {
      List<String> alternatives = new ArrayList<>();
      for (QuantityParam q : or.getValuesAsQueryTokens()) {
        alternatives.add(clause(s, q));
      }
      if (!alternatives.isEmpty()) {
        s.where("(" + String.join(" OR ", alternatives) + ")");
      }
    }
  }

  private String clause(SqlSearch s, QuantityParam q) {
    if (q.getMissing() != null) {
      return q.getMissing() ? "value IS NULL" : "value IS NOT NULL";
    }
    if (q.getValue() == null) {
      throw new InvalidRequestException("SR-SEARCH-4: value-quantity needs a number");
    }
    if (q.getSystem() != null && !q.getSystem().isEmpty() && !UCUM.equals(q.getSystem())) {
      throw new InvalidRequestException(
          "SR-SEARCH-5: value-quantity units must be UCUM (" + UCUM + ")");
    }
    String unit = q.getUnits();
    if (unit == null || unit.isBlank()) {
      return compare(s, "value", q.getPrefix(), q.getValue(), BigDecimal.ONE);
    }
    Optional<String> ucum = units.toUcum(unit);
    if (ucum.isEmpty()) {
      throw new InvalidRequestException("SR-SEARCH-6: '" + unit + "' is not a UCUM unit");
    }
    List<String> perUnit = new ArrayList<>();
    for (String registryUnit : registryUnits) {
      if (!units.commensurable(ucum.get(), registryUnit)) {
        continue;
      }
      try {
        BigDecimal factor = units.convert(BigDecimal.ONE, ucum.get(), registryUnit, null);
        perUnit.add(
            "(unit = "
                + s.param(registryUnit)
                + " AND "
                + compare(s, "value", q.getPrefix(), q.getValue(), factor)
                + ")");
      } catch (UnitConversionException e) {
        // not convertible after all: no match in this unit
      }
    }
    return perUnit.isEmpty() ? "false" : "(" + String.join(" OR ", perUnit) + ")";
  }

  /**
   * FHIR's prefixes; eq and ne use the precision of the value as given (2.5 = [2.45, 2.55)),
   * everything scaled by {@code factor} into the stored unit.
   */
  private static String compare(
      SqlSearch s, String column, ParamPrefixEnum prefix, BigDecimal given, BigDecimal factor) {
    ParamPrefixEnum p = prefix == null ? ParamPrefixEnum.EQUAL : prefix;
    BigDecimal v = given.multiply(factor, MathContext.DECIMAL64);
    BigDecimal half =
        BigDecimal.ONE
            .movePointLeft(Math.max(given.scale(), 0))
            .divide(BigDecimal.valueOf(2))
            .multiply(factor, MathContext.DECIMAL64);
    switch (p) {
      case GREATERTHAN:
      case STARTS_AFTER:
        return column + " > " + s.param(v);
      case LESSTHAN:
      case ENDS_BEFORE:
        return column + " < " + s.param(v);
      case GREATERTHAN_OR_EQUALS:
        return column + " >= " + s.param(v);
      case LESSTHAN_OR_EQUALS:
        return column + " <= " + s.param(v);
      case APPROXIMATE:
        BigDecimal tenth = v.abs().multiply(new BigDecimal("0.1"));
        return "("
            + column
            + " >= "
            + s.param(v.subtract(tenth))
            + " AND "
            + column
            + " <= "
            + s.param(v.add(tenth))
            + ")";
      case NOT_EQUAL:
        return "NOT ("
            + column
            + " >= "
            + s.param(v.subtract(half))
            + " AND "
            + column
            + " < "
            + s.param(v.add(half))
            + ")";
      case EQUAL:
      default:
        return "("
            + column
            + " >= "
            + s.param(v.subtract(half))
            + " AND "
            + column
            + " < "
            + s.param(v.add(half))
            + ")";
    }
  }
}
