package org.shockreg.server.fhir;

/** Canonical URIs of the registry's code systems and extensions (data-dictionary.md). */
public final class RegistryCodeSystems {

  private RegistryCodeSystems() {}

  public static final String BASE = "https://fhir.shockreg.org";
  public static final String REGISTRY_VARIABLE = BASE + "/CodeSystem/registry-variable";
  public static final String TMCS_DEVICE = BASE + "/CodeSystem/tmcs-device";
  public static final String CS_ETIOLOGY = BASE + "/CodeSystem/cs-etiology";
  public static final String SCAI_STAGE = BASE + "/CodeSystem/scai-stage";
  public static final String DIAGNOSIS_CATEGORY = BASE + "/CodeSystem/diagnosis-category";
  public static final String DATA_FLAG = BASE + "/CodeSystem/data-flag";
  public static final String ORIGINAL_QUANTITY = BASE + "/StructureDefinition/original-quantity";
  public static final String HEART_REPLACEMENT_THERAPY =
      BASE + "/StructureDefinition/heart-replacement-therapy";
  public static final String SOURCE_RANGE = BASE + "/StructureDefinition/source-range";
  public static final String OBSERVATION_CATEGORY =
      "http://terminology.hl7.org/CodeSystem/observation-category";
  public static final String ENCOUNTER_CLASS = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
  public static final String UCUM = "http://unitsofmeasure.org";
  public static final String ELIGIBILITY_CRITERION = BASE + "/CodeSystem/eligibility-criterion";
  public static final String CRITERION_STATUS = BASE + "/CodeSystem/criterion-status";
  public static final String ENDPOINT_OUTCOME = BASE + "/CodeSystem/endpoint-outcome";
  public static final String PROTOCOL_DEVIATION = BASE + "/CodeSystem/protocol-deviation";
  public static final String RESEARCH_SUBJECT_STATUS =
      "http://hl7.org/fhir/research-subject-status";
  public static final String CRITERION_EVIDENCE = BASE + "/StructureDefinition/criterion-evidence";
}
