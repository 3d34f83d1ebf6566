package org.shockreg.mappings;

import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Resource;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.units.UnitConverter;
import org.shockreg.registry.curated.SourceRef;

/**
 * Turns one source FHIR resource into curated facts by the active {@link RuleSet}. The engine holds
 * no code lists of its own: every code, unit and range comes from the rule files. Pure and
 * thread-safe; the pipeline owns storage. It dispatches by resource type to {@link PatientMapping},
 * {@link ObservationMapping}, {@link ProcedureMapping}, {@link ConditionMapping}, {@link
 * EncounterMapping} and {@link RandomizationMapping}.
 */
public final class MappingEngine {

  /** The resource types the engine curates; anything else is not registry data. */
  public static final Set<String> CURATED_TYPES =
      Set.of("Patient", "Observation", "Procedure", "Condition", "Encounter", "ResearchSubject");

  public static final String FLAG_IMPLAUSIBLE = "implausible";
  public static final String FLAG_UNIT_ASSUMED = "unit-assumed";
  public static final String FLAG_PRELIMINARY = "preliminary";
  public static final String FLAG_NEEDS_REVIEW = "needs-review";

  private volatile RuleSet rules;
  private volatile UnitConverter units;
  private final Pseudonymizer pseudonyms;
  private final PatientIdentity identity;
  private volatile org.shockreg.registry.study.StudyCatalog studies;

  public MappingEngine(RuleSet rules, Pseudonymizer pseudonyms) {
    this.rules = rules;
    this.units = new UnitConverter(rules.unitAliases());
    this.pseudonyms = pseudonyms;
    this.identity = new PatientIdentity(pseudonyms);
  }

  public RuleSet rules() {
    return rules;
  }

  public Pseudonymizer pseudonyms() {
    return pseudonyms;
  }

  /** Links patients across sites by this identifier system (null or blank: no linkage). */
  public void linkPatientsBy(String system) {
    identity.linkBy(system);
  }

  /** Accepts randomizations (source ResearchSubjects) for these studies. */
  public void acceptStudies(org.shockreg.registry.study.StudyCatalog catalog) {
    this.studies = catalog;
  }

  private MappingOutcome mapResearchSubject(
      org.hl7.fhir.r4.model.ResearchSubject subject, MappingContext ctx) throws MappingRejection {
    org.shockreg.registry.study.StudyCatalog catalog = studies;
    if (catalog == null) {
      return MappingOutcome.skipped("no studies configured");
    }
    return RandomizationMapping.map(
        subject, ctx.source(), catalog, ctx::patientIdFor, pseudonyms, ctx.times());
  }

  public boolean linksPatients() {
    return identity.links();
  }

  /**
   * The curated id of a site's Patient: the cross-site pseudonym when it carries the shared
   * identifier, else the pseudonym of its record number (identifier typed MR, else its first
   * identifier), else that of its logical id (data-dictionary.md §5: site and source patient
   * identifier).
   */
  public String curatedPatientId(String siteId, String logicalId, List<String[]> identifiers) {
    return identity.curatedPatientId(siteId, logicalId, identifiers);
  }

  /** The cross-site pseudonym for these identifiers ({system, value}), or null. */
  public String linkedPatientId(Iterable<String[]> identifiers) {
    return identity.linkedPatientId(identifiers);
  }

  /**
   * Swaps in a new rule set (e.g. after a site mapping file changed): resources mapped after the
   * swap see only the new rules.
   */
  public synchronized void reload(RuleSet newRules) {
    this.units = new UnitConverter(newRules.unitAliases());
    this.rules = newRules;
  }

  public MappingOutcome map(Resource resource, SourceRef source, SourcePatientResolver patients) {
    MappingContext ctx = new MappingContext(rules, units, pseudonyms, source, patients);
    try {
      return switch (resource.fhirType()) {
        case "Patient" -> PatientMapping.map((Patient) resource, ctx, identity);
        case "Observation" -> ObservationMapping.map((Observation) resource, ctx);
        case "Procedure" -> ProcedureMapping.map((Procedure) resource, ctx);
        case "Condition" -> ConditionMapping.map((Condition) resource, ctx);
        case "Encounter" -> EncounterMapping.map((Encounter) resource, ctx);
        case "ResearchSubject" ->
            mapResearchSubject((org.hl7.fhir.r4.model.ResearchSubject) resource, ctx);
        default -> MappingOutcome.skipped("resource type not curated");
      };
    } catch (MappingRejection r) {
      return MappingOutcome.rejected(r.reasonCode(), r.getMessage());
    }
  }

  /** {system, value} of a Patient's identifiers in {@link #identifierOrder}. */
  public static List<String[]> identifiers(Patient p) {
    return PatientIdentity.identifiers(p);
  }

  /**
   * The order a patient's identifiers are considered in, independent of how the source listed them:
   * record numbers (type MR) first, each group by system then value. A re-sent Patient with its
   * identifiers reordered keeps its pseudonym.
   */
  public static List<String[]> identifierOrder(
      List<String[]> recordNumbers, List<String[]> others) {
    return PatientIdentity.identifierOrder(recordNumbers, others);
  }
}
