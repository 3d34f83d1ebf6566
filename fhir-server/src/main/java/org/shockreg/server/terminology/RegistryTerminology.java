package org.shockreg.server.terminology;

import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeSystem.CodeSystemContentMode;
import org.hl7.fhir.r4.model.CodeSystem.ConceptDefinitionComponent;
import org.hl7.fhir.r4.model.CodeSystem.PropertyType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.ConceptMap.ConceptMapGroupComponent;
import org.hl7.fhir.r4.model.ConceptMap.SourceElementComponent;
import org.hl7.fhir.r4.model.ConceptMap.TargetElementComponent;
import org.hl7.fhir.r4.model.Enumerations.ConceptMapEquivalence;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.StringType;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleFiles.DiagnosisCategoryRule;
import org.shockreg.mappings.rules.RuleFiles.SiteDevice;
import org.shockreg.mappings.rules.RuleFiles.SiteDiagnosis;
import org.shockreg.mappings.rules.RuleFiles.SiteLocation;
import org.shockreg.mappings.rules.RuleFiles.SiteMeasurement;
import org.shockreg.mappings.rules.RuleFiles.TextOverride;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.SiteRules;

/**
 * The registry's terminology as FHIR R4 resources, built from a {@link RuleSet}: CodeSystems for
 * the registry's own codes (variables, devices and diagnosis categories come from the rule files;
 * only the codes the rule files do not hold are listed here) and ConceptMaps for the built-in rule
 * files and each site's local codes. One instance per rule set: a reload builds a new one.
 */
final class RegistryTerminology {

  static final String BASE = "https://fhir.shockreg.org";
  static final String CODE_SYSTEM_BASE = BASE + "/CodeSystem/";
  static final String CONCEPT_MAP_BASE = BASE + "/ConceptMap/";
  static final String REGISTRY_VARIABLE = CODE_SYSTEM_BASE + "registry-variable";
  static final String TMCS_DEVICE = CODE_SYSTEM_BASE + "tmcs-device";
  static final String DIAGNOSIS_CATEGORY = CODE_SYSTEM_BASE + "diagnosis-category";
  static final String ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
  static final String PUBLISHER = "ShockReg";

  /** Registry variables that are derived, not measured (data-dictionary.md sections 3 and 4). */
  static final Map<String, String> DERIVED_VARIABLES = ordered(
      "cs-etiology", "Cardiogenic shock etiology",
      "hf-cs-ischemic", "HF-CS of ischemic origin",
      "hf-cs-de-novo", "De novo HF-CS",
      "scai-stage", "SCAI shock stage",
      "eligibility", "Trial eligibility",
      "primary-endpoint-60d", "Primary endpoint at day 60",
      "hours-diagnosis-to-randomization", "Hours from shock diagnosis to randomization",
      "hours-cicu-to-randomization", "Hours from CICU arrival to randomization",
      "hours-randomization-to-intervention", "Hours from randomization to the study intervention",
      "tmcs-escalation", "Control-arm escalation to tMCS",
      "protocol-deviation", "Protocol deviation");

  static final Map<String, String> CRITERION_STATUSES = ordered(
      "met", "Met: the curated facts satisfy the criterion",
      "not-met", "Not met: the curated facts contradict the criterion",
      "unknown", "Unknown: the facts needed are missing (or the criterion is not automatable)");

  static final Map<String, String> ENDPOINT_OUTCOMES = ordered(
      "success", "Alive at the endpoint day, or durable LVAD / heart transplant before death and by that day",
      "failure", "Dead by the endpoint day without durable LVAD / heart transplant before",
      "incomplete", "Follow-up ends before the endpoint day and no death is recorded");

  static final Map<String, String> PROTOCOL_DEVIATIONS = ordered(
      "late-intervention", "The intervention arm's device did not start within its window after randomization",
      "randomized-after-window", "Randomized after the randomization window closed",
      "duplicate-randomization", "A second randomization of the same shock episode");

  static final Map<String, String> ETIOLOGIES = ordered(
      "ami-cs", "Acute myocardial infarction-related cardiogenic shock",
      "hf-cs", "Heart failure-related cardiogenic shock",
      "other", "Cardiogenic shock of other etiology");

  static final Map<String, String> SCAI_STAGES = ordered(
      "A", "At risk",
      "B", "Beginning",
      "C", "Classic",
      "D", "Deteriorating",
      "E", "Extremis");

