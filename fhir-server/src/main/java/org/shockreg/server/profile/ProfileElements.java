package org.shockreg.server.profile;

import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.ElementDefinition.DiscriminatorType;
import org.hl7.fhir.r4.model.ElementDefinition.SlicingRules;
import org.hl7.fhir.r4.model.Enumerations.FHIRVersion;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.StructureDefinition.StructureDefinitionKind;
import org.hl7.fhir.r4.model.StructureDefinition.TypeDerivationRule;
import org.hl7.fhir.r4.model.UriType;

/**
 * The building blocks of the registry's differentials: a definition's header, elements (slices
 * named in their id), types, references, extension slots and prohibited elements.
 */
final class ProfileElements {

  static final String FHIR_BASE = "http://hl7.org/fhir/StructureDefinition/";
  static final String PUBLISHER = "ShockReg";

  private ProfileElements() {}

  static StructureDefinition definition(
      String version,
      String url,
      String name,
      String title,
      String description,
      String type,
      String baseDefinition) {
    StructureDefinition sd = new StructureDefinition();
    sd.setId(url.substring(url.lastIndexOf('/') + 1));
    sd.setUrl(url);
    sd.setVersion(version);
    sd.setName(name);
    sd.setTitle(title);
    sd.setStatus(PublicationStatus.ACTIVE);
    sd.setExperimental(false);
    sd.setPublisher(PUBLISHER);
    sd.setDescription(description);
    sd.setFhirVersion(FHIRVersion._4_0_1);
    sd.setKind(
        "Extension".equals(type)
            ? StructureDefinitionKind.COMPLEXTYPE
            : StructureDefinitionKind.RESOURCE);
    sd.setAbstract(false);
    sd.setType(type);
    sd.setBaseDefinition(baseDefinition);
    sd.setDerivation(TypeDerivationRule.CONSTRAINT);
    return sd;
  }

  static StructureDefinition profile(
      String version, String url, String name, String title, String description, String type) {
    return definition(version, url, name, title, description, type, FHIR_BASE + type);
  }

  /** A differential element; {@code id} may name slices ({@code Observation.code.coding:rv}). */
  static ElementDefinition element(StructureDefinition sd, String id) {
    ElementDefinition e = sd.getDifferential().addElement();
    e.setId(id);
    e.setPath(id.replaceAll(":[^.]+", ""));
    return e;
  }

  static ElementDefinition.TypeRefComponent type(ElementDefinition e, String code) {
    return e.addType().setCode(code);
  }

  /**
   * Slices a list of Codings by system: the registry's coding first, the source codings after it.
   */
  static void registryCodingFirst(
      StructureDefinition sd,
      String codingPath,
      String slice,
      String system,
      String code,
      String rule) {
    ElementDefinition coding = element(sd, codingPath);
    coding
        .getSlicing()
        .setOrdered(true)
        .setRules(SlicingRules.OPENATEND)
        .setDescription("The registry's coding first, then the codings as the source sent them")
        .addDiscriminator()
        .setType(DiscriminatorType.VALUE)
        .setPath("system");
    coding.setMin(1);
    ElementDefinition registry = element(sd, codingPath + ":" + slice);
    registry.setSliceName(slice);
    registry.setShort(rule);
    registry.setMin(1).setMax("1").setMustSupport(true);
    element(sd, codingPath + ":" + slice + ".system").setMin(1).setFixed(new UriType(system));
    ElementDefinition codeElement = element(sd, codingPath + ":" + slice + ".code").setMin(1);
    if (code != null) {
      codeElement.setFixed(new CodeType(code));
    }
  }

  static void reference(ElementDefinition e, String... targetProfiles) {
    ElementDefinition.TypeRefComponent t = type(e, "Reference");
    for (String p : targetProfiles) {
      t.addTargetProfile(p);
    }
  }

  static ElementDefinition extensionSlicing(StructureDefinition sd, String path) {
    ElementDefinition e = element(sd, path);
    e.getSlicing()
        .setRules(SlicingRules.OPEN)
        .addDiscriminator()
        .setType(DiscriminatorType.VALUE)
        .setPath("url");
    return e;
  }

  static void extensionSlice(
      StructureDefinition sd, String path, String slice, String url, String max) {
    ElementDefinition e = element(sd, path + ":" + slice);
    e.setSliceName(slice);
    e.setMin(0).setMax(max).setMustSupport(true);
    type(e, "Extension").addProfile(url);
  }

  static void prohibited(StructureDefinition sd, String path, String why) {
    element(sd, path).setMax("0").setComment(why);
  }

  static String pascal(String code) {
    StringBuilder b = new StringBuilder();
    for (String part : code.split("[^A-Za-z0-9]+")) {
      if (!part.isEmpty()) {
        b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return b.toString();
  }
}
