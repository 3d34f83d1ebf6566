package org.shockreg.mappings.docs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleFiles.DiagnosisCategoryRule;
import org.shockreg.mappings.rules.RuleFiles.TextOverride;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.RuleSetLoader;

/**
 * Renders {@code docs/data-dictionary.md} from the built-in rule files ({@code
 * shockreg/rules/*.yaml}) as {@link RuleSetLoader#loadBuiltIn()} reads them, plus the hand-written
 * "Decisions" section below. Deterministic: the same rules give the same bytes. {@link
 * DataDictionaryDocTest} fails when the committed file differs and rewrites it with {@code
 * -Ddocs.regenerate=true}.
 */
public final class DataDictionaryMarkdown {

  static final String REGENERATE =
      "./mvnw -B -o -pl mappings test -Dtest=DataDictionaryDocTest -Ddocs.regenerate=true";

  private static final Map<String, String> SYSTEM_LABELS = new LinkedHashMap<>();

  static {
    SYSTEM_LABELS.put("http://loinc.org", "LOINC");
    SYSTEM_LABELS.put("http://snomed.info/sct", "SNOMED CT");
    SYSTEM_LABELS.put("http://hl7.org/fhir/sid/icd-10-cm", "ICD-10-CM");
    SYSTEM_LABELS.put("http://hl7.org/fhir/sid/icd-10", "ICD-10");
    SYSTEM_LABELS.put("http://www.cms.gov/Medicare/Coding/ICD10", "ICD-10-PCS");
    SYSTEM_LABELS.put("http://www.ama-assn.org/go/cpt", "CPT");
    SYSTEM_LABELS.put("https://ncdr.com/codes", "NCDR");
    SYSTEM_LABELS.put("http://terminology.hl7.org/CodeSystem/v3-RoleCode", "v3-RoleCode");
  }

  private final RuleSet rules;
  private final JsonNode measurementsFile;
  private final JsonNode encountersFile;
  private final Map<String, String> systemsUsed = new TreeMap<>();

  public DataDictionaryMarkdown(RuleSet rules) {
    this.rules = rules;
    this.measurementsFile = readRuleFile("measurements.yaml");
    this.encountersFile = readRuleFile("encounters.yaml");
  }

  /** The whole document, lines ending in {@code \n}. */
  public String render() {
    StringBuilder md = new StringBuilder();
    header(md);
    measurements(md);
    unitSpellings(md);
    devices(md);
    diagnoses(md);
    encounters(md);
    codeSystems(md);
    derivedPlaceholder(md);
    decisions(md);
    return md.toString();
  }

  // ---- sections generated from the rules -----------------------------------------------------

  private void header(StringBuilder md) {
    md.append("# ShockReg data dictionary (as implemented)\n\n")
        .append("<!-- GENERATED FILE: do not edit by hand. -->\n\n")
        .append(
            "> **Generated** from the built-in mapping rules (`mappings/src/main/resources/shockreg/rules/*.yaml`)\n")
        .append(
            "> by `mappings/src/test/java/org/shockreg/mappings/docs/DataDictionaryMarkdown.java`.\n")
        .append(
            "> Do not edit by hand: change the rule files (or the generator's hand-written \"Decisions\"), then regenerate with\n")
        .append(">\n")
        .append("> `")
        .append(REGENERATE)
        .append("`\n")
        .append(">\n")
        .append("> `DataDictionaryDocTest` fails the build while this file is out of date.\n\n")
        .append(
            "The contract this implements is the project's clinical data dictionary; this file shows the\n")
        .append(
            "registry's own rendering of it. Registry code systems: RV = `https://fhir.shockreg.org/CodeSystem/registry-variable`,\n")
        .append(
            "DEV = `https://fhir.shockreg.org/CodeSystem/tmcs-device`, diagnosis categories =\n")
        .append(
            "`https://fhir.shockreg.org/CodeSystem/diagnosis-category`, flags = `https://fhir.shockreg.org/CodeSystem/data-flag`.\n")
        .append(
            "Sites add local codes in their own mapping files; those are not part of this document.\n\n");
  }

