package org.shockreg.server.terminology;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.ConceptMap;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.registry.study.StudyDefinition;

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

  private final RuleSet rules;
  private final Map<String, CodeSystem> codeSystems = new LinkedHashMap<>();
  private final Map<String, ConceptMap> conceptMaps = new LinkedHashMap<>();

  RegistryTerminology(RuleSet rules, Collection<StudyDefinition> studies) {
    this.rules = rules;
    for (CodeSystem cs : new TerminologyCodeSystems(rules).build(studies)) {
      codeSystems.put(cs.getIdElement().getIdPart(), cs);
    }
    for (ConceptMap cm : new TerminologyConceptMaps(rules).build()) {
      conceptMaps.put(cm.getIdElement().getIdPart(), cm);
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
}
