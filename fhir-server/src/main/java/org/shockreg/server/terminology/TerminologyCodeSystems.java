package org.shockreg.server.terminology;

import static org.shockreg.server.terminology.RegistryTerminology.CODE_SYSTEM_BASE;
import static org.shockreg.server.terminology.RegistryTerminology.PUBLISHER;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeSystem.CodeSystemContentMode;
import org.hl7.fhir.r4.model.CodeSystem.ConceptDefinitionComponent;
import org.hl7.fhir.r4.model.CodeSystem.PropertyComponent;
import org.hl7.fhir.r4.model.CodeSystem.PropertyType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.StringType;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleFiles.DiagnosisCategoryRule;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.registry.study.StudyDefinition;

/**
 * The registry's CodeSystems: variables, devices and diagnosis categories from the rule files, the
 * fixed codes ({@link FixedCodes}), and the studies' criteria and arms.
 */
final class TerminologyCodeSystems {

  private final RuleSet rules;

  TerminologyCodeSystems(RuleSet rules) {
    this.rules = rules;
  }

  /** Every CodeSystem, in the order they are listed. */
  List<CodeSystem> build(Collection<StudyDefinition> studies) {
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
    return List.of(
        registryVariables(),
        devices(),
        fixed(
            "cs-etiology",
            "CardiogenicShockEtiology",
            "Cardiogenic shock etiology",
            "Etiology of a shock episode (data-dictionary.md section 3).",
            FixedCodes.ETIOLOGIES),
        fixed(
            "scai-stage",
            "ScaiStage",
            "SCAI shock stage",
            "SCAI SHOCK stage as the registry operationalises it (data-dictionary.md section 3).",
            FixedCodes.SCAI_STAGES),
        fixed(
            "data-flag",
            "DataFlag",
            "Data quality flags",
            "Flags on curated facts, in meta.tag (data-dictionary.md section 1).",
            FixedCodes.DATA_FLAGS),
        diagnosisCategories(),
        fixed(
            "criterion-status",
            "CriterionStatus",
            "Eligibility criterion status",
            "The status of one eligibility criterion for a shock episode (data-dictionary.md section 4).",
            FixedCodes.CRITERION_STATUSES),
        fixed(
            "endpoint-outcome",
            "EndpointOutcome",
            "Endpoint outcome",
            "The primary endpoint of a randomized subject (data-dictionary.md section 4).",
            FixedCodes.ENDPOINT_OUTCOMES),
        fixed(
            "protocol-deviation",
            "ProtocolDeviation",
            "Protocol deviation",
            "Protocol deviations the registry derives for randomized subjects (docs/trials.md).",
            FixedCodes.PROTOCOL_DEVIATIONS),
        fixed(
            "eligibility-criterion",
            "EligibilityCriterion",
            "Eligibility criterion",
            "The eligibility criteria of the registry's studies, by key (study definitions, docs/trials.md).",
            criteria),
        fixed("trial-arm", "TrialArm", "Trial arm", "The arms of the registry's studies.", arms));
  }

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

  private static PropertyComponent property(
      CodeSystem cs, String code, PropertyType type, String description) {
    return cs.addProperty().setCode(code).setType(type).setDescription(description);
  }

  private CodeSystem registryVariables() {
    CodeSystem cs =
        codeSystem(
            "registry-variable",
            "RegistryVariable",
            "ShockReg registry variables",
            "The registry's variables (RV): measurements (data-dictionary.md section 1, from the"
                + " rule file measurements.yaml) and derived facts (sections 3 and 4).");
    property(cs, "unit", PropertyType.STRING, "Registry unit (UCUM) of a measurement");
    property(cs, "category", PropertyType.CODE, "Observation category of the curated Observation")
        .setUri("http://terminology.hl7.org/CodeSystem/observation-category");
    property(
        cs,
        "derived",
        PropertyType.BOOLEAN,
        "True when the registry derives the value rather than taking it from a source");
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
    FixedCodes.DERIVED_VARIABLES.forEach(
        (code, display) ->
            concept(cs, code, display)
                .addProperty()
                .setCode("derived")
                .setValue(new BooleanType(true)));
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
    property(
        cs,
        "tmcs",
        PropertyType.BOOLEAN,
        "Counts as temporary mechanical circulatory support for shock");
    property(
        cs,
        "heart-replacement",
        PropertyType.BOOLEAN,
        "A heart replacement therapy (durable LVAD, transplant)");
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
}
