package org.shockreg.mappings.units;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.math.RoundingMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.shockreg.mappings.rules.RuleSetLoader;

class UnitConverterTest {

  static final BigDecimal LACTATE_MOLAR_MASS = new BigDecimal("90.08");
  static final BigDecimal CREATININE_MOLAR_MASS = new BigDecimal("113.12");

  static UnitConverter units;

  @BeforeAll
  static void load() {
    units = new UnitConverter(new RuleSetLoader().loadBuiltIn().unitAliases());
  }

  static BigDecimal round(BigDecimal v, int scale) {
    return v.setScale(scale, RoundingMode.HALF_UP);
  }

  @Nested
  class Aliases {

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(
        delimiter = ';',
        value = {
          "mmHg; mm[Hg]",
          "mm Hg; mm[Hg]",
          "mmhg; mm[Hg]",
          "MMHG; mm[Hg]",
          "bpm; /min",
          "beats/min; /min",
          "beats per minute; /min",
          "{beats}/min; /min",
          "mmol/l; mmol/L",
          "MMOL/L; mmol/L",
          "mg/dl; mg/dL",
          "MG/DL; mg/dL",
          "umol/l; umol/L",
          "µmol/L; umol/L",
          "μmol/L; umol/L",
          "l/min; L/min",
          "L/min/m^2; L/min/m2",
          "L/min/m²; L/min/m2",
          "percent; %",
          "kpa; kPa",
          "KPA; kPa",
          " mmHg ; mm[Hg]",
        })
    void hospitalSpelling_isMappedToUcum(String spelled, String ucum) {
      assertThat(units.toUcum(spelled)).contains(ucum);
    }

    /**
     * units.yaml: "Matching is exact first, then case-insensitive. Anything else must already be
     * valid UCUM." A spelling that equals an alias but for case must therefore take the alias, even
     * when the spelling happens to parse as (a very different) UCUM unit: "Mmol/L" would be
     * megamole per litre, "Mg/dl" megagram per decilitre.
     */
    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(
        delimiter = ';',
        value = {"Mmol/L; mmol/L", "Mg/dl; mg/dL", "Umol/l; umol/L"})
    void caseInsensitiveAlias_winsOverAnAccidentalUcumReading(String spelled, String ucum) {
      assertThat(units.toUcum(spelled)).contains(ucum);
    }
  }

  @Nested
  class Validity {

    @ParameterizedTest
    @ValueSource(
        strings = {
          "mm[Hg]",
          "mmol/L",
          "mg/dL",
          "umol/L",
          "%",
          "/min",
          "L/min",
          "L/min/m2",
          "kPa",
          "cm[H2O]"
        })
    void validUcum_isKeptAsIs(String code) {
      assertThat(units.toUcum(code)).contains(code);
    }

    @ParameterizedTest
    @ValueSource(strings = {"furlongs", "mmHG2x", "beats", "per cent"})
    void notUcumAndNoAlias_isEmpty(String unit) {
      assertThat(units.toUcum(unit)).isEmpty();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   "})
    void missingUnit_isEmpty(String unit) {
      assertThat(units.toUcum(unit)).isEmpty();
    }
  }

  @Nested
  class Commensurable {

    @Test
    void sameUnit_returnsValueUnchanged() throws Exception {
      assertThat(units.convert(new BigDecimal("2.1"), "mmol/L", "mmol/L", null))
          .isEqualByComparingTo("2.1");
    }

    @Test
    void kilopascal_toMmHg() throws Exception {
      BigDecimal v = units.convert(new BigDecimal("16"), "kPa", "mm[Hg]", null);
      assertThat(v.doubleValue()).isCloseTo(120.01, within(0.01));
    }

    @Test
    void mmHg_toKilopascal_isTheInverse() throws Exception {
      BigDecimal v = units.convert(new BigDecimal("120"), "mm[Hg]", "kPa", null);
      assertThat(v.doubleValue()).isCloseTo(15.9987, within(0.001));
    }

    @Test
    void cmH2O_toMmHg() throws Exception {
      BigDecimal v = units.convert(new BigDecimal("10"), "cm[H2O]", "mm[Hg]", null);
      assertThat(v.doubleValue()).isCloseTo(7.3556, within(0.001));
    }

    @Test
    void umolPerL_toMmolPerL() throws Exception {
      assertThat(round(units.convert(new BigDecimal("2100"), "umol/L", "mmol/L", null), 6))
          .isEqualByComparingTo("2.1");
    }

    @Test
    void mgPerL_toMgPerDl() throws Exception {
      assertThat(round(units.convert(new BigDecimal("10"), "mg/L", "mg/dL", null), 6))
          .isEqualByComparingTo("1");
    }

