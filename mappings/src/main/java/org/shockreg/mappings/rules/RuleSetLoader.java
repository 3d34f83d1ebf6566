package org.shockreg.mappings.rules;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleFiles.DevicesFile;
import org.shockreg.mappings.rules.RuleFiles.DiagnosesFile;
import org.shockreg.mappings.rules.RuleFiles.DiagnosisCategoryRule;
import org.shockreg.mappings.rules.RuleFiles.EncountersFile;
import org.shockreg.mappings.rules.RuleFiles.MeasurementsFile;
import org.shockreg.mappings.rules.RuleFiles.UnitsFile;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;

/** Reads the registry's rule files (YAML, on the classpath under {@code shockreg/rules/}). */
public final class RuleSetLoader {

  private static final String BASE = "/shockreg/rules/";

  private final ObjectMapper yaml =
      new ObjectMapper(new YAMLFactory())
          .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  public RuleSet loadBuiltIn() {
    MessageDigest digest = sha256();
    MeasurementsFile measurements = read("measurements.yaml", MeasurementsFile.class, digest);
    DevicesFile devices = read("devices.yaml", DevicesFile.class, digest);
    DiagnosesFile diagnoses = read("diagnoses.yaml", DiagnosesFile.class, digest);
    EncountersFile encounters = read("encounters.yaml", EncountersFile.class, digest);
    UnitsFile units = read("units.yaml", UnitsFile.class, digest);

    List<VariableRule> variables = new ArrayList<>();
    for (VariableRule v : measurements.variables()) {
      variables.add(
          new VariableRule(
              v.variable(),
              v.display(),
              v.unit(),
              v.category(),
              v.plausible(),
              v.assumeUnitWhenMissing(),
              v.parseText(),
              v.molarMass(),
              resolve(v.sources(), measurements.systems())));
    }
    List<DeviceRule> deviceRules = new ArrayList<>();
    for (DeviceRule d : devices.devices()) {
      deviceRules.add(
          new DeviceRule(
              d.device(),
              d.display(),
              d.tmcs(),
              d.heartReplacement(),
              d.flags(),
              resolve(d.insertion(), devices.systems()),
              resolve(d.removal(), devices.systems()),
              d.textOverrides()));
    }
    List<DiagnosisCategoryRule> categories = new ArrayList<>();
    for (DiagnosisCategoryRule c : diagnoses.categories()) {
      categories.add(
          new DiagnosisCategoryRule(
              c.category(), c.display(), resolve(c.codes(), diagnoses.systems())));
    }
    return new RuleSet(
        variables,
        resolve(measurements.panels(), measurements.systems()),
        deviceRules,
        categories,
        encounters.intensiveCareTypes(),
        encounters.inpatientClasses(),
        units.aliases(),
        HexFormat.of().formatHex(digest.digest()).substring(0, 12));
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<CodeRef> resolve(List<CodeRef> refs, Map<String, String> systems) {
    if (refs == null) {
      return List.of();
    }
    List<CodeRef> out = new ArrayList<>(refs.size());
    for (CodeRef r : refs) {
      String system = systems == null ? r.system() : systems.getOrDefault(r.system(), r.system());
      out.add(new CodeRef(system, r.code(), r.display(), r.unit(), r.twin()));
    }
    return out;
  }

  private <T> T read(String file, Class<T> type, MessageDigest digest) {
    try (InputStream in = RuleSetLoader.class.getResourceAsStream(BASE + file)) {
      if (in == null) {
        throw new IllegalStateException("rule file missing from the classpath: " + BASE + file);
      }
      byte[] content = in.readAllBytes();
      digest.update(content);
      return yaml.readValue(content, type);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read rule file " + file + ": " + e.getMessage(), e);
    }
  }
}
