package org.shockreg.mappings.units;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.fhir.ucum.Decimal;
import org.fhir.ucum.UcumEssenceService;
import org.fhir.ucum.UcumException;

/**
 * Converts measured values into registry units through UCUM ({@code org.fhir:ucum}). Hospital
 * spellings ({@code mmHg}, {@code bpm}, {@code mmol/l}) are first mapped by the alias table of the
 * rules. Mass and molar concentrations are bridged with the analyte's molar mass. Conversion
 * factors are cached per unit pair: every registry unit is multiplicative, and UCUM's parser is the
 * slow part of intake otherwise.
 */
public final class UnitConverter {

  private static final MathContext MC = MathContext.DECIMAL64;
  static final int MAX_UNIT_CHARS = 100;
  private static final int MAX_CACHED_UNITS = 10_000;

  private final UcumEssenceService ucum;
  private final Map<String, String> aliases;
  private final Map<String, String> aliasesLowerCase = new ConcurrentHashMap<>();
  private final Map<String, Optional<BigDecimal>> factors = new ConcurrentHashMap<>();
  private final Map<String, Boolean> validUnits = new ConcurrentHashMap<>();
  private final Map<String, Boolean> comparable = new ConcurrentHashMap<>();

  public UnitConverter(Map<String, String> aliases) {
    this.aliases = Map.copyOf(aliases);
    aliases.forEach((k, v) -> aliasesLowerCase.put(k.toLowerCase(Locale.ROOT), v));
    try (InputStream essence = UcumEssenceService.class.getResourceAsStream("/ucum-essence.xml")) {
      this.ucum = new UcumEssenceService(essence);
    } catch (IOException | UcumException e) {
      throw new IllegalStateException("cannot load UCUM essence", e);
    }
  }

  /** The UCUM code for a unit as a hospital wrote it, or empty when it is not a valid UCUM unit. */
  public Optional<String> toUcum(String unit) {
    if (unit == null || unit.isBlank()) {
      return Optional.empty();
    }
    String u = unit.trim();
    if (u.length() > MAX_UNIT_CHARS) {
      // UCUM's parser takes minutes on a megabyte "unit"; no real unit is that long.
      return Optional.empty();
    }
    // Aliases first, also case-insensitively: "Mmol/L" is valid UCUM (megamole) but never meant.
    String alias = aliases.get(u);
    if (alias == null) {
      alias = aliasesLowerCase.get(u.toLowerCase(Locale.ROOT));
    }
    String candidate = alias != null ? alias : u;
    return isValid(candidate) ? Optional.of(candidate) : Optional.empty();
  }

  private boolean isValid(String ucumCode) {
    if (validUnits.size() >= MAX_CACHED_UNITS) {
      // Distinct units a source can send are unbounded; the cache is not.
      Boolean known = validUnits.get(ucumCode);
      return known != null ? known : ucum.validate(ucumCode) == null;
    }
    return validUnits.computeIfAbsent(ucumCode, c -> ucum.validate(c) == null);
  }

  /**
   * Converts {@code value} from {@code fromUcum} to {@code toUcum}; with a molar mass (g/mol), also
   * between mass and substance concentrations.
   */
  public BigDecimal convert(BigDecimal value, String fromUcum, String toUcum, BigDecimal molarMass)
      throws UnitConversionException {
    if (fromUcum.equals(toUcum)) {
      return value;
    }
    BigDecimal factor =
        factors
            .computeIfAbsent(
                fromUcum + "\u0000" + toUcum + "\u0000" + molarMass,
                k -> Optional.ofNullable(factor(fromUcum, toUcum, molarMass)))
            .orElseThrow(
                () ->
                    new UnitConversionException(
                        "unit '" + fromUcum + "' cannot be converted to '" + toUcum + "'"));
    return value.multiply(factor, MC);
  }

  private BigDecimal factor(String from, String to, BigDecimal molarMass) {
    try {
      if (ucum.isComparable(from, to)) {
        return ucumFactor(from, to);
      }
      if (molarMass != null) {
        // mass -> molar: g/L divided by g/mol gives mol/L
        if (ucum.isComparable(from, "g/L") && ucum.isComparable(to, "mol/L")) {
          return ucumFactor(from, "g/L")
              .divide(molarMass, MC)
              .multiply(ucumFactor("mol/L", to), MC);
        }
        if (ucum.isComparable(from, "mol/L") && ucum.isComparable(to, "g/L")) {
          return ucumFactor(from, "mol/L")
              .multiply(molarMass, MC)
              .multiply(ucumFactor("g/L", to), MC);
        }
      }
      return null;
    } catch (UcumException e) {
      return null;
    }
  }

  private BigDecimal ucumFactor(String from, String to) throws UcumException {
    Decimal one = new Decimal(1);
    return new BigDecimal(ucum.convert(one, from, to).asDecimal());
  }

  /** True when both units are mass concentrations or both substance ones (no molar mass needed). */
  public boolean commensurable(String fromUcum, String toUcum) {
    // Cached: UCUM's isComparable parses both units each time and dominated intake profiles.
    return comparable.computeIfAbsent(
        fromUcum + "\u0000" + toUcum,
        k -> {
          try {
            return ucum.isComparable(fromUcum, toUcum);
          } catch (UcumException e) {
            return false;
          }
        });
  }
}
