package org.shockreg.server.profile;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;

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
    out.addAll(new ExtensionProfiles(version).build());
    out.addAll(new ResourceProfiles(version).build());
    out.addAll(new ObservationProfiles(version).build(variables));
    return out;
  }
}