  private void measurements(StringBuilder md) {
    md.append("## 1. Measurements (source Observation -> curated Observation)\n\n")
        .append(
            "Source codes are listed per code system as `code` [unit it is expected in; `twin` = the code of the same\n")
        .append(
            "analyte in the registry unit, which replaces the source code on the curated Observation after a\n")
        .append(
            "mass <-> molar conversion]. Category codes are from `http://terminology.hl7.org/CodeSystem/observation-category`.\n\n")
        .append(
            "| RV code | meaning | source codes | registry unit | category | plausible range |\n")
        .append("|---|---|---|---|---|---|\n");
    for (VariableRule v : rules.variables().values()) {
      md.append("| `")
          .append(v.variable())
          .append("` | ")
          .append(cell(v.display()))
          .append(" | ")
          .append(codes(v.sources(), true))
          .append(" | `")
          .append(v.unit())
          .append("` | `")
          .append(v.category())
          .append("` | ")
          .append(range(v))
          .append(" |\n");
    }
    md.append(
            "\nValue handling. Every variable: a `valueQuantity` keeps its comparator (`<20`); a `valueRange` is\n")
        .append(
            "stored as its midpoint with the range kept in extension `source-range` (a one-sided range as its bound\n")
        .append(
            "with `>=`/`<=`); a `valueInteger` counts as a value without unit. Per variable:\n\n")
        .append("| RV code | text (`valueString`) | missing unit | unit conversion |\n")
        .append("|---|---|---|---|\n");
    for (VariableRule v : rules.variables().values()) {
      boolean text = Boolean.TRUE.equals(v.parseText());
      boolean assume = Boolean.TRUE.equals(v.assumeUnitWhenMissing());
      md.append("| `")
          .append(v.variable())
          .append("` | ")
          .append(
              text
                  ? "parsed: one number (comparator kept) or a range `a-b` (midpoint, range kept); else rejected `unparseable-text`"
                  : "rejected `text-value`")
          .append(" | ")
          .append(
              assume
                  ? "`" + v.unit() + "` assumed, flagged `unit-assumed`"
                  : "rejected `missing-unit`")
          .append(" | ")
          .append(
              v.molarMass() == null
                  ? "UCUM, commensurable units only"
                  : "UCUM; mass <-> molar with molar mass " + plain(v.molarMass()) + " g/mol")
          .append(" |\n");
    }
    List<String> panels = new ArrayList<>();
    for (JsonNode p : measurementsFile.path("panels")) {
      String system = resolveAlias(measurementsFile, p.path("system").asText());
      panels.add(
          label(system)
              + " `"
              + p.path("code").asText()
              + "`"
              + (p.hasNonNull("display") ? " (" + p.path("display").asText() + ")" : ""));
    }
    md.append(
            "\nPanels (values come in components; one curated Observation per recognised component, the panel\n")
        .append("code itself is never counted as unmapped): ")
        .append(String.join("; ", panels))
        .append(".\n\n");
  }

  private void unitSpellings(StringBuilder md) {
    md.append("## 2. Unit spellings accepted\n\n")
        .append(
            "Mapped to UCUM before conversion: exact match first, then case-insensitive. Any other unit must already\n")
        .append(
            "be valid UCUM, else the resource is rejected (`unknown-unit`). A spelling is not a conversion.\n\n")
        .append("| as sent | UCUM |\n|---|---|\n");
    for (Map.Entry<String, String> a : new TreeMap<>(rules.unitAliases()).entrySet()) {
      md.append("| `")
          .append(cell(a.getKey()))
          .append("` | `")
          .append(cell(a.getValue()))
          .append("` |\n");
    }
    md.append('\n');
  }

  private void devices(StringBuilder md) {
    md.append("## 3. Device therapies (source Procedure -> curated Procedure)\n\n")
        .append(
            "| DEV code | meaning | insertion codes | removal codes | text overrides | tMCS | heart replacement | flags |\n")
        .append("|---|---|---|---|---|---|---|---|\n");
    for (DeviceRule d : rules.devices().values()) {
      md.append("| `")
          .append(d.device())
          .append("` | ")
          .append(cell(d.display()))
          .append(" | ")
          .append(codes(d.insertion(), false))
          .append(" | ")
          .append(codes(d.removal(), false))
          .append(" | ")
          .append(overrides(d.textOverrides()))
          .append(" | ")
          .append(yesNo(d.tmcs()))
          .append(" | ")
          .append(yesNo(d.heartReplacement()))
          .append(" | ")
          .append(
              d.flags() == null || d.flags().isEmpty()
                  ? "-"
                  : d.flags().stream().map(f -> "`" + f + "`").collect(Collectors.joining(", ")))
          .append(" |\n");
    }
    md.append(
            "\nA removal code closes the open therapy of the same device; it never creates a therapy of its own.\n")
        .append(
            "A text override applies when the procedure's `code.text` or a coding's display matches the pattern.\n\n");
  }