  static final Map<String, String> DATA_FLAGS = ordered(
      MappingEngine.FLAG_IMPLAUSIBLE, "Implausible: outside the variable's plausible range; kept, excluded from derivations",
      MappingEngine.FLAG_UNIT_ASSUMED, "Unit assumed: sent without a unit, the variable's one obvious unit was assumed",
      MappingEngine.FLAG_PRELIMINARY, "Preliminary: the source result was preliminary",
      "derived", "Derived: computed by the registry from other curated facts",
      MappingEngine.FLAG_NEEDS_REVIEW, "Needs review: incomplete or unspecific source data (e.g. no time, device type not stated)");

  private final RuleSet rules;
  private final Map<String, CodeSystem> codeSystems = new LinkedHashMap<>();
  private final Map<String, ConceptMap> conceptMaps = new LinkedHashMap<>();

  RegistryTerminology(RuleSet rules, java.util.Collection<StudyDefinition> studies) {
    this.rules = rules;
    Map<String, String> criteria = new LinkedHashMap<>();
    Map<String, String> arms = new LinkedHashMap<>();
    for (StudyDefinition study : studies) {
      for (StudyDefinition.Criterion c : study.criteria()) {
        criteria.putIfAbsent(c.key(), c.description() != null ? c.description() : c.key());
      }
      for (StudyDefinition.Arm a : study.arms()) {
        arms.putIfAbsent(a.code(), a.name() != null ? a.name() : a.code());
      }
    }
    add(registryVariables());
    add(devices());
    add(fixed("cs-etiology", "CardiogenicShockEtiology", "Cardiogenic shock etiology",
        "Etiology of a shock episode (data-dictionary.md section 3).", ETIOLOGIES));
    add(fixed("scai-stage", "ScaiStage", "SCAI shock stage",
        "SCAI SHOCK stage as the registry operationalises it (data-dictionary.md section 3).",
        SCAI_STAGES));
    add(fixed("data-flag", "DataFlag", "Data quality flags",
        "Flags on curated facts, in meta.tag (data-dictionary.md section 1).", DATA_FLAGS));
    add(diagnosisCategories());
    add(fixed("criterion-status", "CriterionStatus", "Eligibility criterion status",
        "The status of one eligibility criterion for a shock episode (data-dictionary.md section 4).",
        CRITERION_STATUSES));
    add(fixed("endpoint-outcome", "EndpointOutcome", "Endpoint outcome",
        "The primary endpoint of a randomized subject (data-dictionary.md section 4).", ENDPOINT_OUTCOMES));
    add(fixed("protocol-deviation", "ProtocolDeviation", "Protocol deviation",
        "Protocol deviations the registry derives for randomized subjects (docs/trials.md).", PROTOCOL_DEVIATIONS));
    add(fixed("eligibility-criterion", "EligibilityCriterion", "Eligibility criterion",
        "The eligibility criteria of the registry's studies, by key (study definitions, docs/trials.md).",
        criteria));
    add(fixed("trial-arm", "TrialArm", "Trial arm", "The arms of the registry's studies.", arms));
    add(builtInMeasurements());
    add(builtInDevices());
    add(builtInDiagnoses());
    for (SiteRules site : rules.sites().values()) {
      if (site.size() > 0) {
        add(site(site));
      }
    }
  }

  RuleSet rules() {
    return rules;
  }

  List<CodeSystem> codeSystems() {
    return List.copyOf(codeSystems.values());
  }

  Optional<CodeSystem> codeSystem(String id) {
    return Optional.ofNullable(codeSystems.get(id));
  }

  List<ConceptMap> conceptMaps() {
    return List.copyOf(conceptMaps.values());
  }

  Optional<ConceptMap> conceptMap(String id) {
    return Optional.ofNullable(conceptMaps.get(id));
  }

  /** The ConceptMap id of a site's local codes. */
  static String siteConceptMapId(String siteId) {
    return "site-" + siteId;
  }

  private void add(CodeSystem cs) {
    codeSystems.put(cs.getIdElement().getIdPart(), cs);
  }

  private void add(ConceptMap cm) {
    conceptMaps.put(cm.getIdElement().getIdPart(), cm);
  }

  // ---- CodeSystems --------------------------------------------------------------------------

  private CodeSystem codeSystem(String id, String name, String title, String description) {
    CodeSystem cs = new CodeSystem();
    cs.setId(id);
    cs.setUrl(CODE_SYSTEM_BASE + id);
    cs.setVersion(rules.version());
    cs.setName(name);
    cs.setTitle(title);
    cs.setStatus(PublicationStatus.ACTIVE);
    cs.setExperimental(false);
    cs.setPublisher(PUBLISHER);
    cs.setDescription(description);
    cs.setCaseSensitive(true);
    cs.setContent(CodeSystemContentMode.COMPLETE);
    return cs;
  }

