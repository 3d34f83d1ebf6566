package org.shockreg.mappings.rules;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleFiles.DiagnosisCategoryRule;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;

/**
 * The active mapping rules, indexed for lookup by {@code system|code}: the built-in rules, which
 * apply to every site, and the site rules of {@code mappings/sites/<site>.yaml}, which apply to
 * their site only and win over the built-in ones there. Immutable; a reload builds a new one.
 */
public final class RuleSet {

  /** A source code matched to a registry variable. */
  /**
   * A source code matched to a registry variable. {@code declaredBySite}: a site mapping file names
   * the unit its values come in, so a value sent without one is read in that unit.
   */
  public record VariableMatch(VariableRule rule, CodeRef source, boolean declaredBySite) {
    public VariableMatch(VariableRule rule, CodeRef source) {
      this(rule, source, false);
    }
  }

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
  private final DiagnosisIndex diagnosisIndex;
  private final Set<String> intensiveCareTypes;
  private final Set<String> inpatientClasses;
  private final Map<String, String> unitAliases;
  private final String version;
  private final Map<String, SiteRules> sites;

  RuleSet(
      List<VariableRule> variableRules,
      List<CodeRef> panels,
      List<DeviceRule> deviceRules,
      List<DiagnosisCategoryRule> diagnosisRules,
      List<CodeRef> icuTypes,
      List<String> inpatientClasses,
      Map<String, String> unitAliases,
      String version) {
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
    this.diagnosisIndex = new DiagnosisIndex();
    for (DiagnosisCategoryRule r : diagnosisRules) {
      for (CodeRef c : r.codes()) {
        diagnosisIndex.add(c.system(), c.code(), r.category());
      }
    }
    this.intensiveCareTypes = new HashSet<>();
    for (CodeRef c : icuTypes) {
      intensiveCareTypes.add(key(c.system(), c.code()));
    }
    this.inpatientClasses = Set.copyOf(inpatientClasses);
    this.unitAliases = Map.copyOf(unitAliases);
    this.version = version;
    this.sites = Map.of();
  }

  /** The same built-in rules with other site rules (the built-in indexes are shared, read-only). */
  private RuleSet(RuleSet base, Map<String, SiteRules> sites) {
    this.variables = base.variables;
    this.variableByCode = base.variableByCode;
    this.panelCodes = base.panelCodes;
    this.devices = base.devices;
    this.deviceByCode = base.deviceByCode;
    this.textOverrides = base.textOverrides;
    this.diagnosisCategories = base.diagnosisCategories;
    this.diagnosisIndex = base.diagnosisIndex;
    this.intensiveCareTypes = base.intensiveCareTypes;
    this.inpatientClasses = base.inpatientClasses;
    this.unitAliases = base.unitAliases;
    this.version = base.version;
    this.sites = Collections.unmodifiableMap(new TreeMap<>(sites));
  }

  /** These built-in rules with {@code siteRules} in place of any site rules this set had. */
  public RuleSet withSites(Collection<SiteRules> siteRules) {
    Map<String, SiteRules> bySite = new HashMap<>();
    for (SiteRules s : siteRules) {
      if (bySite.put(s.siteId(), s) != null) {
        throw new IllegalArgumentException("two rule files for site " + s.siteId());
      }
    }
    return new RuleSet(this, bySite);
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
    return diagnosisIndex.categoryFor(system, code);
  }

  public boolean isIntensiveCareType(String system, String code) {
    return intensiveCareTypes.contains(key(system, code));
  }

  public boolean isInpatientClass(String code) {
    return code != null && inpatientClasses.contains(code);
  }