  private void diagnoses(StringBuilder md) {
    md.append("## 4. Diagnosis categories (source Condition -> curated Condition)\n\n")
        .append(
            "Codes are compared in upper case without dots (`I21.0` = `I210`). `X.*` matches `X` and every subcode\n")
        .append(
            "(prefix `X`); `O*` matches every code starting with `O` (a whole chapter). Exact codes are looked up\n")
        .append("before prefixes; among either, the first category in this table wins.\n\n")
        .append("| category | meaning | exact codes | prefix rules |\n|---|---|---|---|\n");
    for (DiagnosisCategoryRule c : rules.diagnosisCategories()) {
      List<CodeRef> exact = new ArrayList<>();
      List<CodeRef> prefixes = new ArrayList<>();
      for (CodeRef r : c.codes()) {
        (r.code().endsWith("*") ? prefixes : exact).add(r);
      }
      md.append("| `")
          .append(c.category())
          .append("` | ")
          .append(cell(c.display()))
          .append(" | ")
          .append(codes(exact, false))
          .append(" | ")
          .append(prefixRules(prefixes))
          .append(" |\n");
    }
    md.append('\n');
  }

  private void encounters(StringBuilder md) {
    List<String> icu = new ArrayList<>();
    for (JsonNode t : encountersFile.path("intensive-care-types")) {
      String system = t.path("system").asText();
      icu.add(label(system) + " `" + t.path("code").asText() + "`");
    }
    List<String> classes = new ArrayList<>();
    for (JsonNode c : encountersFile.path("inpatient-classes")) {
      classes.add("`" + c.asText() + "`");
    }
    md.append("## 5. Encounters (source Encounter -> curated Encounter)\n\n")
        .append(
            "- Intensive care (marks CICU arrival): an Encounter whose `type` or `serviceType` carries ")
        .append(String.join(", ", icu))
        .append(".\n")
        .append("- Inpatient stays (frame shock episodes): `class` one of ")
        .append(String.join(", ", classes))
        .append(".\n")
        .append(
            "- Any other Encounter (ambulatory, wellness, ...) is skipped, not curated. The curated Encounter keeps\n")
        .append(
            "  `period`, `class`, `type` as received and `subject`; `entered-in-error`/`cancelled` retracts it.\n\n");
  }

  private void codeSystems(StringBuilder md) {
    md.append("## 6. Code systems named above\n\n| label | system URI |\n|---|---|\n");
    for (Map.Entry<String, String> s : systemsUsed.entrySet()) {
      md.append("| ").append(s.getKey()).append(" | `").append(s.getValue()).append("` |\n");
    }
    md.append('\n');
  }

  // ---- hand-written sections -----------------------------------------------------------------

  private static void derivedPlaceholder(StringBuilder md) {
    md.append("## 7. Derived facts (episodes, etiology, SCAI, outcomes)\n\n")
        .append(
            "> **Placeholder.** Shock episodes, etiology (`cs-etiology`, `hf-cs-ischemic`, `hf-cs-de-novo`), SCAI\n")
        .append(
            "> stages, outcomes and trial eligibility are documented in [`docs/derivations.md`](derivations.md).\n\n");
  }

