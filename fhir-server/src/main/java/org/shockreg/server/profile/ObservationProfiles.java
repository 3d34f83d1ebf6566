package org.shockreg.server.profile;

import static org.shockreg.server.fhir.RegistryCodeSystems.*;
import static org.shockreg.server.profile.ProfileElements.*;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.ElementDefinition.DiscriminatorType;
import org.hl7.fhir.r4.model.ElementDefinition.SlicingRules;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.UriType;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.server.profile.RegistryProfiles.DerivedVariable;

/**
 * One Observation profile per registry variable, derived from the base Observation profile:
 * measurements from the rule file's variables (code, unit, category, source codes as mappings) and
 * the derived facts (value kind, tagged derived, the facts they rest on).
 */
final class ObservationProfiles {

  private static final String LOINC = "http://loinc.org";
  private static final String SNOMED = "http://snomed.info/sct";

  private final String version;

  ObservationProfiles(String version) {
    this.version = version;
  }

  /** A measurement profile per variable, then a profile per derived fact. */
  List<StructureDefinition> build(Collection<VariableRule> variables) {
    List<StructureDefinition> out = new ArrayList<>();
    for (VariableRule v : variables) {
      out.add(measurement(v));
    }
    for (DerivedVariable d : RegistryProfiles.DERIVED) {
      out.add(derived(d));
    }
    return out;
  }

  /** Fixes the code of the base profile's registry-variable slice. */
  private static void registryVariable(StructureDefinition sd, String variable, String display) {
    ElementDefinition slice = element(sd, "Observation.code.coding:registryVariable");
    slice.setSliceName("registryVariable").setShort(display);
    element(sd, "Observation.code.coding:registryVariable.code").setFixed(new CodeType(variable));
  }

  private StructureDefinition measurement(VariableRule v) {
    String pascal = pascal(v.variable());
    StructureDefinition sd =
        definition(
            version,
            RegistryProfiles.observation(v.variable()),
            "ShockRegObservation" + pascal,
            v.display() + " (registry measurement)",
            "Curated measurement of registry variable "
                + v.variable()
                + " ("
                + v.display()
                + ") in "
                + v.unit()
                + (v.category() == null ? "" : ", category " + v.category())
                + ". Source codes: "
                + sourceCodes(v)
                + " (rule file measurements.yaml).",
            "Observation",
            RegistryProfiles.OBSERVATION);
    Map<String, String> mappings = mappingIdentities(sd, v);
    extensionSlicing(sd, "Observation.extension");
    extensionSlice(sd, "Observation.extension", "originalQuantity", ORIGINAL_QUANTITY, "1");
    extensionSlice(sd, "Observation.extension", "sourceRange", SOURCE_RANGE, "1");
    if (v.category() != null) {
      ElementDefinition category = element(sd, "Observation.category").setMin(1).setMax("1");
      category.setPattern(
          new CodeableConcept().addCoding(new Coding(OBSERVATION_CATEGORY, v.category(), null)));
    }
    ElementDefinition code = element(sd, "Observation.code");
    code.setComment("Source codings that feed " + v.variable() + ": " + sourceCodes(v));
    mappings.forEach((identity, codes) -> code.addMapping().setIdentity(identity).setMap(codes));
    registryVariable(sd, v.variable(), v.display());
    ElementDefinition value = element(sd, "Observation.value[x]").setMin(1);
    type(value, "Quantity");
    element(sd, "Observation.value[x].value").setMin(1);
    element(sd, "Observation.value[x].unit").setMin(1);
    element(sd, "Observation.value[x].system").setMin(1).setFixed(new UriType(UCUM));
    element(sd, "Observation.value[x].code").setMin(1).setFixed(new CodeType(v.unit()));
    prohibited(sd, "Observation.derivedFrom", "A measurement is taken from a source, not derived.");
    prohibited(sd, "Observation.component", "Panels are split into one Observation per component.");
    return sd;
  }

