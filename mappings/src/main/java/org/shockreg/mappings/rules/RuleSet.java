package org.shockreg.mappings.rules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleFiles.DiagnosisCategoryRule;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;

/**
 * The active mapping rules, indexed for lookup by {@code system|code}. Immutable; a reload builds a
 * new one.
 */
public final class RuleSet {

  /** A source code matched to a registry variable. */
  public record VariableMatch(VariableRule rule, CodeRef source) {}

  /** A procedure code matched to a device, as an insertion or a removal. */
  public record DeviceMatch(DeviceRule rule, boolean removal) {}

  /** A compiled text override: the device when the procedure's text matches. */
  public record CompiledOverride(Pattern pattern, String device) {}

  private final Map<String, VariableRule> variables;
  private final Map<String, VariableMatch> variableByCode;
  private final Set<String> panelCodes;
  private final Map<String, DeviceRule> devices;
  private final Map<String, DeviceMatch> deviceByCode;
  private final Map<String, List<CompiledOverride>> textOverrides;
  private final List<DiagnosisCategoryRule> diagnosisCategories;
  private final Map<String, String> diagnosisByCode;
  private final List<Map.Entry<String, String>> diagnosisPrefixes;
  private final Set<String> intensiveCareTypes;
  private final Set<String> inpatientClasses;
  private final Map<String, String> unitAliases;

  RuleSet(
      List<VariableRule> variableRules,
      List<CodeRef> panels,
      List<DeviceRule> deviceRules,
      List<DiagnosisCategoryRule> diagnosisRules,
      List<CodeRef> icuTypes,
      List<String> inpatientClasses,
      Map<String, String> unitAliases) {
    this.variables = new LinkedHashMap<>();
    this.variableByCode = new HashMap<>();
    for (VariableRule v : variableRules) {
      variables.put(v.variable(), v);
      for (CodeRef c : v.sources()) {
        putUnique(variableByCode, key(c.system(), c.code()), new VariableMatch(v, c));
      }
    }
    this.panelCodes = new HashSet<>();
    for (CodeRef p : panels) {
      panelCodes.add(key(p.system(), p.code()));
    }
    this.devices = new LinkedHashMap<>();
    this.deviceByCode = new HashMap<>();
    this.textOverrides = new HashMap<>();
    for (DeviceRule d : deviceRules) {
      devices.put(d.device(), d);
      for (CodeRef c : nullToEmpty(d.insertion())) {
        putUnique(deviceByCode, key(c.system(), c.code()), new DeviceMatch(d, false));
      }
      for (CodeRef c : nullToEmpty(d.removal())) {
        putUnique(deviceByCode, key(c.system(), c.code()), new DeviceMatch(d, true));
      }
      List<CompiledOverride> overrides = new ArrayList<>();
      for (RuleFiles.TextOverride o : nullToEmpty(d.textOverrides())) {
        overrides.add(new CompiledOverride(Pattern.compile(o.pattern()), o.device()));
      }
      textOverrides.put(d.device(), overrides);
    }
    this.diagnosisCategories = List.copyOf(diagnosisRules);
    this.diagnosisByCode = new HashMap<>();
    this.diagnosisPrefixes = new ArrayList<>();
    for (DiagnosisCategoryRule r : diagnosisRules) {
      for (CodeRef c : r.codes()) {
        String code = normaliseDiagnosisCode(c.code());
        if (code.endsWith("*")) {
          String prefix = code.substring(0, code.length() - 1);
          diagnosisPrefixes.add(Map.entry(key(c.system(), prefix), r.category()));
        } else {
          diagnosisByCode.putIfAbsent(key(c.system(), code), r.category());
        }
      }
    }
    this.intensiveCareTypes = new HashSet<>();
    for (CodeRef c : icuTypes) {
      intensiveCareTypes.add(key(c.system(), c.code()));
    }
    this.inpatientClasses = Set.copyOf(inpatientClasses);
    this.unitAliases = Map.copyOf(unitAliases);
  }

  private static <V> void putUnique(Map<String, V> map, String key, V value) {
    V previous = map.putIfAbsent(key, value);
    if (previous != null && !previous.equals(value)) {
      throw new IllegalArgumentException("code " + key + " is mapped twice in the rules");
    }
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  public static String key(String system, String code) {
    return (system == null ? "" : system) + "|" + code;
  }

  /** ICD codes are compared without their dot, in upper case ("I21.*" becomes prefix "I21*"). */
  static String normaliseDiagnosisCode(String code) {
    return code.trim().toUpperCase().replace(".", "");
  }

  public Optional<VariableMatch> variableFor(String system, String code) {
    return Optional.ofNullable(variableByCode.get(key(system, code)));
  }

  public boolean isPanel(String system, String code) {
    return panelCodes.contains(key(system, code));
  }

  public Optional<DeviceMatch> deviceFor(String system, String code) {
    return Optional.ofNullable(deviceByCode.get(key(system, code)));
  }

  public List<CompiledOverride> textOverrides(String device) {
    return textOverrides.getOrDefault(device, List.of());
  }

  public Optional<String> diagnosisCategoryFor(String system, String code) {
    if (code == null) {
      return Optional.empty();
    }
    String normalised = normaliseDiagnosisCode(code);
    String exact = diagnosisByCode.get(key(system, normalised));
    if (exact != null) {
      return Optional.of(exact);
    }
    String full = key(system, normalised);
    for (Map.Entry<String, String> p : diagnosisPrefixes) {
      if (full.startsWith(p.getKey())) {
        return Optional.of(p.getValue());
      }
    }
    return Optional.empty();
  }

  public boolean isIntensiveCareType(String system, String code) {
    return intensiveCareTypes.contains(key(system, code));
  }

  public boolean isInpatientClass(String code) {
    return code != null && inpatientClasses.contains(code);
  }

  public Map<String, VariableRule> variables() {
    return Collections.unmodifiableMap(variables);
  }

  public Map<String, DeviceRule> devices() {
    return Collections.unmodifiableMap(devices);
  }

  public List<DiagnosisCategoryRule> diagnosisCategories() {
    return diagnosisCategories;
  }

  public Map<String, String> unitAliases() {
    return unitAliases;
  }
}