  private static void decisions(StringBuilder md) {
    md.append("## 8. Decisions\n\n")
        .append(
            "Choices the implementation made where the contract leaves room (see also `docs/intake.md` and\n")
        .append("`docs/fhir-api.md`).\n\n")
        .append("**Codes**\n\n")
        .append(
            "- SNOMED descendants of acute MI (22298006) and heart failure (84114007) are included by default, as a\n")
        .append(
            "  fixed list of the descendants EHRs commonly send (Synthea's among them; see section 4). No terminology\n")
        .append("  server is asked: other descendants need a site mapping.\n")
        .append(
            "- ICD codes are matched without dots and in upper case, so `I21.0`, `I210` and `i21.0` are the same code.\n")
        .append(
            "- Among a resource's codings, the first one a rule knows decides; codes no rule knows are counted per site and\n")
        .append(
            "  code in the unmapped-codes report (`GET /admin/unmapped-codes`), never silently dropped.\n")
        .append("\n**Values and units**\n\n")
        .append(
            "- Units go through UCUM (after the spellings of section 2); mass <-> molar only with the analyte's molar\n")
        .append(
            "  mass. A unit that is not UCUM or cannot be converted rejects the resource to the dead-letter store.\n")
        .append(
            "- Converted values are rounded to 4 decimals (half-up, trailing zeros dropped); values already in the\n")
        .append("  registry unit are kept exactly as sent.\n")
        .append(
            "- A unit spelling (`mmHg`, `mmol/l`, `bpm`) is not counted as a conversion: no `original-quantity` is added.\n")
        .append("  Any real change of unit keeps the value as received in extension\n")
        .append(
            "  `https://fhir.shockreg.org/StructureDefinition/original-quantity`; the LOINC twin replaces the source\n")
        .append("  code only after a mass <-> molar conversion.\n")
        .append(
            "- LVEF given as a range is stored as its midpoint, with the range kept in extension\n")
        .append(
            "  `https://fhir.shockreg.org/StructureDefinition/source-range`; a comparator (`<20`) is kept with the\n")
        .append(
            "  bound. LVEF text (\"EF 25%\", \"25-30 %\", \"30%-35%\") is parsed the same way; text with no number, or more\n")
        .append(
            "  numbers than a range, is rejected (`unparseable-text`). Text without `%` counts as a missing unit.\n")
        .append(
            "- A missing unit is accepted only where the variable says so (LVEF: `%`), flagged `unit-assumed`.\n")
        .append("- A value outside the plausible range is kept and flagged `implausible`.\n")
        .append("\n**Times and status**\n\n")
        .append(
            "- Source time: `effectiveDateTime`, else `effectivePeriod.start`, else `effectiveInstant`, else `issued`;\n")
        .append(
            "  stored as UTC instants. A time without an offset is read in the site's time zone (its mapping file's\n")
        .append("  `time-zone`, else UTC).\n")
        .append(
            "- **Partial dates keep their precision.** Every curated time taken from a source date (measurement\n")
        .append(
            "  time; therapy start, end, performed time and removal; diagnosis onset, recorded date, abatement;\n")
        .append(
            "  encounter start and end; death; randomization) is stored with its precision beside it (column\n")
        .append(
            "  `<time>_precision`: `year`, `month`, `day` or `minute`; null = seconds or finer, as all rows\n")
        .append(
            "  curated before). A year, month or date is a period: the stored instant is its start in the site's\n")
        .append(
            "  time zone, and the API serves it back as the FHIR date the source sent (`2026`, `2026-03`,\n")
        .append(
            "  `2026-03-04`: the calendar of the site's zone, not shifted to UTC). Times of day are served as UTC\n")
        .append("  instants as before.\n")
        .append(
            "- Date-only times are flagged `needs-review` where the registry would otherwise read them as a\n")
        .append(
            "  moment: a measurement time, a therapy start and an encounter start given only as a date, and a\n")
        .append(
            "  cardiogenic-shock diagnosis without a time of day (onset, or recorded date not before the onset\n")
        .append(
            "  date). Derivations never use such a time in a window of hours (docs/derivations.md, \"Dates without\n")
        .append("  a time of day\").\n")
        .append(
            "- Missing time -> `needs-review`: a measurement with no time, a therapy with no start, a diagnosis with\n")
        .append(
            "  neither onset nor recorded date and an encounter with no start are curated and flagged `needs-review`.\n")
        .append(
            "  A removal with no time is rejected (`missing-time`): it could not close anything.\n")
        .append(
            "- Observations: `final`, `amended`, `corrected` curated; `preliminary` curated and flagged; `entered-in-error`\n")
        .append(
            "  and `cancelled` retract; other statuses are skipped. Procedures: `completed`, `in-progress`, `stopped`\n")
        .append(
            "  curated; `entered-in-error`, `not-done` retract. Conditions: verification `entered-in-error` or\n")
        .append("  `refuted` retracts.\n")
        .append("\n**Devices**\n\n")
        .append(
            "- A removal closes the open therapy of the same device and patient that started at or before it, with the\n")
        .append(
            "  earliest such removal, whichever of the two arrives first; a retracted removal reopens the therapy.\n")
        .append(
            "- `vad-unspecified` counts as tMCS of unknown type and is flagged `needs-review` until a site mapping\n")
        .append("  names the device.\n")
        .append("\n**Identity, versions, provenance**\n\n")
        .append(
            "- Curated ids are deterministic keyed hashes (HMAC) of site, source type, source id (and variable), so a\n")
        .append(
            "  new version of a source resource lands on the same id and replaces its fact; resending identical\n")
        .append("  content (compared without `meta`) changes nothing.\n")
        .append(
            "- The newest version counts: versions are ordered by `meta.versionId` (numerically, when both are whole\n")
        .append(
            "  numbers), else by `meta.lastUpdated` (as instants), else by arrival. An older version (late, anywhere in a\n")
        .append(
            "  history Bundle, or replayed) is kept in the raw store and counted `skipped`: it never replaces the fact of\n")
        .append("  a newer one (docs/intake.md).\n")
        .append(
            "- Patients are pseudonyms with sex and birth year only; the pseudonym -> source link stays hospital-side.\n")
        .append(
            "- `Provenance` (admin only): one per curated fact, id `obs-|proc-|cond-|enc-|pat-<curated id>`, naming the\n")
        .append(
            "  source resource as `entity.what.identifier` (system `https://fhir.shockreg.org/sid/source/<site>`, value\n")
        .append(
            "  `<type>/<id>/_history/<version>`), `recorded` = when that version was received. A curated Patient's\n")
        .append(
            "  Provenance names the type, site and version of its source but never the source id.\n");
  }