  /** The source codes by system, declared as the profile's mappings (LOINC, SNOMED CT, others). */
  private static Map<String, String> mappingIdentities(StructureDefinition sd, VariableRule v) {
    Map<String, List<String>> bySystem = new LinkedHashMap<>();
    for (CodeRef c : v.sources()) {
      bySystem.computeIfAbsent(c.system(), s -> new ArrayList<>()).add(c.code());
    }
    Map<String, String> out = new LinkedHashMap<>();
    int other = 0;
    for (Map.Entry<String, List<String>> e : bySystem.entrySet()) {
      String identity;
      String name;
      if (LOINC.equals(e.getKey())) {
        identity = "loinc";
        name = "LOINC";
      } else if (SNOMED.equals(e.getKey())) {
        identity = "sct";
        name = "SNOMED CT";
      } else {
        identity = "source" + (++other);
        name = e.getKey();
      }
      sd.addMapping().setIdentity(identity).setUri(e.getKey()).setName(name);
      out.put(identity, String.join(" | ", e.getValue()));
    }
    return out;
  }

  private static String sourceCodes(VariableRule v) {
    return v.sources().stream()
        .map(
            c ->
                (LOINC.equals(c.system())
                        ? "LOINC "
                        : SNOMED.equals(c.system()) ? "SNOMED " : c.system() + " ")
                    + c.code())
        .collect(Collectors.joining(", "));
  }

  private StructureDefinition derived(DerivedVariable d) {
    StructureDefinition sd =
        definition(
            version,
            RegistryProfiles.observation(d.variable()),
            "ShockRegObservation" + pascal(d.variable()),
            d.display() + " (derived)",
            "Derived fact "
                + d.variable()
                + " ("
                + d.display()
                + "): computed by the registry per shock"
                + " episode from other curated facts, tagged derived, with the facts it rests on"
                + " (docs/derivations.md).",
            "Observation",
            RegistryProfiles.OBSERVATION);
    ElementDefinition tag = element(sd, "Observation.meta.tag");
    tag.getSlicing()
        .setRules(SlicingRules.OPEN)
        .addDiscriminator()
        .setType(DiscriminatorType.VALUE)
        .setPath("code");
    tag.getSlicing().addDiscriminator().setType(DiscriminatorType.VALUE).setPath("system");
    tag.setMin(1);
    ElementDefinition derivedTag = element(sd, "Observation.meta.tag:derived");
    derivedTag.setSliceName("derived").setMin(1).setMax("1").setShort("Tagged derived");
    element(sd, "Observation.meta.tag:derived.system").setMin(1).setFixed(new UriType(DATA_FLAG));
    element(sd, "Observation.meta.tag:derived.code").setMin(1).setFixed(new CodeType("derived"));
    registryVariable(sd, d.variable(), d.display());
    ElementDefinition value = element(sd, "Observation.value[x]").setMin(1);
    if (d.value() == RegistryProfiles.ValueKind.CODED) {
      type(value, "CodeableConcept");
      element(sd, "Observation.value[x].coding").setMin(1).setMax("1");
      element(sd, "Observation.value[x].coding.system")
          .setMin(1)
          .setFixed(new UriType(d.valueSystem()));
      element(sd, "Observation.value[x].coding.code").setMin(1);
    } else if (d.value() == RegistryProfiles.ValueKind.QUANTITY) {
      type(value, "Quantity");
      element(sd, "Observation.value[x].system").setMin(1).setFixed(new UriType(UCUM));
      element(sd, "Observation.value[x].code").setMin(1).setFixed(new CodeType(d.valueSystem()));
    } else {
      type(value, "boolean");
    }
    element(sd, "Observation.derivedFrom")
        .setMustSupport(true)
        .setShort("The curated facts the value rests on");
    if (RegistryProfiles.ELIGIBILITY.equals(d.variable())) {
      element(sd, "Observation.component")
          .setMustSupport(true)
          .setShort(
              "One per criterion: status (criterion-status) with its evidence; the window as a Period");
    } else {
      prohibited(sd, "Observation.component", "A derived fact has a single value.");
    }
    return sd;
  }
}
