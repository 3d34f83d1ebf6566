package org.shockreg.server.profile;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.junit.jupiter.api.Test;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.Range;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.RuleSetLoader;

/** Profiles are generated from the rules: a variable added as data gets its own profile. */
class ProfileBuilderTest {

  static final VariableRule SPO2 =
      new VariableRule(
          "spo2",
          "Oxygen saturation",
          "%",
          "vital-signs",
          new Range(BigDecimal.valueOf(50), BigDecimal.valueOf(100)),
          null,
          null,
          null,
          List.of(new CodeRef("http://loinc.org", "2708-6", null, null, null)));

  @Test
  void aVariableAddedToTheRules_getsAMeasurementProfileWithItsCodeUnitAndCategory() {
    RuleSet rules = new RuleSetLoader().loadBuiltIn();
    List<VariableRule> variables = new ArrayList<>(rules.variables().values());
    variables.add(SPO2);
    List<StructureDefinition> differentials =
        new ProfileBuilder(variables, rules.version()).build();
    Map<String, StructureDefinition> profiles =
        ProfileCatalog.withSnapshots(FhirContext.forR4Cached(), differentials);

    StructureDefinition spo2 = profiles.get("shockreg-observation-spo2");
    assertThat(spo2.getUrl()).isEqualTo(RegistryProfiles.observation("spo2"));
    assertThat(spo2.getBaseDefinition()).isEqualTo(RegistryProfiles.OBSERVATION);
    assertThat(spo2.getVersion()).isEqualTo(rules.version());
    assertThat(
            snapshot(spo2, "Observation.code.coding:registryVariable.code")
                .orElseThrow()
                .getFixed()
                .primitiveValue())
        .isEqualTo("spo2");
    assertThat(
            snapshot(spo2, "Observation.code.coding:registryVariable.system")
                .orElseThrow()
                .getFixed()
                .primitiveValue())
        .isEqualTo("https://fhir.shockreg.org/CodeSystem/registry-variable");
    assertThat(
            snapshot(spo2, "Observation.value[x].code").orElseThrow().getFixed().primitiveValue())
        .isEqualTo("%");
    ElementDefinition category = snapshot(spo2, "Observation.category").orElseThrow();
    assertThat(category.getMin()).isEqualTo(1);
    assertThat(((CodeableConcept) category.getPattern()).getCodingFirstRep().getCode())
        .isEqualTo("vital-signs");
    assertThat(snapshot(spo2, "Observation.code").orElseThrow().getMapping())
        .anyMatch(m -> m.getIdentity().equals("loinc") && m.getMap().equals("2708-6"));
    // inherited from the base profile: the subject is a registry patient
    assertThat(
            snapshot(spo2, "Observation.subject")
                .orElseThrow()
                .getTypeFirstRep()
                .getTargetProfile())
        .extracting(t -> t.getValue())
        .containsExactly(RegistryProfiles.PATIENT);

    // every built-in variable and derived fact has its profile, each with a snapshot
    for (String variable : rules.variables().keySet()) {
      assertThat(profiles).containsKey("shockreg-observation-" + variable);
    }
    for (RegistryProfiles.DerivedVariable d : RegistryProfiles.DERIVED) {
      assertThat(profiles).containsKey("shockreg-observation-" + d.variable());
    }
    assertThat(profiles.values()).allMatch(StructureDefinition::hasSnapshot);
    assertThat(profiles)
        .containsKeys(
            "shockreg-patient",
            "shockreg-device-therapy",
            "shockreg-diagnosis",
            "shockreg-encounter",
            "original-quantity",
            "source-range",
            "heart-replacement-therapy");
  }

  static Optional<ElementDefinition> snapshot(StructureDefinition sd, String id) {
    return sd.getSnapshot().getElement().stream().filter(e -> id.equals(e.getId())).findFirst();
  }
}
