package org.shockreg.server.profile;

import static org.shockreg.server.fhir.RegistryCodeSystems.*;
import static org.shockreg.server.profile.ProfileElements.*;

import java.util.List;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.ElementDefinition.ConstraintSeverity;
import org.hl7.fhir.r4.model.StructureDefinition;

/**
 * The curated resources' base profiles: Patient, Encounter, device therapy, diagnosis and
 * Observation.
 */
final class ResourceProfiles {

  private final String version;

  ResourceProfiles(String version) {
    this.version = version;
  }

  /** Every base profile, in the order they are listed. */
  List<StructureDefinition> build() {
    return List.of(patient(), encounter(), deviceTherapy(), diagnosis(), observation());
  }

  private StructureDefinition patient() {
    StructureDefinition sd =
        profile(
            version,
            RegistryProfiles.PATIENT,
            "ShockRegPatient",
            "Registry patient",
            "A curated registry patient: a pseudonym as id, gender, year of birth, death and the first"
                + " heart replacement therapy; no name, address, identifiers or exact birth date"
                + " (data-dictionary.md section 5).",
            "Patient");
    extensionSlicing(sd, "Patient.extension");
    extensionSlice(
        sd, "Patient.extension", "heartReplacementTherapy", HEART_REPLACEMENT_THERAPY, "1");
    String privacy = "Curated data is pseudonymised: the source identity stays with the hospital.";
    prohibited(sd, "Patient.identifier", privacy);
    prohibited(sd, "Patient.name", privacy);
    prohibited(sd, "Patient.telecom", privacy);
    element(sd, "Patient.gender").setMustSupport(true);
    ElementDefinition birthDate = element(sd, "Patient.birthDate").setMustSupport(true);
    birthDate.setShort("Year of birth only");
    birthDate
        .addConstraint()
        .setKey("sr-pat-1")
        .setSeverity(ConstraintSeverity.ERROR)
        .setHuman("Only the year of birth is kept")
        .setExpression("toString().length() = 4")
        .setSource(RegistryProfiles.PATIENT);
    ElementDefinition deceased = element(sd, "Patient.deceased[x]").setMustSupport(true);
    type(deceased, "boolean");
    type(deceased, "dateTime");
    prohibited(sd, "Patient.address", privacy);
    prohibited(sd, "Patient.photo", privacy);
    prohibited(sd, "Patient.contact", privacy);
    return sd;
  }

  private StructureDefinition encounter() {
    StructureDefinition sd =
        profile(
            version,
            RegistryProfiles.ENCOUNTER,
            "ShockRegEncounter",
            "Registry encounter",
            "A curated inpatient or intensive-care stay: status, class, the types as received, subject"
                + " and period (data-dictionary.md section 3).",
            "Encounter");
    element(sd, "Encounter.type").setMustSupport(true);
    reference(element(sd, "Encounter.subject").setMin(1), RegistryProfiles.PATIENT);
    element(sd, "Encounter.period").setMustSupport(true);
    return sd;
  }

  private StructureDefinition deviceTherapy() {
    StructureDefinition sd =
        profile(
            version,
            RegistryProfiles.DEVICE_THERAPY,
            "ShockRegDeviceTherapy",
            "Device therapy",
            "A curated device therapy (tMCS or heart replacement): the tmcs-device coding first, then"
                + " the source codings; start and end as performedPeriod, or performedDateTime"
                + " (data-dictionary.md section 2).",
            "Procedure");
    element(sd, "Procedure.code").setMin(1);
    registryCodingFirst(
        sd, "Procedure.code.coding", "device", TMCS_DEVICE, null, "The device (DEV)");
    reference(element(sd, "Procedure.subject"), RegistryProfiles.PATIENT);
    reference(element(sd, "Procedure.encounter"), RegistryProfiles.ENCOUNTER);
    ElementDefinition performed = element(sd, "Procedure.performed[x]").setMustSupport(true);
    type(performed, "dateTime");
    type(performed, "Period");
    return sd;
  }

  private StructureDefinition diagnosis() {
    StructureDefinition sd =
        profile(
            version,
            RegistryProfiles.DIAGNOSIS,
            "ShockRegDiagnosis",
            "Registry diagnosis",
            "A curated diagnosis: the diagnosis-category coding first, then the source codings; onset,"
                + " recorded date and abatement in UTC (data-dictionary.md sections 3 and 4).",
            "Condition");
    element(sd, "Condition.code").setMin(1);
    registryCodingFirst(
        sd,
        "Condition.code.coding",
        "category",
        DIAGNOSIS_CATEGORY,
        null,
        "The diagnosis category");
    reference(element(sd, "Condition.subject"), RegistryProfiles.PATIENT);
    type(element(sd, "Condition.onset[x]").setMustSupport(true), "dateTime");
    type(element(sd, "Condition.abatement[x]"), "dateTime");
    return sd;
  }

  private StructureDefinition observation() {
    StructureDefinition sd =
        profile(
            version,
            RegistryProfiles.OBSERVATION,
            "ShockRegObservation",
            "Registry observation",
            "What every curated Observation has in common: the registry-variable coding first, the"
                + " curated patient as subject, the shock episode's stay as encounter, times in UTC."
                + " Each Observation claims the profile of its variable, derived from this one.",
            "Observation");
    observationCommon(sd);
    return sd;
  }

  private static void observationCommon(StructureDefinition sd) {
    registryCodingFirst(
        sd,
        "Observation.code.coding",
        "registryVariable",
        REGISTRY_VARIABLE,
        null,
        "The registry variable (RV)");
    reference(element(sd, "Observation.subject").setMin(1), RegistryProfiles.PATIENT);
    reference(
        element(sd, "Observation.encounter").setMustSupport(true), RegistryProfiles.ENCOUNTER);
    type(element(sd, "Observation.effective[x]").setMustSupport(true), "dateTime");
  }
}