  private static ConceptDefinitionComponent concept(CodeSystem cs, String code, String display) {
    ConceptDefinitionComponent c = cs.addConcept().setCode(code).setDisplay(display);
    cs.setCount(cs.getConcept().size());
    return c;
  }

  private CodeSystem registryVariables() {
    CodeSystem cs =
        codeSystem(
            "registry-variable",
            "RegistryVariable",
            "ShockReg registry variables",
            "The registry's variables (RV): measurements (data-dictionary.md section 1, from the"
                + " rule file measurements.yaml) and derived facts (sections 3 and 4).");
    cs.addProperty().setCode("unit").setType(PropertyType.STRING)
        .setDescription("Registry unit (UCUM) of a measurement");
    cs.addProperty().setCode("category").setType(PropertyType.CODE)
        .setUri("http://terminology.hl7.org/CodeSystem/observation-category")
        .setDescription("Observation category of the curated Observation");
    cs.addProperty().setCode("derived").setType(PropertyType.BOOLEAN)
        .setDescription("True when the registry derives the value rather than taking it from a source");
    for (VariableRule v : rules.variables().values()) {
      ConceptDefinitionComponent c = concept(cs, v.variable(), v.display());
      if (v.unit() != null) {
        c.addProperty().setCode("unit").setValue(new StringType(v.unit()));
      }
      if (v.category() != null) {
        c.addProperty().setCode("category").setValue(new CodeType(v.category()));
      }
      c.addProperty().setCode("derived").setValue(new BooleanType(false));
    }
    DERIVED_VARIABLES.forEach(
        (code, display) ->
            concept(cs, code, display).addProperty().setCode("derived").setValue(new BooleanType(true)));
    return cs;
  }

  private CodeSystem devices() {
    CodeSystem cs =
        codeSystem(
            "tmcs-device",
            "TmcsDevice",
            "Device therapies (tMCS and heart replacement)",
            "Temporary mechanical circulatory support devices and heart replacement therapies"
                + " (DEV, data-dictionary.md section 2, from the rule file devices.yaml).");
    cs.addProperty().setCode("tmcs").setType(PropertyType.BOOLEAN)
        .setDescription("Counts as temporary mechanical circulatory support for shock");
    cs.addProperty().setCode("heart-replacement").setType(PropertyType.BOOLEAN)
        .setDescription("A heart replacement therapy (durable LVAD, transplant)");
    for (DeviceRule d : rules.devices().values()) {
      ConceptDefinitionComponent c = concept(cs, d.device(), d.display());
      c.addProperty().setCode("tmcs").setValue(new BooleanType(Boolean.TRUE.equals(d.tmcs())));
      c.addProperty()
          .setCode("heart-replacement")
          .setValue(new BooleanType(Boolean.TRUE.equals(d.heartReplacement())));
    }
    return cs;
  }

  private CodeSystem diagnosisCategories() {
    CodeSystem cs =
        codeSystem(
            "diagnosis-category",
            "DiagnosisCategory",
            "Diagnosis categories",
            "The registry's diagnosis categories (data-dictionary.md sections 3 and 4, from the rule"
                + " file diagnoses.yaml).");
    for (DiagnosisCategoryRule r : rules.diagnosisCategories()) {
      concept(cs, r.category(), r.display());
    }
    return cs;
  }

  private CodeSystem fixed(
      String id, String name, String title, String description, Map<String, String> concepts) {
    CodeSystem cs = codeSystem(id, name, title, description);
    concepts.forEach((code, display) -> concept(cs, code, display));
    return cs;
  }

  // ---- ConceptMaps --------------------------------------------------------------------------

  private ConceptMap conceptMap(String id, String name, String title, String description, String version) {
    ConceptMap cm = new ConceptMap();
    cm.setId(id);
    cm.setUrl(CONCEPT_MAP_BASE + id);
    cm.setVersion(version);
    cm.setName(name);
    cm.setTitle(title);
    cm.setStatus(PublicationStatus.ACTIVE);
    cm.setExperimental(false);
    cm.setPublisher(PUBLISHER);
    cm.setDescription(description);
    return cm;
  }

  /** Groups by (source system, target system), in order of first use. */
  private static final class Groups {
    final ConceptMap map;
    final Map<String, ConceptMapGroupComponent> groups = new LinkedHashMap<>();

    Groups(ConceptMap map) {
      this.map = map;
    }

