package org.shockreg.mappings.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleFiles.DiagnosisCategoryRule;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.units.UnitConverter;

/** The built-in rule files against data-dictionary.md sections 1 and 2. */
class RuleSetLoaderTest {

  static final String LOINC = "http://loinc.org";
  static final String SNOMED = "http://snomed.info/sct";
  static final String CPT = "http://www.ama-assn.org/go/cpt";
  static final String PCS = "http://www.cms.gov/Medicare/Coding/ICD10";
  static final String ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";

  static RuleSet rules;

  @BeforeAll
  static void load() {
    rules = new RuleSetLoader().loadBuiltIn();
  }

  @Test
  void builtInRules_load_soNoCodeIsMappedTwice() {
    assertThatCode(() -> new RuleSetLoader().loadBuiltIn()).doesNotThrowAnyException();
  }

  // ---- section 1 ----------------------------------------------------------------------------

  /** data-dictionary.md section 1: RV code, registry unit, plausible low/high, category, codes. */
  static Stream<Arguments> section1() {
    return Stream.of(
        Arguments.of(
            "lvef",
            "%",
            "5",
            "85",
            "exam",
            List.of(
                LOINC + "|10230-1",
                LOINC + "|18043-0",
                LOINC + "|8808-8",
                LOINC + "|8810-4",
                LOINC + "|8811-2",
                LOINC + "|18049-7",
                LOINC + "|77891-0",
                LOINC + "|79990-8",
                LOINC + "|79991-6",
                LOINC + "|79992-4",
                LOINC + "|79993-2",
                SNOMED + "|250908004")),
        Arguments.of(
            "lactate",
            "mmol/L",
            "0.2",
            "30",
            "laboratory",
            List.of(
                LOINC + "|2524-7",
                LOINC + "|32693-4",
                LOINC + "|2518-9",
                LOINC + "|2519-7",
                LOINC + "|19239-3",
                LOINC + "|19240-1",
                LOINC + "|14118-4",
                LOINC + "|59032-3",
                LOINC + "|30242-2")),
        Arguments.of(
            "sbp",
            "mm[Hg]",
            "30",
            "260",
            "vital-signs",
            List.of(LOINC + "|8480-6", LOINC + "|76534-7", LOINC + "|76215-3")),
        Arguments.of(
            "dbp",
            "mm[Hg]",
            "10",
            "200",
            "vital-signs",
            List.of(LOINC + "|8462-4", LOINC + "|76535-4", LOINC + "|76213-8")),
        Arguments.of(
            "map",
            "mm[Hg]",
            "20",
            "200",
            "vital-signs",
            List.of(LOINC + "|8478-0", LOINC + "|76536-2", LOINC + "|76214-6")),
        Arguments.of("hr", "/min", "20", "250", "vital-signs", List.of(LOINC + "|8867-4")),
        Arguments.of(
            "ci", "L/min/m2", "0.3", "8", "exam", List.of(LOINC + "|75919-1", LOINC + "|8751-0")),
        Arguments.of(
            "co", "L/min", "0.5", "15", "exam", List.of(LOINC + "|8741-1", LOINC + "|8737-9")),
        Arguments.of(
            "cvp", "mm[Hg]", "-5", "40", "exam", List.of(LOINC + "|60985-9", SNOMED + "|71420008")),
        Arguments.of(
            "pcwp",
            "mm[Hg]",
            "0",
            "50",
            "exam",
            List.of(LOINC + "|75994-4", SNOMED + "|118433006")),
        Arguments.of(
            "creatinine",
            "mg/dL",
            "0.1",
            "20",
            "laboratory",
            List.of(
                LOINC + "|2160-0", LOINC + "|38483-4", LOINC + "|14682-9", LOINC + "|59826-8")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("section1")
  void everySection1Variable_hasItsUnitRangeCategoryAndSourceCodes(
      String variable, String unit, String low, String high, String category, List<String> codes) {
    VariableRule rule = rules.variables().get(variable);

    assertThat(rule).as(variable).isNotNull();
    assertThat(rule.unit()).isEqualTo(unit);
    assertThat(rule.category()).isEqualTo(category);
    assertThat(rule.plausible()).isNotNull();
    assertThat(rule.plausible().low()).isEqualByComparingTo(new BigDecimal(low));
    assertThat(rule.plausible().high()).isEqualByComparingTo(new BigDecimal(high));
    for (String token : codes) {
      String[] sc = token.split("\\|");
      assertThat(rules.variableFor(sc[0], sc[1]))
          .as("%s maps to %s", token, variable)
          .hasValueSatisfying(m -> assertThat(m.rule().variable()).isEqualTo(variable));
    }
  }

  @Test
  void section1_listsExactlyTheRegistryVariables() {
    assertThat(rules.variables().keySet())
        .containsExactlyInAnyOrder(
            "lvef", "lactate", "sbp", "dbp", "map", "hr", "ci", "co", "cvp", "pcwp", "creatinine");
  }

  @Test
  void everyRegistryUnit_isValidUcum() {
    UnitConverter units = new UnitConverter(rules.unitAliases());
    for (VariableRule v : rules.variables().values()) {
      assertThat(units.toUcum(v.unit())).as(v.variable()).contains(v.unit());
    }
  }

  @Test
  void onlyLvef_mayAssumeAMissingUnit_andParseText() {
    for (VariableRule v : rules.variables().values()) {
      boolean lvef = v.variable().equals("lvef");
      assertThat(Boolean.TRUE.equals(v.assumeUnitWhenMissing())).as(v.variable()).isEqualTo(lvef);
      assertThat(Boolean.TRUE.equals(v.parseText())).as(v.variable()).isEqualTo(lvef);
    }
  }

  @Test
  void molarMasses_areThoseOfTheDictionary() {
    assertThat(rules.variables().get("lactate").molarMass()).isEqualByComparingTo("90.08");
    // 1 mg/dL = 88.4 umol/L exactly  <=>  M = 10000 / 88.4 = 113.1221719... g/mol
    assertThat(
            java.math.BigDecimal.valueOf(10000)
                .divide(
                    rules.variables().get("creatinine").molarMass(),
                    java.math.MathContext.DECIMAL64))
        .isCloseTo(
            new java.math.BigDecimal("88.4"),
            org.assertj.core.data.Offset.offset(new java.math.BigDecimal("1e-9")));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "14118-4, 2524-7",
    "59032-3, 32693-4",
    "30242-2, 2518-9",
    "14682-9, 2160-0",
    "59826-8, 38483-4",
  })
  void massMolarTwins_areThoseOfTheDictionary(String code, String twin) {
    assertThat(rules.variableFor(LOINC, code))
        .hasValueSatisfying(m -> assertThat(m.source().twin()).isEqualTo(twin));
    // the twin itself feeds the same variable
    assertThat(rules.variableFor(LOINC, twin).orElseThrow().rule().variable())
        .isEqualTo(rules.variableFor(LOINC, code).orElseThrow().rule().variable());
  }

  @Test
  void bloodPressurePanel_isKnownAsPanel_notAsVariable() {
    assertThat(rules.isPanel(LOINC, "85354-9")).isTrue();
    assertThat(rules.variableFor(LOINC, "85354-9")).isEmpty();
  }

  @Test
  void ldh_isNotLactate() {
    assertThat(rules.variableFor(LOINC, "14804-9")).isEmpty();
  }

  // ---- section 2 ----------------------------------------------------------------------------

  /**
   * data-dictionary.md section 2: DEV code, insertion codes, removal codes. NCDR has no URI there.
   */
  static Stream<Arguments> section2() {
    return Stream.of(
        Arguments.of(
            "iabp",
            List.of(
                SNOMED + "|442807006",
                SNOMED + "|399217008",
                CPT + "|33967",
                CPT + "|33973",
                CPT + "|33970",
                PCS + "|5A02210",
                PCS + "|5A02110"),
            List.of(CPT + "|33968", CPT + "|33971", CPT + "|33974")),
        Arguments.of(
            "impella",
            List.of(
                PCS + "|5A0221D",
                PCS + "|5A0211D",
                PCS + "|02HA3RZ",
                PCS + "|02HW3RZ",
                CPT + "|33990",
                "ncdr|100014011"),
            List.of()),
        Arguments.of(
            "va-ecmo",
            List.of(
                PCS + "|5A1522G",
                PCS + "|5A1522F",
                CPT + "|33947",
                SNOMED + "|233573008",
                SNOMED + "|232969009"),
            List.of()),
        Arguments.of("vv-ecmo", List.of(PCS + "|5A1522H", CPT + "|33946"), List.of()),
        Arguments.of("tandemheart", List.of(CPT + "|33991", "ncdr|100014010"), List.of()),
        Arguments.of(
            "durable-lvad",
            List.of(
                SNOMED + "|232967006",
                PCS + "|02HA0QZ",
                PCS + "|02HA3QZ",
                PCS + "|02HA4QZ",
                CPT + "|33979"),
            List.of()),
        Arguments.of(
            "heart-transplant",
            List.of(SNOMED + "|32413006", PCS + "|02YA0Z0", CPT + "|33945"),
            List.of()),
        Arguments.of("vad-unspecified", List.of(SNOMED + "|232965003"), List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("section2")
  void everySection2Device_hasItsInsertionAndRemovalCodes(
      String device, List<String> insertion, List<String> removal) {
    DeviceRule rule = rules.devices().get(device);
    assertThat(rule).as(device).isNotNull();

    for (String token : insertion) {
      assertDeviceCode(device, token, false);
    }
    for (String token : removal) {
      assertDeviceCode(device, token, true);
    }
    assertThat(rule.removal() == null ? List.of() : rule.removal()).hasSize(removal.size());
  }

  private static void assertDeviceCode(String device, String token, boolean removal) {
    String[] sc = token.split("\\|");
    if (sc[0].equals("ncdr")) {
      // the dictionary names no URI for NCDR codes: look the code up under whatever system the
      // rules use
      List<CodeRef> refs = rules.devices().get(device).insertion();
      CodeRef ref = refs.stream().filter(r -> r.code().equals(sc[1])).findFirst().orElse(null);
      assertThat(ref).as("NCDR %s for %s", sc[1], device).isNotNull();
      assertThat(rules.deviceFor(ref.system(), ref.code()))
          .hasValueSatisfying(m -> assertThat(m.rule().device()).isEqualTo(device));
      return;
    }
    assertThat(rules.deviceFor(sc[0], sc[1]))
        .as("%s maps to %s (%s)", token, device, removal ? "removal" : "insertion")
        .hasValueSatisfying(
            m -> {
              assertThat(m.rule().device()).isEqualTo(device);
              assertThat(m.removal()).isEqualTo(removal);
            });
  }

  @Test
  void section2_tmcsAndHeartReplacementFlags() {
    assertThat(rules.devices().keySet())
        .containsExactlyInAnyOrder(
            "iabp",
            "impella",
            "va-ecmo",
            "vv-ecmo",
            "tandemheart",
            "durable-lvad",
            "heart-transplant",
            "vad-unspecified");
    for (String tmcs : List.of("iabp", "impella", "va-ecmo", "tandemheart", "vad-unspecified")) {
      assertThat(rules.devices().get(tmcs).tmcs()).as(tmcs).isTrue();
    }
    for (String notTmcs : List.of("vv-ecmo", "durable-lvad", "heart-transplant")) {
      assertThat(rules.devices().get(notTmcs).tmcs()).as(notTmcs).isFalse();
    }
    assertThat(rules.devices().get("durable-lvad").heartReplacement()).isTrue();
    assertThat(rules.devices().get("heart-transplant").heartReplacement()).isTrue();
    assertThat(rules.devices().get("vad-unspecified").flags()).contains("needs-review");
  }

  @Test
  void genericEcmoCodes_haveAVenoVenousTextOverride() {
    List<RuleSet.CompiledOverride> overrides = rules.textOverrides("va-ecmo");
    assertThat(overrides).isNotEmpty();
    assertThat(overrides)
        .anySatisfy(
            o -> {
              assertThat(o.device()).isEqualTo("vv-ecmo");
              assertThat(o.pattern().matcher("Veno-venous ECMO").find()).isTrue();
              assertThat(o.pattern().matcher("VV ECMO").find()).isTrue();
              assertThat(o.pattern().matcher("Veno-arterial ECMO").find()).isFalse();
            });
  }

  // ---- sections 3/4 and uniqueness --------------------------------------------------------

  @Test
  void noDiagnosisCode_belongsToTwoCategories() {
    // the loader does not check this for diagnoses (first category wins silently), so check the
    // data
    Map<String, String> seen = new HashMap<>();
    List<String> duplicates = new ArrayList<>();
    for (DiagnosisCategoryRule r : rules.diagnosisCategories()) {
      for (CodeRef c : r.codes()) {
        String key = RuleSet.key(c.system(), RuleSet.normaliseDiagnosisCode(c.code()));
        String previous = seen.putIfAbsent(key, r.category());
        if (previous != null) {
          duplicates.add(key + " in " + previous + " and " + r.category());
        }
      }
    }
    assertThat(duplicates).isEmpty();
  }

  @Test
  void noCode_feedsBothAVariableAndADevice() {
    for (VariableRule v : rules.variables().values()) {
      for (CodeRef c : v.sources()) {
        assertThat(rules.deviceFor(c.system(), c.code())).as(c.system() + "|" + c.code()).isEmpty();
      }
    }
  }

  @Test
  void shockDiagnosisCodes_ofSection3() {
    assertThat(rules.diagnosisCategoryFor(SNOMED, "89138009")).contains("cardiogenic-shock");
    assertThat(rules.diagnosisCategoryFor("http://hl7.org/fhir/sid/icd-10-cm", "R57.0"))
        .contains("cardiogenic-shock");
    assertThat(rules.diagnosisCategoryFor("http://hl7.org/fhir/sid/icd-10", "R57.0"))
        .contains("cardiogenic-shock");
  }

  @Test
  void intensiveCareTypes_ofSection3() {
    assertThat(rules.isIntensiveCareType(ROLE_CODE, "CCU")).isTrue();
    assertThat(rules.isIntensiveCareType(ROLE_CODE, "ICU")).isTrue();
    assertThat(rules.isIntensiveCareType(ROLE_CODE, "ER")).isFalse();
  }
}
