package org.shockreg.server.profile;

import static org.shockreg.server.fhir.RegistryCodeSystems.*;

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
import org.hl7.fhir.r4.model.ElementDefinition.ConstraintSeverity;
import org.hl7.fhir.r4.model.ElementDefinition.DiscriminatorType;
import org.hl7.fhir.r4.model.ElementDefinition.SlicingRules;
import org.hl7.fhir.r4.model.Enumerations.FHIRVersion;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.StructureDefinition.ExtensionContextType;
import org.hl7.fhir.r4.model.StructureDefinition.StructureDefinitionKind;
import org.hl7.fhir.r4.model.StructureDefinition.TypeDerivationRule;
import org.hl7.fhir.r4.model.UriType;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.server.profile.RegistryProfiles.DerivedVariable;

/**
 * Builds the registry's StructureDefinitions as differentials (snapshots are generated from them by
 * {@link ProfileCatalog}): the curated shapes of data-dictionary.md and the extensions they carry.
 * Measurement profiles come from the rule file's variables (registry code, unit, category, source
 * codes), so a variable added as data gets its profile without code changes.
 *
 * <p>Differential elements are written in the order of the base resource, as snapshot generation
 * expects.
 */
final class ProfileBuilder {

  static final String FHIR_BASE = "http://hl7.org/fhir/StructureDefinition/";
  static final String PUBLISHER = "ShockReg";
  static final String SOURCE_RECEIVED_VERSION = BASE + "/StructureDefinition/source-received-version";
  static final String INTAKE_CHANNEL = BASE + "/StructureDefinition/intake-channel";
  private static final String LOINC = "http://loinc.org";
  private static final String SNOMED = "http://snomed.info/sct";

  private final Collection<VariableRule> variables;
  private final String version;

  /**
   * @param variables the measured variables (rule file measurements.yaml)
   * @param version the rules' version, which the profiles carry
   */
  ProfileBuilder(Collection<VariableRule> variables, String version) {
    this.variables = variables;
    this.version = version;
  }

  ProfileBuilder(RuleSet rules) {
    this(rules.variables().values(), rules.version());
  }

  /** Every definition, extensions and base profiles before the profiles derived from them. */
  List<StructureDefinition> build() {
    List<StructureDefinition> out = new ArrayList<>();
    out.add(originalQuantity());
    out.add(sourceRange());
    out.add(heartReplacementTherapy());
    out.add(sourceReceivedVersion());
    out.add(intakeChannel());
    out.add(criterionEvidence());
    out.add(patient());
    out.add(encounter());
    out.add(deviceTherapy());
    out.add(diagnosis());
    out.add(observation());
    for (VariableRule v : variables) {
      out.add(measurement(v));
    }
    for (DerivedVariable d : RegistryProfiles.DERIVED) {
      out.add(derived(d));
    }
    return out;
  }

  // ---- common ----------------------------------------------------------------------------------