    @Test
    void millilitrePerSecond_toLitrePerMinute() throws Exception {
      assertThat(round(units.convert(new BigDecimal("100"), "mL/s", "L/min", null), 6))
          .isEqualByComparingTo("6");
    }

    @Test
    void commensurable_tellsMassFromMolar() {
      assertThat(units.commensurable("kPa", "mm[Hg]")).isTrue();
      assertThat(units.commensurable("umol/L", "mmol/L")).isTrue();
      assertThat(units.commensurable("mg/dL", "g/L")).isTrue();
      assertThat(units.commensurable("mg/dL", "mmol/L")).isFalse();
      assertThat(units.commensurable("%", "mm[Hg]")).isFalse();
    }

    @Test
    void commensurable_isFalseForInvalidUnits() {
      assertThat(units.commensurable("furlongs", "mm[Hg]")).isFalse();
    }
  }

  @Nested
  class MassAndMolar {

    @Test
    void lactateMgPerDl_toMmolPerL_dividesBy9point008() throws Exception {
      BigDecimal v = units.convert(new BigDecimal("18"), "mg/dL", "mmol/L", LACTATE_MOLAR_MASS);
      assertThat(round(v, 4)).isEqualByComparingTo("1.9982");
      assertThat(
              round(
                  units.convert(new BigDecimal("90.08"), "mg/dL", "mmol/L", LACTATE_MOLAR_MASS), 6))
          .isEqualByComparingTo("10");
    }

    @Test
    void lactateMmolPerL_toMgPerDl_multipliesBy9point008() throws Exception {
      BigDecimal v = units.convert(new BigDecimal("2"), "mmol/L", "mg/dL", LACTATE_MOLAR_MASS);
      assertThat(round(v, 4)).isEqualByComparingTo("18.016");
    }

    @Test
    void creatinineUmolPerL_toMgPerDl_88point4IsOne() throws Exception {
      BigDecimal v =
          units.convert(new BigDecimal("88.4"), "umol/L", "mg/dL", CREATININE_MOLAR_MASS);
      assertThat(round(v, 3)).isEqualByComparingTo("1.000");
      BigDecimal v2 =
          units.convert(new BigDecimal("176.8"), "umol/L", "mg/dL", CREATININE_MOLAR_MASS);
      assertThat(round(v2, 3)).isEqualByComparingTo("2.000");
    }

    @Test
    void creatinineMgPerDl_toUmolPerL() throws Exception {
      BigDecimal v = units.convert(BigDecimal.ONE, "mg/dL", "umol/L", CREATININE_MOLAR_MASS);
      assertThat(v.doubleValue()).isCloseTo(88.4, within(0.01));
    }

    @Test
    void sameUnitPair_withDifferentMolarMasses_isNotMixedUpByTheCache() throws Exception {
      BigDecimal lactate =
          units.convert(new BigDecimal("18"), "mg/dL", "mmol/L", LACTATE_MOLAR_MASS);
      BigDecimal creatinine =
          units.convert(new BigDecimal("18"), "mg/dL", "mmol/L", CREATININE_MOLAR_MASS);
      assertThat(round(lactate, 4)).isEqualByComparingTo("1.9982");
      assertThat(round(creatinine, 4)).isEqualByComparingTo("1.5912");
    }
  }

  @Nested
  class Incommensurable {

    @Test
    void pressureToConcentration_throws() {
      assertThatThrownBy(() -> units.convert(new BigDecimal("120"), "mm[Hg]", "mmol/L", null))
          .isInstanceOf(UnitConversionException.class)
          .hasMessageContaining("mm[Hg]")
          .hasMessageContaining("mmol/L");
    }

    @Test
    void massToMolar_withoutMolarMass_throws() {
      assertThatThrownBy(() -> units.convert(new BigDecimal("18"), "mg/dL", "mmol/L", null))
          .isInstanceOf(UnitConversionException.class);
    }

    @Test
    void percentToPressure_throws_evenWithMolarMass() {
      assertThatThrownBy(
              () -> units.convert(new BigDecimal("25"), "%", "mm[Hg]", LACTATE_MOLAR_MASS))
          .isInstanceOf(UnitConversionException.class);
    }

    @Test
    void rateToPressure_throws_everyTime() {
      for (int i = 0; i < 2; i++) { // second call is served from the factor cache
        assertThatThrownBy(() -> units.convert(new BigDecimal("80"), "/min", "mm[Hg]", null))
            .isInstanceOf(UnitConversionException.class);
      }
    }
  }
}