    TargetElementComponent add(
        String sourceSystem,
        String code,
        String display,
        String targetSystem,
        String targetCode,
        String targetDisplay,
        ConceptMapEquivalence equivalence,
        String comment) {
      ConceptMapGroupComponent g =
          groups.computeIfAbsent(
              sourceSystem + "\u0000" + targetSystem,
              k -> {
                ConceptMapGroupComponent group = map.addGroup();
                if (sourceSystem != null && !sourceSystem.isEmpty()) {
                  group.setSource(sourceSystem);
                }
                group.setTarget(targetSystem);
                return group;
              });
      SourceElementComponent e = g.addElement().setCode(code).setDisplay(display);
      return e.addTarget()
          .setCode(targetCode)
          .setDisplay(targetDisplay)
          .setEquivalence(equivalence)
          .setComment(comment);
    }
  }

  private static String unitComment(String sentIn, VariableRule v) {
    if (sentIn == null) {
      return "curated in " + v.unit();
    }
    if (sentIn.equals(v.unit())) {
      return "sent and curated in " + v.unit();
    }
    return "sent in " + sentIn + "; converted to " + v.unit();
  }

  private ConceptMap builtInMeasurements() {
    ConceptMap cm =
        conceptMap(
            "registry-measurements",
            "RegistryMeasurements",
            "Source codes of the registry measurements (built-in)",
            "LOINC and SNOMED CT codes that feed each registry variable, for every site; the unit a"
                + " code comes in and the registry unit are in each target's comment."
                + " Source: rule file measurements.yaml.",
            rules.version());
    Groups groups = new Groups(cm);
    for (VariableRule v : rules.variables().values()) {
      for (CodeRef c : v.sources()) {
        String comment = unitComment(c.unit(), v);
        if (c.twin() != null) {
          comment += "; the code is replaced by its twin " + c.twin() + " after conversion";
        }
        groups.add(c.system(), c.code(), c.display(), REGISTRY_VARIABLE, v.variable(), v.display(),
            ConceptMapEquivalence.EQUIVALENT, comment);
      }
    }
    return cm;
  }

  private ConceptMap builtInDevices() {
    ConceptMap cm =
        conceptMap(
            "registry-devices",
            "RegistryDevices",
            "Procedure codes of the device therapies (built-in)",
            "SNOMED CT, CPT, ICD-10-PCS and NCDR procedure codes of each device therapy, for every"
                + " site; insertion or removal in each target's comment. Source: rule file"
                + " devices.yaml.",
            rules.version());
    Groups groups = new Groups(cm);
    for (DeviceRule d : rules.devices().values()) {
      String insertion = "insertion" + deviceNotes(d);
      for (CodeRef c : d.insertion()) {
        groups.add(c.system(), c.code(), c.display(), TMCS_DEVICE, d.device(), d.display(),
            ConceptMapEquivalence.EQUIVALENT, insertion);
      }
      for (CodeRef c : d.removal()) {
        groups.add(c.system(), c.code(), c.display(), TMCS_DEVICE, d.device(), d.display(),
            ConceptMapEquivalence.RELATEDTO, removal(d.device()));
      }
    }
    return cm;
  }

  private static String deviceNotes(DeviceRule d) {
    StringBuilder b = new StringBuilder();
    if (d.flags() != null && !d.flags().isEmpty()) {
      b.append("; flagged ").append(String.join(", ", d.flags()));
    }
    if (d.textOverrides() != null) {
      for (TextOverride o : d.textOverrides()) {
        b.append("; ").append(o.device()).append(" when the text matches ").append(o.pattern());
      }
    }
    return b.toString();
  }

  private static String removal(String device) {
    return "removal: closes the open " + device + " therapy";
  }

  private ConceptMap builtInDiagnoses() {
    ConceptMap cm =
        conceptMap(
            "registry-diagnoses",
            "RegistryDiagnoses",
            "Diagnosis codes of the registry's diagnosis categories (built-in)",
            "ICD-10(-CM) and SNOMED CT codes of each diagnosis category, for every site. A code"
                + " commented 'and all its subcodes' stands for a whole ICD category. Source: rule"
                + " file diagnoses.yaml.",
            rules.version());
    Groups groups = new Groups(cm);
    for (DiagnosisCategoryRule r : rules.diagnosisCategories()) {
      for (CodeRef c : r.codes()) {
        addDiagnosis(groups, c.system(), c.code(), c.display(), r.category(), null);
      }
    }
    return cm;
  }

  private void addDiagnosis(
      Groups groups, String system, String code, String display, String category, String note) {
    String comment = null;
    String c = code.trim();
    if (c.endsWith(".*")) {
      c = c.substring(0, c.length() - 2);
      comment = "and all its subcodes";
    } else if (c.endsWith("*")) {
      c = c.substring(0, c.length() - 1);
      comment = "every code starting with " + c;
    }
    if (note != null) {
      comment = comment == null ? note : comment + "; " + note;
    }
    groups.add(system, c, display, DIAGNOSIS_CATEGORY, category, categoryDisplay(category),
        ConceptMapEquivalence.WIDER, comment);
  }

