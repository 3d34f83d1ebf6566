package org.shockreg.server.profile;

import java.util.List;
import java.util.Optional;
import org.shockreg.server.fhir.RegistryCodeSystems;

/**
 * Canonical URLs of the registry's profiles (docs/profiles.md): one per curated shape. A
 * measurement's profile is named after its registry variable, so a variable added to the rule files
 * gets {@code shockreg-observation-<variable>} without code changes.
 */
public final class RegistryProfiles {

  private RegistryProfiles() {}

  public static final String BASE = RegistryCodeSystems.BASE + "/StructureDefinition/";
  public static final String PATIENT = BASE + "shockreg-patient";

  /** Common ground of every curated Observation; each one claims its variable's profile. */
  public static final String OBSERVATION = BASE + "shockreg-observation";

  public static final String DEVICE_THERAPY = BASE + "shockreg-device-therapy";
  public static final String DIAGNOSIS = BASE + "shockreg-diagnosis";
  public static final String ENCOUNTER = BASE + "shockreg-encounter";

  static final String OBSERVATION_PREFIX = "shockreg-observation-";

  /** What a derived fact's value is (data-dictionary.md section 3). */
  public enum ValueKind {
    CODED,
    BOOLEAN,
    /** A Quantity in the UCUM unit named as {@code valueSystem} (hours: {@code h}). */
    QUANTITY
  }

  /**
   * A registry variable the registry derives rather than measures, as rendered today.
   *
   * @param valueSystem the code system of a coded value
   */
  public record DerivedVariable(
      String variable, String display, ValueKind value, String valueSystem) {}

  /** The derived facts the curated API serves (docs/derivations.md). */
  public static final List<DerivedVariable> DERIVED =
      List.of(
          new DerivedVariable(
              "cs-etiology",
              "Cardiogenic shock etiology",
              ValueKind.CODED,
              RegistryCodeSystems.CS_ETIOLOGY),
          new DerivedVariable(
              "hf-cs-ischemic", "HF-CS of ischemic origin", ValueKind.BOOLEAN, null),
          new DerivedVariable("hf-cs-de-novo", "De novo HF-CS", ValueKind.BOOLEAN, null),
          new DerivedVariable(
              "scai-stage", "SCAI shock stage", ValueKind.CODED, RegistryCodeSystems.SCAI_STAGE),
          // Trials (data-dictionary.md section 4), each focused on its ResearchSubject.
          new DerivedVariable(
              "eligibility",
              "Trial eligibility",
              ValueKind.CODED,
              RegistryCodeSystems.RESEARCH_SUBJECT_STATUS),
          new DerivedVariable(
              "primary-endpoint-60d",
              "Primary endpoint at day 60",
              ValueKind.CODED,
              RegistryCodeSystems.ENDPOINT_OUTCOME),
          new DerivedVariable(
              "hours-diagnosis-to-randomization",
              "Hours from shock diagnosis to randomization",
              ValueKind.QUANTITY,
              "h"),
          new DerivedVariable(
              "hours-cicu-to-randomization",
              "Hours from CICU arrival to randomization",
              ValueKind.QUANTITY,
              "h"),
          new DerivedVariable(
              "hours-randomization-to-intervention",
              "Hours from randomization to the study intervention",
              ValueKind.QUANTITY,
              "h"),
          new DerivedVariable(
              "tmcs-escalation", "Control-arm escalation to tMCS", ValueKind.BOOLEAN, null),
          new DerivedVariable(
              "protocol-deviation",
              "Protocol deviation",
              ValueKind.CODED,
              RegistryCodeSystems.PROTOCOL_DEVIATION));

  /** The derived variable whose Observations carry one component per eligibility criterion. */
  public static final String ELIGIBILITY = "eligibility";

  public static Optional<DerivedVariable> derived(String variable) {
    return DERIVED.stream().filter(d -> d.variable().equals(variable)).findFirst();
  }

  /** The profile of the curated Observations of {@code variable} (measured or derived). */
  public static String observation(String variable) {
    return BASE + OBSERVATION_PREFIX + variable;
  }
}
