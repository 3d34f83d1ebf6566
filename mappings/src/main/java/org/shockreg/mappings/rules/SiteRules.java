package org.shockreg.mappings.rules;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.SiteDevice;
import org.shockreg.mappings.rules.RuleFiles.SiteDiagnosis;
import org.shockreg.mappings.rules.RuleFiles.SiteLocation;
import org.shockreg.mappings.rules.RuleFiles.SiteMeasurement;
import org.shockreg.mappings.rules.RuleSet.DeviceMatch;
import org.shockreg.mappings.rules.RuleSet.VariableMatch;

/**
 * One site's local codes, validated and indexed: the rules of {@code <site>.yaml} in the sites
 * directory. They apply only to resources from that site and win over the built-in rules there.
 * Immutable; systems are already resolved from the file's aliases.
 */
public final class SiteRules {

  private final String siteId;
  private final Path file;
  private final String version;
  private final Instant modified;
  private final String description;
  private final java.time.ZoneId timeZone;
  private final List<SiteMeasurement> measurements;
  private final List<SiteDevice> devices;
  private final List<SiteDiagnosis> diagnoses;
  private final List<CodeRef> intensiveCareTypes;
  private final List<SiteLocation> intensiveCareLocations;

  private final Map<String, VariableMatch> variableByCode = new HashMap<>();
  private final Map<String, DeviceMatch> deviceByCode = new HashMap<>();
  private final DiagnosisIndex diagnosisIndex = new DiagnosisIndex();
  private final Set<String> icuTypes = new HashSet<>();
  private final Set<String> icuLocationIds = new HashSet<>();
  private final Set<String> icuLocationIdentifiers = new HashSet<>();

  /** Built by {@link SiteRulesLoader} from entries it has validated against {@code builtIn}. */
  SiteRules(
      String siteId,
      Path file,
      String version,
      Instant modified,
      String description,
      java.time.ZoneId timeZone,
      List<SiteMeasurement> measurements,
      List<SiteDevice> devices,
      List<SiteDiagnosis> diagnoses,
      List<CodeRef> intensiveCareTypes,
      List<SiteLocation> intensiveCareLocations,
      RuleSet builtIn) {
    this.siteId = siteId;
    this.file = file;
    this.version = version;
    this.modified = modified;
    this.description = description;
    this.timeZone = timeZone;
    this.measurements = List.copyOf(measurements);
    this.devices = List.copyOf(devices);
    this.diagnoses = List.copyOf(diagnoses);
    this.intensiveCareTypes = List.copyOf(intensiveCareTypes);
    this.intensiveCareLocations = List.copyOf(intensiveCareLocations);
    for (SiteMeasurement m : measurements) {
      CodeRef source = new CodeRef(m.system(), m.code(), m.display(), m.unit(), null);
      variableByCode.put(
          RuleSet.key(m.system(), m.code()),
          new VariableMatch(builtIn.variables().get(m.variable()), source, true));
    }
    for (SiteDevice d : devices) {
      deviceByCode.put(
          RuleSet.key(d.system(), d.code()),
          new DeviceMatch(builtIn.devices().get(d.device()), Boolean.TRUE.equals(d.removal())));
    }
    for (SiteDiagnosis d : diagnoses) {
      diagnosisIndex.add(d.system(), d.code(), d.category());
    }
    for (CodeRef t : intensiveCareTypes) {
      icuTypes.add(RuleSet.key(t.system(), t.code()));
    }
    for (SiteLocation l : intensiveCareLocations) {
      if (l.id() != null) {
        icuLocationIds.add(l.id());
      } else {
        icuLocationIdentifiers.add(RuleSet.key(l.system(), l.code()));
      }
    }
  }

  public String siteId() {
    return siteId;
  }

  /** Where the site's clocks are: times it sends without an offset are local to it (null: UTC). */
  public java.time.ZoneId timeZone() {
    return timeZone;
  }

  /** The file the rules came from. */
  public Path file() {
    return file;
  }

  /** The first 12 hex digits of the file's SHA-256: changes whenever the file does. */
  public String version() {
    return version;
  }

  /** The file's last modification time. */
  public Instant modified() {
    return modified;
  }

  public String description() {
    return description;
  }

  public List<SiteMeasurement> measurements() {
    return measurements;
  }

  public List<SiteDevice> devices() {
    return devices;
  }

  public List<SiteDiagnosis> diagnoses() {
    return diagnoses;
  }

  public List<CodeRef> intensiveCareTypes() {
    return intensiveCareTypes;
  }

  public List<SiteLocation> intensiveCareLocations() {
    return intensiveCareLocations;
  }

  /** Number of mapping entries in the file. */
  public int size() {
    return measurements.size()
        + devices.size()
        + diagnoses.size()
        + intensiveCareTypes.size()
        + intensiveCareLocations.size();
  }

  Optional<VariableMatch> variableFor(String system, String code) {
    return Optional.ofNullable(variableByCode.get(RuleSet.key(system, code)));
  }

  Optional<DeviceMatch> deviceFor(String system, String code) {
    return Optional.ofNullable(deviceByCode.get(RuleSet.key(system, code)));
  }

  Optional<String> diagnosisCategoryFor(String system, String code) {
    return diagnosisIndex.categoryFor(system, code);
  }

  boolean isIntensiveCareType(String system, String code) {
    return icuTypes.contains(RuleSet.key(system, code));
  }

  boolean isIntensiveCareLocationId(String locationId) {
    return locationId != null && icuLocationIds.contains(locationId);
  }

  boolean isIntensiveCareLocationIdentifier(String system, String value) {
    return value != null && icuLocationIdentifiers.contains(RuleSet.key(system, value));
  }
}