  private String categoryDisplay(String category) {
    for (DiagnosisCategoryRule r : rules.diagnosisCategories()) {
      if (r.category().equals(category)) {
        return r.display();
      }
    }
    return null;
  }

  private ConceptMap site(SiteRules site) {
    String id = siteConceptMapId(site.siteId());
    ConceptMap cm =
        conceptMap(
            id,
            "Site" + camel(site.siteId()),
            "Local codes of site " + site.siteId(),
            "Local codes of site "
                + site.siteId()
                + (site.description() == null ? "" : " (" + site.description() + ")")
                + ", from its mapping file "
                + site.file().getFileName()
                + ". They apply to that site's data only and win over the built-in mappings there.",
            site.version());
    cm.setDate(Date.from(site.modified()));
    cm.getMeta().setLastUpdated(Date.from(site.modified()));
    Groups groups = new Groups(cm);
    for (SiteMeasurement m : site.measurements()) {
      VariableRule v = rules.variables().get(m.variable());
      String comment = unitComment(m.unit(), v) + overrides(
          rules.variableFor(m.system(), m.code()).map(b -> b.rule().variable()), m.variable());
      groups.add(m.system(), m.code(), m.display(), REGISTRY_VARIABLE, v.variable(), v.display(),
          ConceptMapEquivalence.EQUIVALENT, comment);
    }
    for (SiteDevice d : site.devices()) {
      DeviceRule rule = rules.devices().get(d.device());
      boolean removal = Boolean.TRUE.equals(d.removal());
      String comment = (removal ? removal(d.device()) : "insertion")
          + overrides(rules.deviceFor(d.system(), d.code()).map(b -> b.rule().device()), d.device());
      groups.add(d.system(), d.code(), d.display(), TMCS_DEVICE, d.device(), rule.display(),
          removal ? ConceptMapEquivalence.RELATEDTO : ConceptMapEquivalence.EQUIVALENT, comment);
    }
    for (SiteDiagnosis d : site.diagnoses()) {
      String note = overrides(rules.diagnosisCategoryFor(d.system(), d.code()), d.category());
      addDiagnosis(groups, d.system(), d.code(), d.display(), d.category(),
          note.isEmpty() ? null : note.substring(2));
    }
    for (CodeRef t : site.intensiveCareTypes()) {
      groups.add(t.system(), t.code(), t.display(), ROLE_CODE, "ICU", "intensive care unit",
          ConceptMapEquivalence.WIDER,
          "Encounter type or service type of an intensive-care (CICU) encounter: its start is CICU arrival");
    }
    for (SiteLocation l : site.intensiveCareLocations()) {
      boolean byId = l.id() != null;
      groups.add(byId ? null : l.system(), byId ? l.id() : l.code(), l.display(), ROLE_CODE, "ICU",
          "intensive care unit", ConceptMapEquivalence.WIDER,
          (byId ? "Location id (Encounter.location = Location/" + l.id() + ")"
                  : "Location identifier in Encounter.location")
              + " of an intensive-care (CICU) unit: the encounter's start is CICU arrival");
    }
    return cm;
  }

  /** "; overrides the built-in mapping to X" when the site maps a built-in code elsewhere. */
  private static String overrides(Optional<String> builtIn, String target) {
    return builtIn.filter(b -> !b.equals(target))
        .map(b -> "; at this site instead of the built-in " + b)
        .orElse("");
  }

  private static String camel(String siteId) {
    StringBuilder b = new StringBuilder();
    for (String part : siteId.split("-")) {
      if (!part.isEmpty()) {
        b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return b.toString();
  }

  private static Map<String, String> ordered(String... pairs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  /** Every ConceptMap's source systems (for searches). */
  static List<String> sourceSystems(ConceptMap cm) {
    List<String> out = new ArrayList<>();
    for (ConceptMapGroupComponent g : cm.getGroup()) {
      if (g.hasSource()) {
        out.add(g.getSource());
      }
    }
    return out;
  }

  /** Every ConceptMap's target systems (for searches). */
  static List<String> targetSystems(ConceptMap cm) {
    List<String> out = new ArrayList<>();
    for (ConceptMapGroupComponent g : cm.getGroup()) {
      if (g.hasTarget()) {
        out.add(g.getTarget());
      }
    }
    return out;
  }
}