  /**
   * The {@code system|code} tokens a source search can filter on so only registry-relevant data
   * moves: for Observation every measurement source code and panel, for Procedure every device
   * code, built-in and the site's own. Empty (no filter) for other types: diagnosis rules use
   * prefixes (I21.*), which a FHIR token search cannot express.
   */
  public List<String> searchTokens(String siteId, String resourceType) {
    java.util.TreeSet<String> tokens = new java.util.TreeSet<>();
    SiteRules site = sites.get(siteId);
    if ("Observation".equals(resourceType)) {
      for (VariableRule v : variables.values()) {
        for (CodeRef c : v.sources()) {
          tokens.add(key(c.system(), c.code()));
        }
      }
      tokens.addAll(panelCodes);
      if (site != null) {
        site.measurements().forEach(m -> tokens.add(key(m.system(), m.code())));
      }
    } else if ("Procedure".equals(resourceType)) {
      tokens.addAll(deviceByCode.keySet());
      if (site != null) {
        site.devices().forEach(d -> tokens.add(key(d.system(), d.code())));
      }
    }
    return List.copyOf(tokens);
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

  /** The first 12 hex digits of the SHA-256 of the built-in rule files. */
  public String version() {
    return version;
  }

  /** The site rules by site id (sorted). */
  public Map<String, SiteRules> sites() {
    return sites;
  }

  /** The site's time zone for times sent without an offset (site mapping file), else UTC. */
  public java.time.ZoneId timeZone(String siteId) {
    SiteRules s = sites.get(siteId);
    return s == null || s.timeZone() == null ? java.time.ZoneOffset.UTC : s.timeZone();
  }

  // ---- lookups for a resource of a site: the site's rules first, then the built-in ones -------
  //
  // Each looks through all of the resource's codings with the site's rules before it looks with
  // the built-in ones, so a site rule wins even when another coding of the same resource has a
  // built-in mapping.

  /** The variable an Observation (or component) code feeds at {@code siteId}. */
  public Optional<VariableMatch> variableFor(
      String siteId, List<org.hl7.fhir.r4.model.Coding> codings) {
    return siteFirst(siteId, codings, SiteRules::variableFor, this::variableFor);
  }

  /** The device (insertion or removal) a Procedure code means at {@code siteId}. */
  public Optional<DeviceMatch> deviceFor(
      String siteId, List<org.hl7.fhir.r4.model.Coding> codings) {
    return siteFirst(siteId, codings, SiteRules::deviceFor, this::deviceFor);
  }

  /** The diagnosis category of a Condition code at {@code siteId}. */
  public Optional<String> diagnosisCategoryFor(
      String siteId, List<org.hl7.fhir.r4.model.Coding> codings) {
    return siteFirst(siteId, codings, SiteRules::diagnosisCategoryFor, this::diagnosisCategoryFor);
  }

  /** A lookup of one code (system, code) in the site's rules. */
  private interface SiteLookup<T> {
    Optional<T> find(SiteRules site, String system, String code);
  }

  /** A lookup of one code (system, code) in the built-in rules. */
  private interface BuiltInLookup<T> {
    Optional<T> find(String system, String code);
  }

  /** All codings through the site's rules, then all through the built-in ones; the first hit. */
  private <T> Optional<T> siteFirst(
      String siteId,
      List<org.hl7.fhir.r4.model.Coding> codings,
      SiteLookup<T> atSite,
      BuiltInLookup<T> builtIn) {
    SiteRules site = sites.get(siteId);
    if (site != null) {
      for (org.hl7.fhir.r4.model.Coding c : codings) {
        Optional<T> m = atSite.find(site, c.getSystem(), c.getCode());
        if (m.isPresent()) {
          return m;
        }
      }
    }
    for (org.hl7.fhir.r4.model.Coding c : codings) {
      Optional<T> m = builtIn.find(c.getSystem(), c.getCode());
      if (m.isPresent()) {
        return m;
      }
    }
    return Optional.empty();
  }

  /** True when an Encounter type or service type code marks intensive care at {@code siteId}. */
  public boolean isIntensiveCareType(String siteId, String system, String code) {
    SiteRules site = sites.get(siteId);
    return isIntensiveCareType(system, code)
        || (site != null && site.isIntensiveCareType(system, code));
  }

  /**
   * True when one of an Encounter's locations is a CICU location of {@code siteId}: a reference to
   * {@code Location/<id>} with a configured id, or a reference whose identifier is configured.
   */
  public boolean isIntensiveCareLocation(
      String siteId, List<org.hl7.fhir.r4.model.Encounter.EncounterLocationComponent> locations) {
    SiteRules site = sites.get(siteId);
    if (site == null) {
      return false;
    }
    for (org.hl7.fhir.r4.model.Encounter.EncounterLocationComponent l : locations) {
      org.hl7.fhir.r4.model.Reference ref = l.getLocation();
      if (ref.hasReference()
          && "Location".equals(ref.getReferenceElement().getResourceType())
          && site.isIntensiveCareLocationId(ref.getReferenceElement().getIdPart())) {
        return true;
      }
      if (ref.hasIdentifier()
          && site.isIntensiveCareLocationIdentifier(
              ref.getIdentifier().getSystem(), ref.getIdentifier().getValue())) {
        return true;
      }
    }
    return false;
  }
}
