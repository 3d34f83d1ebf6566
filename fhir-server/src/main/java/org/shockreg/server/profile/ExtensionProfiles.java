package org.shockreg.server.profile;

import static org.shockreg.server.fhir.RegistryCodeSystems.*;
import static org.shockreg.server.profile.ProfileElements.*;

import java.util.List;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.ElementDefinition.DiscriminatorType;
import org.hl7.fhir.r4.model.ElementDefinition.SlicingRules;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.StructureDefinition.ExtensionContextType;
import org.hl7.fhir.r4.model.UriType;

/**
 * The registry's extension definitions: quantities and ranges as received, heart replacement
 * therapy, intake provenance and eligibility criterion evidence.
 */
final class ExtensionProfiles {

  static final String SOURCE_RECEIVED_VERSION =
      BASE + "/StructureDefinition/source-received-version";
  static final String INTAKE_CHANNEL = BASE + "/StructureDefinition/intake-channel";

  private final String version;

  ExtensionProfiles(String version) {
    this.version = version;
  }

  /** Every extension, in the order they are listed. */
  List<StructureDefinition> build() {
    return List.of(
        originalQuantity(),
        sourceRange(),
        heartReplacementTherapy(),
        sourceReceivedVersion(),
        intakeChannel(),
        criterionEvidence());
  }

  private StructureDefinition extension(
      String url, String name, String title, String description, String context) {
    StructureDefinition sd =
        definition(version, url, name, title, description, "Extension", FHIR_BASE + "Extension");
    sd.addContext().setType(ExtensionContextType.FHIRPATH).setExpression(context);
    element(sd, "Extension").setShort(title).setDefinition(description).setMax("1");
    return sd;
  }

  private StructureDefinition simpleExtension(
      String url, String name, String title, String description, String context, String valueType) {
    StructureDefinition sd = extension(url, name, title, description, context);
    element(sd, "Extension.extension").setMax("0");
    element(sd, "Extension.url").setFixed(new UriType(url));
    type(element(sd, "Extension.value[x]").setMin(1), valueType);
    return sd;
  }

  private StructureDefinition originalQuantity() {
    return simpleExtension(
        ORIGINAL_QUANTITY,
        "OriginalQuantity",
        "Quantity as received",
        "The value and unit as the source sent them, kept whenever the registry converted the value"
            + " into the variable's registry unit (data-dictionary.md section 1).",
        "Observation",
        "Quantity");
  }

  private StructureDefinition sourceRange() {
    return simpleExtension(
        SOURCE_RANGE,
        "SourceRange",
        "Range as received",
        "A value the source sent as a range (LVEF 30-35 %): the Observation's value is its midpoint,"
            + " the range is kept here in the registry unit.",
        "Observation",
        "Range");
  }

  private StructureDefinition heartReplacementTherapy() {
    StructureDefinition sd =
        extension(
            HEART_REPLACEMENT_THERAPY,
            "HeartReplacementTherapy",
            "Heart replacement therapy",
            "The patient's first heart replacement therapy (durable LVAD or heart transplant): the"
                + " device, the curated Procedure and its date (data-dictionary.md section 3, outcomes).",
            "Patient");
    ElementDefinition parts = element(sd, "Extension.extension");
    parts
        .getSlicing()
        .setRules(SlicingRules.CLOSED)
        .addDiscriminator()
        .setType(DiscriminatorType.VALUE)
        .setPath("url");
    parts.setMin(3);
    subExtension(sd, "device", "The therapy (tmcs-device code)", "Coding", TMCS_DEVICE);
    subExtension(
        sd,
        "procedure",
        "The curated Procedure of the therapy",
        "Reference",
        RegistryProfiles.DEVICE_THERAPY);
    subExtension(sd, "date", "When the therapy started", "dateTime", null);
    element(sd, "Extension.url").setFixed(new UriType(HEART_REPLACEMENT_THERAPY));
    element(sd, "Extension.value[x]").setMax("0");
    return sd;
  }

  private static void subExtension(
      StructureDefinition sd, String name, String definition, String valueType, String constraint) {
    String id = "Extension.extension:" + name;
    ElementDefinition slice = element(sd, id);
    slice.setSliceName(name).setShort(definition).setDefinition(definition);
    slice.setMin(1).setMax("1");
    element(sd, id + ".extension").setMax("0");
    element(sd, id + ".url").setFixed(new UriType(name));
    ElementDefinition value = element(sd, id + ".value[x]").setMin(1);
    if ("Reference".equals(valueType)) {
      reference(value, constraint);
    } else {
      type(value, valueType);
      if (constraint != null) {
        element(sd, id + ".value[x].system").setMin(1).setFixed(new UriType(constraint));
        element(sd, id + ".value[x].code").setMin(1);
      }
    }
  }

  private StructureDefinition sourceReceivedVersion() {
    return simpleExtension(
        SOURCE_RECEIVED_VERSION,
        "SourceReceivedVersion",
        "Received version of the source resource",
        "How many versions of the source resource the registry has received (1 for the first),"
            + " on the Provenance entity naming that source.",
        "Provenance.entity",
        "integer");
  }

  private StructureDefinition intakeChannel() {
    return simpleExtension(
        INTAKE_CHANNEL,
        "IntakeChannel",
        "Intake channel",
        "How the source resource reached the registry (REST intake, drop folder, pull, MLLP, demo"
            + " cohort), on the Provenance entity naming that source.",
        "Provenance.entity",
        "code");
  }

  private StructureDefinition criterionEvidence() {
    StructureDefinition sd =
        simpleExtension(
            CRITERION_EVIDENCE,
            "CriterionEvidence",
            "Evidence of an eligibility criterion",
            "A curated fact one eligibility criterion rests on, on that criterion's component of an"
                + " eligibility Observation (data-dictionary.md section 4); repeated per fact.",
            "Observation.component",
            "Reference");
    // repeated per fact on one component: the root element (first in the differential) is 0..*
    sd.getDifferential().getElementFirstRep().setMax("*");
    return sd;
  }
}