  private StructureDefinition definition(
      String url, String name, String title, String description, String type, String baseDefinition) {
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
        "Extension".equals(type) ? StructureDefinitionKind.COMPLEXTYPE : StructureDefinitionKind.RESOURCE);
    sd.setAbstract(false);
    sd.setType(type);
    sd.setBaseDefinition(baseDefinition);
    sd.setDerivation(TypeDerivationRule.CONSTRAINT);
    return sd;
  }

  private StructureDefinition profile(
      String url, String name, String title, String description, String type) {
    return definition(url, name, title, description, type, FHIR_BASE + type);
  }

  /** A differential element; {@code id} may name slices ({@code Observation.code.coding:rv}). */
  private static ElementDefinition element(StructureDefinition sd, String id) {
    ElementDefinition e = sd.getDifferential().addElement();
    e.setId(id);
    e.setPath(id.replaceAll(":[^.]+", ""));
    return e;
  }

  private static ElementDefinition.TypeRefComponent type(ElementDefinition e, String code) {
    return e.addType().setCode(code);
  }

  /** Slices a list of Codings by system: the registry's coding first, the source codings after it. */
  private static void registryCodingFirst(
      StructureDefinition sd, String codingPath, String slice, String system, String code, String rule) {
    ElementDefinition coding = element(sd, codingPath);
    coding.getSlicing()
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

  private static void reference(ElementDefinition e, String... targetProfiles) {
    ElementDefinition.TypeRefComponent t = type(e, "Reference");
    for (String p : targetProfiles) {
      t.addTargetProfile(p);
    }
  }

  private static ElementDefinition extensionSlicing(StructureDefinition sd, String path) {
    ElementDefinition e = element(sd, path);
    e.getSlicing()
        .setRules(SlicingRules.OPEN)
        .addDiscriminator()
        .setType(DiscriminatorType.VALUE)
        .setPath("url");
    return e;
  }

  private static void extensionSlice(StructureDefinition sd, String path, String slice, String url, String max) {
    ElementDefinition e = element(sd, path + ":" + slice);
    e.setSliceName(slice);
    e.setMin(0).setMax(max).setMustSupport(true);
    type(e, "Extension").addProfile(url);
  }

  private static void prohibited(StructureDefinition sd, String path, String why) {
    element(sd, path).setMax("0").setComment(why);
  }

  // ---- extensions ------------------------------------------------------------------------------

  private StructureDefinition extension(
      String url, String name, String title, String description, String context) {
    StructureDefinition sd =
        definition(url, name, title, description, "Extension", FHIR_BASE + "Extension");
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
    parts.getSlicing()
        .setRules(SlicingRules.CLOSED)
        .addDiscriminator()
        .setType(DiscriminatorType.VALUE)
        .setPath("url");
    parts.setMin(3);
    subExtension(sd, "device", "The therapy (tmcs-device code)", "Coding", TMCS_DEVICE);
    subExtension(sd, "procedure", "The curated Procedure of the therapy", "Reference", RegistryProfiles.DEVICE_THERAPY);
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

  // ---- resources -------------------------------------------------------------------------------

  private StructureDefinition patient() {
    StructureDefinition sd =
        profile(
            RegistryProfiles.PATIENT,
            "ShockRegPatient",
            "Registry patient",
            "A curated registry patient: a pseudonym as id, gender, year of birth, death and the first"
                + " heart replacement therapy; no name, address, identifiers or exact birth date"
                + " (data-dictionary.md section 5).",
            "Patient");
    extensionSlicing(sd, "Patient.extension");
    extensionSlice(sd, "Patient.extension", "heartReplacementTherapy", HEART_REPLACEMENT_THERAPY, "1");
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
            RegistryProfiles.DEVICE_THERAPY,
            "ShockRegDeviceTherapy",
            "Device therapy",
            "A curated device therapy (tMCS or heart replacement): the tmcs-device coding first, then"
                + " the source codings; start and end as performedPeriod, or performedDateTime"
                + " (data-dictionary.md section 2).",
            "Procedure");
    element(sd, "Procedure.code").setMin(1);
    registryCodingFirst(sd, "Procedure.code.coding", "device", TMCS_DEVICE, null, "The device (DEV)");
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
            RegistryProfiles.DIAGNOSIS,
            "ShockRegDiagnosis",
            "Registry diagnosis",
            "A curated diagnosis: the diagnosis-category coding first, then the source codings; onset,"
                + " recorded date and abatement in UTC (data-dictionary.md sections 3 and 4).",
            "Condition");
    element(sd, "Condition.code").setMin(1);
    registryCodingFirst(
        sd, "Condition.code.coding", "category", DIAGNOSIS_CATEGORY, null, "The diagnosis category");
    reference(element(sd, "Condition.subject"), RegistryProfiles.PATIENT);
    type(element(sd, "Condition.onset[x]").setMustSupport(true), "dateTime");
    type(element(sd, "Condition.abatement[x]"), "dateTime");
    return sd;
  }

  private StructureDefinition observation() {
    StructureDefinition sd =
        profile(
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
        sd, "Observation.code.coding", "registryVariable", REGISTRY_VARIABLE, null, "The registry variable (RV)");
    reference(element(sd, "Observation.subject").setMin(1), RegistryProfiles.PATIENT);
    reference(element(sd, "Observation.encounter").setMustSupport(true), RegistryProfiles.ENCOUNTER);
    type(element(sd, "Observation.effective[x]").setMustSupport(true), "dateTime");
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
            RegistryProfiles.observation(v.variable()),
            "ShockRegObservation" + pascal,
            v.display() + " (registry measurement)",
            "Curated measurement of registry variable " + v.variable() + " (" + v.display() + ") in "
                + v.unit() + (v.category() == null ? "" : ", category " + v.category())
                + ". Source codes: " + sourceCodes(v) + " (rule file measurements.yaml).",
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
        .map(c -> (LOINC.equals(c.system()) ? "LOINC " : SNOMED.equals(c.system()) ? "SNOMED " : c.system() + " ")
            + c.code())
        .collect(Collectors.joining(", "));
  }

  private StructureDefinition derived(DerivedVariable d) {
    StructureDefinition sd =
        definition(
            RegistryProfiles.observation(d.variable()),
            "ShockRegObservation" + pascal(d.variable()),
            d.display() + " (derived)",
            "Derived fact " + d.variable() + " (" + d.display() + "): computed by the registry per shock"
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
      element(sd, "Observation.value[x].coding.system").setMin(1).setFixed(new UriType(d.valueSystem()));
      element(sd, "Observation.value[x].coding.code").setMin(1);
    } else if (d.value() == RegistryProfiles.ValueKind.QUANTITY) {
      type(value, "Quantity");
      element(sd, "Observation.value[x].system").setMin(1).setFixed(new UriType(UCUM));
      element(sd, "Observation.value[x].code").setMin(1).setFixed(new CodeType(d.valueSystem()));
    } else {
      type(value, "boolean");
    }
    element(sd, "Observation.derivedFrom").setMustSupport(true)
        .setShort("The curated facts the value rests on");
    if (RegistryProfiles.ELIGIBILITY.equals(d.variable())) {
      element(sd, "Observation.component").setMustSupport(true)
          .setShort("One per criterion: status (criterion-status) with its evidence; the window as a Period");
    } else {
      prohibited(sd, "Observation.component", "A derived fact has a single value.");
    }
    return sd;
  }

  private static String pascal(String code) {
    StringBuilder b = new StringBuilder();
    for (String part : code.split("[^A-Za-z0-9]+")) {
      if (!part.isEmpty()) {
        b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return b.toString();
  }
}
