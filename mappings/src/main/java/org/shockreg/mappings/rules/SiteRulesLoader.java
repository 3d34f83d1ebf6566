package org.shockreg.mappings.rules;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
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
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.SiteDevice;
import org.shockreg.mappings.rules.RuleFiles.SiteDiagnosis;
import org.shockreg.mappings.rules.RuleFiles.SiteFile;
import org.shockreg.mappings.rules.RuleFiles.SiteIntensiveCare;
import org.shockreg.mappings.rules.RuleFiles.SiteLocation;
import org.shockreg.mappings.rules.RuleFiles.SiteMeasurement;
import org.shockreg.mappings.units.UnitConverter;

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
  private final SiteSections sections;
  private final ObjectMapper yaml =
      new ObjectMapper(new YAMLFactory())
          .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
          .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true);

  public SiteRulesLoader(RuleSet builtIn) {
    this.builtIn = builtIn;
    this.sections = new SiteSections(builtIn, new UnitConverter(builtIn.unitAliases()));
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
          list.filter(Files::isRegularFile).filter(f -> siteIdOf(f).isPresent()).sorted().toList();
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
            f.getFileName()
                + ": site "
                + site
                + " already has a mapping file, "
                + previous.getFileName());
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

  /**
   * The site id a file stands for: its name without {@code .yaml}/{@code .yml}; hidden files none.
   */
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
  public Optional<SiteRules> parse(
      Path file, byte[] content, Instant modified, List<String> errors) {
    String name = file.getFileName().toString();
    String siteId = siteIdOf(file).orElse(name);
    SiteFileProblems p = new SiteFileProblems(name);
    if (!SITE_ID.matcher(siteId).matches()) {
      p.add(
          null,
          "the file name must be a site id ([a-z0-9-]{1,40}) followed by .yaml, not '"
              + name
              + "'");
    }
    SiteFile parsed;
    try {
      parsed = content.length == 0 ? null : yaml.readValue(content, SiteFile.class);
    } catch (JsonProcessingException e) {
      p.add(null, SiteFileProblems.describe(e));
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
        p.add(
            "time-zone",
            "'"
                + parsed.timeZone()
                + "' is not a time zone id (e.g. Europe/Rome, America/New_York)");
      }
    }
    Map<String, String> systems = sections.systems(parsed.systems(), p);

    List<SiteMeasurement> measurements = sections.measurements(parsed.measurements(), systems, p);
    List<SiteDevice> devices = sections.devices(parsed.devices(), systems, p);
    List<SiteDiagnosis> diagnoses = sections.diagnoses(parsed.diagnoses(), systems, p);
    SiteIntensiveCare icu = parsed.intensiveCare();
    List<CodeRef> types =
        sections.encounterTypes(icu == null ? null : icu.encounterTypes(), systems, p);
    List<SiteLocation> locations =
        sections.locations(icu == null ? null : icu.locations(), systems, p);

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
}
