package org.shockreg.mappings.rules;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** The shapes of the YAML rule files under {@code shockreg/rules/} (kebab-case keys). */
public final class RuleFiles {

  private RuleFiles() {}

  /** A code in a rule file; {@code system} may be an alias from the file's {@code systems}. */
  public record CodeRef(String system, String code, String display, String unit, String twin) {}

  public record Range(BigDecimal low, BigDecimal high) {}

  public record VariableRule(
      String variable,
      String display,
      String unit,
      String category,
      Range plausible,
      Boolean assumeUnitWhenMissing,
      Boolean parseText,
      BigDecimal molarMass,
      List<CodeRef> sources) {}

  public record MeasurementsFile(
      Map<String, String> systems, List<CodeRef> panels, List<VariableRule> variables) {}

  public record TextOverride(String pattern, String device) {}

  public record DeviceRule(
      String device,
      String display,
      Boolean tmcs,
      Boolean heartReplacement,
      List<String> flags,
      List<CodeRef> insertion,
      List<CodeRef> removal,
      List<TextOverride> textOverrides) {}

  public record DevicesFile(Map<String, String> systems, List<DeviceRule> devices) {}

  public record DiagnosisCategoryRule(String category, String display, List<CodeRef> codes) {}

  public record DiagnosesFile(Map<String, String> systems, List<DiagnosisCategoryRule> categories) {}

  public record EncountersFile(List<CodeRef> intensiveCareTypes, List<String> inpatientClasses) {}

  public record UnitsFile(Map<String, String> aliases) {}
}
