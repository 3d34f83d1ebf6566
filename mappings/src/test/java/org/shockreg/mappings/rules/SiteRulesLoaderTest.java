package org.shockreg.mappings.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.shockreg.mappings.rules.RuleFiles.SiteDevice;
import org.shockreg.mappings.rules.RuleFiles.SiteLocation;
import org.shockreg.mappings.rules.RuleFiles.SiteMeasurement;

/** Loading and validating site mapping files (data-dictionary.md section 6). */
class SiteRulesLoaderTest {

  static RuleSet builtIn;
  static SiteRulesLoader loader;

  @TempDir Path dir;

  @BeforeAll
  static void load() {
    builtIn = new RuleSetLoader().loadBuiltIn();
    loader = new SiteRulesLoader(builtIn);
  }

  void write(String name, String yaml) throws IOException {
    Files.writeString(dir.resolve(name), yaml);
  }

  List<String> errorsOf(String name, String yaml) throws IOException {
    write(name, yaml);
    SiteRulesException e = catchThrowableOfType(SiteRulesException.class, () -> loader.load(dir));
    assertThat(e).as("load of %s should fail", name).isNotNull();
    return e.errors();
  }

  @Test
  void aValidFile_loadsEveryKindOfEntry_withAliasesResolved_andHl7v2SystemsAsTheyCome()
      throws Exception {
    write(
        "site-a.yaml",
        """
        site: site-a
        description: Site A
        systems:
          proc: urn:site-a:procedures
        measurements:
          - { system: 99LAB, code: LACT, variable: lactate, unit: mg/dL, display: Lactate BGA }
          - { system: L, code: HF, variable: hr, unit: bpm }
        devices:
          - { system: proc, code: IABP-IN, device: iabp }
          - { system: proc, code: IABP-OUT, device: iabp, removal: true }
        diagnoses:
          - { system: urn:site-a:dx, code: CS1, category: cardiogenic-shock }
          - { system: urn:site-a:dx, code: MI.*, category: acute-mi }
        intensive-care:
          encounter-types:
            - { system: urn:site-a:units, code: CICU }
          locations:
            - { id: cicu-1 }
            - { system: urn:site-a:locations, code: CICU }
        """);

    RuleSet rules = loader.load(dir);

    assertThat(rules.sites()).containsOnlyKeys("site-a");
    SiteRules site = rules.sites().get("site-a");
    assertThat(site.description()).isEqualTo("Site A");
    assertThat(site.version()).hasSize(12);
    assertThat(site.size()).isEqualTo(9);
    assertThat(site.measurements())
        .extracting(
            SiteMeasurement::system,
            SiteMeasurement::code,
            SiteMeasurement::variable,
            SiteMeasurement::unit)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("99LAB", "LACT", "lactate", "mg/dL"),
            org.assertj.core.groups.Tuple.tuple("L", "HF", "hr", "bpm"));
    assertThat(site.devices())
        .extracting(SiteDevice::system, SiteDevice::code, SiteDevice::removal)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("urn:site-a:procedures", "IABP-IN", false),
            org.assertj.core.groups.Tuple.tuple("urn:site-a:procedures", "IABP-OUT", true));
    assertThat(site.intensiveCareLocations())
        .extracting(SiteLocation::id, SiteLocation::system, SiteLocation::code)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("cicu-1", null, null),
            org.assertj.core.groups.Tuple.tuple(null, "urn:site-a:locations", "CICU"));
    // the built-in rules are the same objects, untouched
    assertThat(rules.variables()).isEqualTo(builtIn.variables());
    assertThat(rules.version()).isEqualTo(builtIn.version());
    assertThat(builtIn.sites()).isEmpty();
  }

  @Test
  void aMissingDirectory_holdsNoSiteFiles() throws Exception {
    RuleSet rules = loader.load(dir.resolve("does-not-exist"));
    assertThat(rules.sites()).isEmpty();
    assertThat(rules.variables()).isEqualTo(builtIn.variables());
  }

  @Test
  void aFileInPlaceOfTheDirectory_isAnError() throws Exception {
    write("not-a-dir", "x");
    assertThatThrownBy(() -> loader.load(dir.resolve("not-a-dir")))
        .isInstanceOf(SiteRulesException.class)
        .hasMessageContaining("not a directory");
  }

  @Test
  void otherFiles_andHiddenFiles_areIgnored_andYmlCounts() throws Exception {
    write("README.md", "# not a site file");
    write(".site-b.yaml", "this: is hidden");
    write("site-b.yaml.bak", "measurements: [oops");
    write("site-b.yml", "measurements:\n  - { system: L, code: X, variable: hr, unit: /min }\n");
    assertThat(loader.load(dir).sites()).containsOnlyKeys("site-b");
  }

  @Test
  void anEmptyFile_isASiteWithoutRules() throws Exception {
    write("site-c.yaml", "");
    assertThat(loader.load(dir).sites().get("site-c").size()).isZero();
  }

  @Test
  void unknownVariable_isNamedWithFileAndEntry() throws Exception {
    List<String> errors =
        errorsOf(
            "site-a.yaml",
            "measurements:\n"
                + "  - { system: L, code: OK, variable: hr, unit: /min }\n"
                + "  - { system: 99LAB, code: LACT, variable: lactat, unit: mg/dL }\n");
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0))
        .startsWith("site-a.yaml: measurements[1] (99LAB|LACT): unknown variable 'lactat'")
        .contains("lactate", "lvef");
  }

  @Test
  void unknownDevice_andUnknownCategory_areNamed() throws Exception {
    List<String> errors =
        errorsOf(
            "site-a.yaml",
            """
            devices:
              - { system: urn:p, code: X1, device: iabp-2000 }
            diagnoses:
              - { system: urn:d, code: D1, category: shock-ish }
            """);
    assertThat(errors)
        .containsExactly(
            "site-a.yaml: devices[0] (urn:p|X1): unknown device 'iabp-2000' (one of durable-lvad,"
                + " heart-transplant, iabp, impella, tandemheart, va-ecmo, vad-unspecified, vv-ecmo)",
            errors.get(1));
    assertThat(errors.get(1))
        .startsWith("site-a.yaml: diagnoses[0] (urn:d|D1): unknown category 'shock-ish'")
        .contains("cardiogenic-shock");
  }

  @Test
  void duplicateCode_inASection_isAnError_alsoThroughAnAlias() throws Exception {
    List<String> errors =
        errorsOf(
            "site-a.yaml",
            """
            systems:
              lab: urn:site-a:lab
            measurements:
              - { system: urn:site-a:lab, code: LACT, variable: lactate, unit: mmol/L }
              - { system: lab, code: LACT, variable: lactate, unit: mg/dL }
            """);
    assertThat(errors)
        .containsExactly(
            "site-a.yaml: measurements[1] (lab|LACT): duplicate code urn:site-a:lab|LACT: already"
                + " mapped by measurements[0] (urn:site-a:lab|LACT)");
  }

  @Test
  void duplicateDiagnosisCodes_compareWithoutDotsAndCase() throws Exception {
    List<String> errors =
        errorsOf(
            "site-a.yaml",
            """
            diagnoses:
              - { system: urn:d, code: I21.0, category: acute-mi }
              - { system: urn:d, code: i210, category: acute-mi }
            """);
    assertThat(errors).singleElement().asString().contains("diagnoses[1]", "duplicate code");
  }

  @Test
  void badUnits_areErrors_unknownMissingOrNotConvertible() throws Exception {
    List<String> errors =
        errorsOf(
            "site-a.yaml",
            """
            measurements:
              - { system: L, code: A, variable: lactate, unit: furlongs }
              - { system: L, code: B, variable: lactate }
              - { system: L, code: C, variable: lactate, unit: "mm[Hg]" }
              - { system: L, code: D, variable: sbp, unit: kPa }
              - { system: L, code: E, variable: creatinine, unit: umol/l }
            """);
    assertThat(errors)
        .containsExactly(
            "site-a.yaml: measurements[0] (L|A): unit 'furlongs' is not a UCUM unit (nor a known"
                + " spelling of one)",
            "site-a.yaml: measurements[1] (L|B): unit is missing: give the unit the code's values"
                + " are sent in (UCUM)",
            "site-a.yaml: measurements[2] (L|C): unit 'mm[Hg]' cannot be converted to lactate's"
                + " registry unit mmol/L");
  }

  @Test
  void unknownKey_isNamedWithItsLine() throws Exception {
    List<String> errors =
        errorsOf(
            "site-a.yaml",
            """
            measurements:
              - system: L
                code: A
                varaible: lactate
                unit: mg/dL
            """);
    assertThat(errors)
        .containsExactly(
            "site-a.yaml: unknown key 'varaible' in measurements[0].varaible (allowed here: code,"
                + " display, system, unit, variable)");
  }

  @Test
  void unquotedBrackets_inAFlowMapping_getAHint() throws Exception {
    List<String> errors =
        errorsOf(
            "site-a.yaml",
            "measurements:\n  - { system: L, code: C, variable: sbp, unit: mm[Hg] }\n");
    assertThat(errors)
        .singleElement()
        .asString()
        .startsWith("site-a.yaml: line 2, column ")
        .contains("not valid YAML", "unit: \"mm[Hg]\"");
  }

  @Test
  void brokenYaml_isAnError_naming_theFile() throws Exception {
    List<String> errors = errorsOf("site-a.yaml", "measurements:\n  - system: L\n   code: A\n");
    assertThat(errors)
        .singleElement()
        .asString()
        .startsWith("site-a.yaml: line ")
        .contains("not valid YAML");
  }

  @Test
  void siteKey_mustMatchTheFileName_andTheFileName_mustBeASiteId() throws Exception {
    write("Site_B.yaml", "");
    List<String> errors = errorsOf("site-a.yaml", "site: site-z\n");
    assertThat(errors)
        .containsExactly(
            "Site_B.yaml: the file name must be a site id ([a-z0-9-]{1,40}) followed by .yaml, not"
                + " 'Site_B.yaml'",
            "site-a.yaml: site: 'site-z' does not match the file name (site site-a)");
  }

  @Test
  void twoFilesForOneSite_areAnError() throws Exception {
    write("site-a.yml", "");
    List<String> errors = errorsOf("site-a.yaml", "");
    assertThat(errors)
        .singleElement()
        .asString()
        .contains("site site-a already has a mapping file");
  }

  @Test
  void locations_needAnIdOrAnIdentifier_notBoth() throws Exception {
    List<String> errors =
        errorsOf(
            "site-a.yaml",
            """
            intensive-care:
              locations:
                - { id: cicu, system: urn:l, code: CICU }
                - { display: somewhere }
                - { id: cicu-2 }
                - { id: cicu-2 }
            """);
    assertThat(errors).hasSize(4);
    assertThat(errors.get(0)).contains("locations[0]", "either id", "not both");
    assertThat(errors.get(1)).contains("locations[1]", "system is missing");
    assertThat(errors.get(2)).contains("locations[1]", "code is missing");
    assertThat(errors.get(3)).contains("locations[3]", "listed twice");
  }

  @Test
  void errorsOfSeveralFiles_areAllReported_andNothingIsLoaded() throws Exception {
    write("site-a.yaml", "measurements:\n  - { system: L, code: A, variable: nope, unit: '%' }\n");
    write("site-b.yaml", "devices:\n  - { system: L, code: B, device: nope }\n");
    write("site-c.yaml", "measurements:\n  - { system: L, code: C, variable: hr, unit: /min }\n");
    SiteRulesException e = catchThrowableOfType(SiteRulesException.class, () -> loader.load(dir));
    assertThat(e.errors()).hasSize(2);
    assertThat(e.errors().get(0)).startsWith("site-a.yaml:");
    assertThat(e.errors().get(1)).startsWith("site-b.yaml:");
    assertThat(e).hasMessageContaining("2 errors");
  }

  @Test
  void unquotedNumericCodes_keepTheirText() throws Exception {
    write(
        "site-a.yaml",
        "devices:\n  - { system: L, code: 0123, device: iabp }\n  - { system: L, code: 33967, device: iabp }\n");
    assertThat(loader.load(dir).sites().get("site-a").devices())
        .extracting(SiteDevice::code)
        .containsExactly("0123", "33967");
  }

  @Test
  void theRepositorysSiteFiles_areValid() throws Exception {
    // mappings/sites, the default sites directory when the server runs from the repository root
    RuleSet rules = loader.load(Path.of("sites"));
    assertThat(rules.sites()).containsKey("example-hospital");
    SiteRules example = rules.sites().get("example-hospital");
    assertThat(example.measurements())
        .anySatisfy(
            m -> {
              assertThat(m.variable()).isEqualTo("lactate");
              assertThat(m.unit()).isEqualTo("mg/dL");
            });
    assertThat(example.devices()).anySatisfy(d -> assertThat(d.device()).isEqualTo("iabp"));
    assertThat(example.intensiveCareLocations()).isNotEmpty();
    // the demo sites have no files: they map with the built-in rules only, as before
    assertThat(rules.sites()).doesNotContainKeys("demo-milano", "demo-paris", "demo-boston");
  }
}