  // ---- helpers -------------------------------------------------------------------------------

  private String codes(List<CodeRef> refs, boolean withUnits) {
    if (refs == null || refs.isEmpty()) {
      return "-";
    }
    Map<String, List<String>> bySystem = new LinkedHashMap<>();
    for (CodeRef r : refs) {
      StringBuilder c = new StringBuilder("`").append(cell(r.code())).append('`');
      List<String> notes = new ArrayList<>();
      if (withUnits && r.unit() != null) {
        notes.add(r.unit());
      }
      if (r.twin() != null) {
        notes.add("twin `" + r.twin() + "`");
      }
      if (!notes.isEmpty()) {
        c.append(" [").append(cell(String.join("; ", notes))).append(']');
      }
      bySystem.computeIfAbsent(label(r.system()), k -> new ArrayList<>()).add(c.toString());
    }
    return bySystem.entrySet().stream()
        .map(e -> e.getKey() + " " + String.join(", ", e.getValue()))
        .collect(Collectors.joining("; "));
  }

  private String prefixRules(List<CodeRef> prefixes) {
    if (prefixes.isEmpty()) {
      return "-";
    }
    Map<String, List<String>> bySystem = new LinkedHashMap<>();
    for (CodeRef r : prefixes) {
      String code = r.code();
      String prefix = code.substring(0, code.length() - (code.endsWith(".*") ? 2 : 1));
      String text =
          code.endsWith(".*")
              ? "`" + code + "` (`" + prefix + "` and subcodes)"
              : "`" + code + "` (every code starting with `" + prefix + "`)";
      bySystem.computeIfAbsent(label(r.system()), k -> new ArrayList<>()).add(text);
    }
    return bySystem.entrySet().stream()
        .map(e -> e.getKey() + " " + String.join(", ", e.getValue()))
        .collect(Collectors.joining("; "));
  }

  private static String overrides(List<TextOverride> overrides) {
    if (overrides == null || overrides.isEmpty()) {
      return "-";
    }
    return overrides.stream()
        .map(o -> "text matching `" + cell(o.pattern()) + "` -> `" + o.device() + "`")
        .collect(Collectors.joining("; "));
  }

  private static String range(VariableRule v) {
    if (v.plausible() == null) {
      return "-";
    }
    String low = v.plausible().low() == null ? "" : plain(v.plausible().low());
    String high = v.plausible().high() == null ? "" : plain(v.plausible().high());
    return low + " to " + high;
  }

  private static String plain(BigDecimal d) {
    return d.stripTrailingZeros().toPlainString();
  }

  private static String yesNo(Boolean b) {
    return Boolean.TRUE.equals(b) ? "yes" : "no";
  }

  private String label(String system) {
    String label = SYSTEM_LABELS.getOrDefault(system, system);
    systemsUsed.put(label, system);
    return label;
  }

  /** Escapes what would break a Markdown table cell. */
  private static String cell(String s) {
    return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
  }

  private static String resolveAlias(JsonNode file, String system) {
    JsonNode alias = file.path("systems").path(system);
    return alias.isTextual() ? alias.asText() : system;
  }

  private static JsonNode readRuleFile(String name) {
    try (InputStream in = RuleSetLoader.class.getResourceAsStream("/shockreg/rules/" + name)) {
      if (in == null) {
        throw new IllegalStateException("rule file missing from the classpath: " + name);
      }
      return new ObjectMapper(new YAMLFactory()).readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
