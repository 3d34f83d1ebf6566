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

  public record DiagnosesFile(
      Map<String, String> systems, List<DiagnosisCategoryRule> categories) {}

  public record EncountersFile(List<CodeRef> intensiveCareTypes, List<String> inpatientClasses) {}

  public record UnitsFile(Map<String, String> aliases) {}

  // ---- site mapping files (mappings/sites/<site>.yaml) --------------------------------------

  /**
   * A site's local codes. {@code site}, when given, must equal the file name; {@code systems} are
   * aliases as in the built-in files. Every list is optional.
   */
  public record SiteFile(
      String site,
      String description,
      String timeZone,
      Map<String, String> systems,
      List<SiteMeasurement> measurements,
      List<SiteDevice> devices,
      List<SiteDiagnosis> diagnoses,
      SiteIntensiveCare intensiveCare) {}

  /**
   * A local observation code (FHIR or HL7 v2 OBX-3) feeding an RV variable, sent in {@code unit}.
   */
  public record SiteMeasurement(
      String system, String code, String display, String variable, String unit) {}

  /** A local procedure code: insertion of a DEV device, or its removal when {@code removal}. */
  public record SiteDevice(
      String system, String code, String display, String device, Boolean removal) {}

  /**
   * A local (or site-specific) diagnosis code in a diagnosis category; {@code I21.*} style
   * prefixes.
   */
  public record SiteDiagnosis(String system, String code, String display, String category) {}

  /** What marks an intensive-care (CICU) encounter at the site, beyond v3-RoleCode CCU/ICU. */
  public record SiteIntensiveCare(List<CodeRef> encounterTypes, List<SiteLocation> locations) {}

  /**
   * A CICU location: by Location id ({@code Encounter.location.location} = {@code Location/<id>}),
   * or by the reference's identifier ({@code system} + {@code code}).
   */
  public record SiteLocation(String id, String system, String code, String display) {}
}
