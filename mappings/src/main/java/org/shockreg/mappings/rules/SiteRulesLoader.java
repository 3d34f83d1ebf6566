package org.shockreg.mappings.rules;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.SiteDevice;
import org.shockreg.mappings.rules.RuleFiles.SiteDiagnosis;
import org.shockreg.mappings.rules.RuleFiles.SiteFile;
import org.shockreg.mappings.rules.RuleFiles.SiteIntensiveCare;
import org.shockreg.mappings.rules.RuleFiles.SiteLocation;
import org.shockreg.mappings.rules.RuleFiles.SiteMeasurement;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.units.UnitConversionException;
import org.shockreg.mappings.units.UnitConverter;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads and validates the site mapping files of a directory ({@code <site>.yaml} or {@code
 * <site>.yml}; other files are ignored) against the built-in rules: every variable, device and
 * category must exist, every unit must be UCUM (or a known alias) convertible to the variable's
 * registry unit, and no code may be mapped twice within a file. All errors of all files are
 * collected, each naming its file and entry; one error rejects the whole load.
 */
public final class SiteRulesLoader {

  /** Site ids as intake accepts them. */
  public static final Pattern SITE_ID = Pattern.compile("[a-z0-9-]{1,40}");

  private final RuleSet builtIn;
  private final UnitConverter units;
  private final ObjectMapper yaml =
      new ObjectMapper(new YAMLFactory())
          .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
          .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true);

  public SiteRulesLoader(RuleSet builtIn) {
    this.builtIn = builtIn;
    this.units = new UnitConverter(builtIn.unitAliases());
  }

  /** The built-in rules this loader validates against and extends. */
  public RuleSet builtIn() {
    return builtIn;
  }

  /**
   * The built-in rules plus the site files of {@code dir}. A directory that does not exist holds no
   * site files (the built-in rules alone).
   */
  public RuleSet load(Path dir) throws SiteRulesException {
    if (!Files.exists(dir)) {
      return builtIn.withSites(List.of());
    }
    if (!Files.isDirectory(dir)) {
      throw new SiteRulesException(List.of(dir + ": the sites directory is not a directory"));
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files =
          list.filter(Files::isRegularFile)
              .filter(f -> siteIdOf(f).isPresent())
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new SiteRulesException(List.of(dir + ": cannot list the sites directory: " + e));
    }
    List<String> errors = new ArrayList<>();
    List<SiteRules> sites = new ArrayList<>();
    Map<String, Path> seen = new HashMap<>();
    for (Path f : files) {
      String site = siteIdOf(f).orElseThrow();
      Path previous = seen.putIfAbsent(site, f);
      if (previous != null) {
        errors.add(
            f.getFileName() + ": site " + site + " already has a mapping file, " + previous.getFileName());
        continue;
      }
      byte[] content;
      Instant modified;
      try {
        content = Files.readAllBytes(f);
        modified = Files.getLastModifiedTime(f).toInstant();
      } catch (IOException e) {
        errors.add(f.getFileName() + ": cannot be read: " + e);
        continue;
      }
      parse(f, content, modified, errors).ifPresent(sites::add);
    }
    if (!errors.isEmpty()) {
      throw new SiteRulesException(errors);
    }
    return builtIn.withSites(sites);
  }

  /** The site id a file stands for: its name without {@code .yaml}/{@code .yml}; hidden files none. */
  static Optional<String> siteIdOf(Path file) {
    String name = file.getFileName().toString();
    if (name.startsWith(".")) {
      return Optional.empty();
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".yaml")) {
      return Optional.of(name.substring(0, name.length() - 5));
    }
    if (lower.endsWith(".yml")) {
      return Optional.of(name.substring(0, name.length() - 4));
    }
    return Optional.empty();
  }

  /**
   * Validates one file's content; adds its errors (prefixed with the file name) to {@code errors}
   * and returns the rules only when it had none.
   */
  public Optional<SiteRules> parse(Path file, byte[] content, Instant modified, List<String> errors) {
    String name = file.getFileName().toString();
    String siteId = siteIdOf(file).orElse(name);
    Problems p = new Problems(name);
    if (!SITE_ID.matcher(siteId).matches()) {
      p.add(null, "the file name must be a site id ([a-z0-9-]{1,40}) followed by .yaml, not '" + name + "'");
    }
    SiteFile parsed;
    try {
      parsed = content.length == 0 ? null : yaml.readValue(content, SiteFile.class);
    } catch (JsonProcessingException e) {
      p.add(null, describe(e));
      errors.addAll(p.list);
      return Optional.empty();
    } catch (IOException e) {
      p.add(null, "cannot be read: " + e.getMessage());
      errors.addAll(p.list);
      return Optional.empty();
    }
    if (parsed == null) {
      parsed = new SiteFile(null, null, null, null, null, null, null, null);
    }
    if (parsed.site() != null && !parsed.site().equals(siteId)) {
      p.add("site", "'" + parsed.site() + "' does not match the file name (site " + siteId + ")");
    }
    java.time.ZoneId timeZone = null;
    if (parsed.timeZone() != null) {
      try {
        timeZone = java.time.ZoneId.of(parsed.timeZone().trim());
      } catch (java.time.DateTimeException e) {
        p.add("time-zone", "'" + parsed.timeZone() + "' is not a time zone id (e.g. Europe/Rome, America/New_York)");
      }
    }
    Map<String, String> systems = parsed.systems() == null ? Map.of() : parsed.systems();
    systems.forEach(
        (alias, uri) -> {
          if (blank(uri)) {
            p.add("systems." + alias, "the system alias has no value");
          }
        });

    List<SiteMeasurement> measurements = measurements(parsed.measurements(), systems, p);
    List<SiteDevice> devices = devices(parsed.devices(), systems, p);
    List<SiteDiagnosis> diagnoses = diagnoses(parsed.diagnoses(), systems, p);
    SiteIntensiveCare icu = parsed.intensiveCare();
    List<CodeRef> types = encounterTypes(icu == null ? null : icu.encounterTypes(), systems, p);
    List<SiteLocation> locations = locations(icu == null ? null : icu.locations(), systems, p);

    if (!p.list.isEmpty()) {
      errors.addAll(p.list);
      return Optional.empty();
    }
    String version =
        HexFormat.of().formatHex(RuleSetLoader.sha256().digest(content)).substring(0, 12);
    return Optional.of(
        new SiteRules(
            siteId,
            file,
            version,
            modified,
            parsed.description(),
            timeZone,
            measurements,
            devices,
            diagnoses,
            types,
            locations,
            builtIn));
  }

  // ---- sections -----------------------------------------------------------------------------

  private List<SiteMeasurement> measurements(
      List<SiteMeasurement> entries, Map<String, String> systems, Problems p) {
    List<SiteMeasurement> out = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < size(entries); i++) {
      SiteMeasurement m = entries.get(i);
      String label = label("measurements", i, m == null ? null : m.system(), m == null ? null : m.code());
      if (m == null) {
        p.add(label, "the entry is empty");
        continue;
      }
      int before = p.list.size();
      String system = code(label, m.system(), m.code(), systems, seen, p);
      VariableRule rule = null;
      if (blank(m.variable())) {
        p.add(label, "variable is missing (one of " + known(builtIn.variables().keySet()) + ")");
      } else {
        rule = builtIn.variables().get(m.variable().trim());
        if (rule == null) {
          p.add(
              label,
              "unknown variable '" + m.variable() + "' (one of " + known(builtIn.variables().keySet()) + ")");
        }
      }
      if (blank(m.unit())) {
        p.add(label, "unit is missing: give the unit the code's values are sent in (UCUM)");
      } else if (rule != null) {
        checkUnit(label, m.unit().trim(), rule, p);
      }
      if (p.list.size() == before) {
        out.add(
            new SiteMeasurement(
                system, m.code().trim(), trim(m.display()), rule.variable(), m.unit().trim()));
      }
    }
    return out;
  }

  private void checkUnit(String label, String unit, VariableRule rule, Problems p) {
    Optional<String> ucum = units.toUcum(unit);
    if (ucum.isEmpty()) {
      p.add(label, "unit '" + unit + "' is not a UCUM unit (nor a known spelling of one)");
      return;
    }
    try {
      units.convert(BigDecimal.ONE, ucum.get(), rule.unit(), rule.molarMass());
    } catch (UnitConversionException e) {
      p.add(
          label,
          "unit '"
              + unit
              + "' cannot be converted to "
              + rule.variable()
              + "'s registry unit "
              + rule.unit());
    }
  }

  private List<SiteDevice> devices(
      List<SiteDevice> entries, Map<String, String> systems, Problems p) {
    List<SiteDevice> out = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < size(entries); i++) {
      SiteDevice d = entries.get(i);
      String label = label("devices", i, d == null ? null : d.system(), d == null ? null : d.code());
      if (d == null) {
        p.add(label, "the entry is empty");
        continue;
      }
      int before = p.list.size();
      String system = code(label, d.system(), d.code(), systems, seen, p);
      if (blank(d.device())) {
        p.add(label, "device is missing (one of " + known(builtIn.devices().keySet()) + ")");
      } else if (!builtIn.devices().containsKey(d.device().trim())) {
        p.add(
            label,
            "unknown device '" + d.device() + "' (one of " + known(builtIn.devices().keySet()) + ")");
      }
      if (p.list.size() == before) {
        out.add(
            new SiteDevice(
                system,
                d.code().trim(),
                trim(d.display()),
                d.device().trim(),
                Boolean.TRUE.equals(d.removal())));
      }
    }
    return out;
  }

  private List<SiteDiagnosis> diagnoses(
      List<SiteDiagnosis> entries, Map<String, String> systems, Problems p) {
    List<SiteDiagnosis> out = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    List<String> categories =
        builtIn.diagnosisCategories().stream().map(RuleFiles.DiagnosisCategoryRule::category).toList();
    for (int i = 0; i < size(entries); i++) {
      SiteDiagnosis d = entries.get(i);
      String label = label("diagnoses", i, d == null ? null : d.system(), d == null ? null : d.code());
      if (d == null) {
        p.add(label, "the entry is empty");
        continue;
      }
      int before = p.list.size();
      // Diagnosis codes compare without dots and case, so I21.0 and i210 are the same code.
      String normalised = d.code() == null ? null : RuleSet.normaliseDiagnosisCode(d.code());
      String system = code(label, d.system(), normalised, systems, seen, p);
      if (blank(d.category())) {
        p.add(label, "category is missing (one of " + known(categories) + ")");
      } else if (!categories.contains(d.category().trim())) {
        p.add(label, "unknown category '" + d.category() + "' (one of " + known(categories) + ")");
      }
      if (p.list.size() == before) {
        out.add(new SiteDiagnosis(system, d.code().trim(), trim(d.display()), d.category().trim()));
      }
    }
    return out;
  }

  private List<CodeRef> encounterTypes(
      List<CodeRef> entries, Map<String, String> systems, Problems p) {
    List<CodeRef> out = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < size(entries); i++) {
      CodeRef t = entries.get(i);
      String label =
          label("intensive-care.encounter-types", i, t == null ? null : t.system(), t == null ? null : t.code());
      if (t == null) {
        p.add(label, "the entry is empty");
        continue;
      }
      int before = p.list.size();
      String system = code(label, t.system(), t.code(), systems, seen, p);
      if (t.unit() != null || t.twin() != null) {
        p.add(label, "an encounter type has only system, code and display");
      }
      if (p.list.size() == before) {
        out.add(new CodeRef(system, t.code().trim(), trim(t.display()), null, null));
      }
    }
    return out;
  }

  private List<SiteLocation> locations(
      List<SiteLocation> entries, Map<String, String> systems, Problems p) {
    List<SiteLocation> out = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < size(entries); i++) {
      SiteLocation l = entries.get(i);
      if (l == null) {
        p.add("intensive-care.locations[" + i + "]", "the entry is empty");
        continue;
      }
      if (!blank(l.id())) {
        String label = "intensive-care.locations[" + i + "] (Location/" + l.id().trim() + ")";
        if (l.system() != null || l.code() != null) {
          p.add(label, "give either id (a Location id) or system and code (its identifier), not both");
          continue;
        }
        String previous = seen.putIfAbsent("Location/" + l.id().trim(), label);
        if (previous != null) {
          p.add(label, "location Location/" + l.id().trim() + " is listed twice (also " + previous + ")");
          continue;
        }
        out.add(new SiteLocation(l.id().trim(), null, null, trim(l.display())));
        continue;
      }
      String label = label("intensive-care.locations", i, l.system(), l.code());
      int before = p.list.size();
      String system = code(label, l.system(), l.code(), systems, seen, p);
      if (p.list.size() == before) {
        out.add(new SiteLocation(null, system, l.code().trim(), trim(l.display())));
      }
    }
    return out;
  }

  /**
   * Checks system and code of an entry, resolves the system alias and reports a code seen before
   * in the same section. Returns the resolved system.
   */
  private static String code(
      String label,
      String system,
      String code,
      Map<String, String> systems,
      Map<String, String> seen,
      Problems p) {
    if (blank(system)) {
      p.add(label, "system is missing (a URI, an alias from 'systems', or an HL7 v2 coding system such as L or 99LAB)");
    }
    if (blank(code)) {
      p.add(label, "code is missing");
    }
    if (blank(system) || blank(code)) {
      return null;
    }
    String resolved = systems.getOrDefault(system.trim(), system.trim());
    String key = RuleSet.key(resolved, code.trim());
    String previous = seen.putIfAbsent(key, label);
    if (previous != null) {
      p.add(label, "duplicate code " + key + ": already mapped by " + previous);
    }
    return resolved;
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Errors of one file, each prefixed with the file name and the entry. */
  private static final class Problems {
    final String file;
    final List<String> list = new ArrayList<>();

    Problems(String file) {
      this.file = file;
    }

    void add(String entry, String problem) {
      list.add(file + ": " + (entry == null ? "" : entry + ": ") + problem);
    }
  }

  private static String label(String section, int index, String system, String code) {
    String label = section + "[" + index + "]";
    if (!blank(system) || !blank(code)) {
      label += " (" + (system == null ? "" : system.trim()) + "|" + (code == null ? "" : code.trim()) + ")";
    }
    return label;
  }

  private static String describe(JsonProcessingException e) {
    if (e instanceof UnrecognizedPropertyException u) {
      // No line number: records are read through a buffer, so Jackson's location is off.
      String allowed =
          u.getKnownPropertyIds() == null
              ? ""
              : " (allowed here: "
                  + u.getKnownPropertyIds().stream()
                      .map(String::valueOf)
                      .sorted()
                      .collect(Collectors.joining(", "))
                  + ")";
      return "unknown key '" + u.getPropertyName() + "' in " + path(u) + allowed;
    }
    MarkedYAMLException y = null;
    for (Throwable t = e; t != null && y == null; t = t.getCause()) {
      y = t instanceof MarkedYAMLException m ? m : null;
    }
    if (y != null) {
      Mark mark = y.getProblemMark() != null ? y.getProblemMark() : y.getContextMark();
      String where =
          mark == null ? "" : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": ";
      String what =
          (y.getContext() == null ? "" : y.getContext() + ": ")
              + (y.getProblem() == null ? "invalid YAML" : y.getProblem());
      return where
          + "not valid YAML ("
          + what.replace('\n', ' ').trim()
          + "); inside { } quote values that hold [ ] { } , : or #, e.g. unit: \"mm[Hg]\"";
    }
    String where =
        e.getLocation() == null
            ? ""
            : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": ";
    String message = e.getOriginalMessage();
    int newline = message.indexOf('\n');
    if (newline > 0) {
      message = message.substring(0, newline);
    }
    String at = e instanceof JsonMappingException m && !m.getPath().isEmpty() ? path(m) + ": " : "";
    return where + at + message.replace("java.lang.", "").replace(RuleFiles.class.getName() + "$", "");
  }

  /** A Jackson path as the YAML reads: {@code measurements[0].unit}. */
  private static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.length() == 0 ? "the top level" : b.toString();
  }

  private static String known(java.util.Collection<String> names) {
    return String.join(", ", new TreeSet<>(names));
  }

  private static int size(List<?> list) {
    return list == null ? 0 : list.size();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String trim(String s) {
    return s == null ? null : s.trim();
  }
}
