package org.shockreg.registry.study;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Study definitions as data: the built-in files ({@code classpath:shockreg/studies/*.yaml}) and a
 * local directory, validated with messages naming file and key, and registered in {@code
 * research_study} so ResearchStudy, ResearchSubject and the study cohorts see them.
 */
public final class StudyCatalog {

  static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");

  /** R4 ResearchStudy.status codes. */
  static final Set<String> STATUSES =
      Set.of(
          "active",
          "administratively-completed",
          "approved",
          "closed-to-accrual",
          "closed-to-accrual-and-intervention",
          "completed",
          "disapproved",
          "in-review",
          "temporarily-closed-to-accrual",
          "temporarily-closed-to-accrual-and-intervention",
          "withdrawn");

  private static final ObjectMapper YAML =
      new YAMLMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Map<String, StudyDefinition> studies;
  private final Map<String, Source> sources;
  private volatile Set<String> changedAtRegistration = Set.of();

  private StudyCatalog(Map<String, StudyDefinition> studies, Map<String, Source> sources) {
    this.studies = studies;
    this.sources = sources;
  }

  /** Built-in definitions plus {@code *.yaml} in {@code localDir} (when it exists). */
  public static StudyCatalog load(Path localDir) {
    Map<String, StudyDefinition> byId = new LinkedHashMap<>();
    Map<String, Source> sources = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    try {
      Resource[] builtIn =
          new PathMatchingResourcePatternResolver()
              .getResources("classpath*:shockreg/studies/*.yaml");
      for (Resource r : builtIn) {
        try (InputStream in = r.getInputStream()) {
          add(byId, sources, r.getFilename(), in, problems);
        }
      }
      if (localDir != null && Files.isDirectory(localDir)) {
        try (Stream<Path> files = Files.list(localDir)) {
          for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
            try (InputStream in = Files.newInputStream(f)) {
              add(byId, sources, f.getFileName().toString(), in, problems);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "Invalid study definitions:\n  " + String.join("\n  ", problems));
    }
    return new StudyCatalog(byId, sources);
  }

  private static void add(
      Map<String, StudyDefinition> byId,
      Map<String, Source> sources,
      String file,
      InputStream in,
      List<String> problems)
      throws IOException {
    String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    Map<String, Integer> lines = YamlLines.of(text);
    StudyDefinition s;
    try {
      s = YAML.readValue(text, StudyDefinition.class);
    } catch (JsonProcessingException e) {
      String path =
          e instanceof com.fasterxml.jackson.databind.JsonMappingException m ? path(m) : "";
      // the key's own line when the file is valid YAML; else where the parser stopped
      Integer line = lines.get(path);
      if (line == null && e.getLocation() != null && e.getLocation().getLineNr() > 0) {
        line = e.getLocation().getLineNr();
      }
      problems.add(
          file
              + ": "
              + (path.isEmpty() ? "" : path + " ")
              + (line != null ? "(line " + line + ")" : "")
              + ": "
              + e.getOriginalMessage().lines().findFirst().orElse("unreadable"));
      return;
    }
    int before = problems.size();
    StudyFileValidator check = new StudyFileValidator(file, lines, problems::add);
    if (s == null || s.id() == null || !ID.matcher(s.id()).matches()) {
      check.problem("id", "must match " + ID.pattern());
      return;
    }
    check.validate(s);
    if (byId.containsKey(s.id())) {
      check.problem(
          "id",
          "study " + s.id() + " is defined twice (also in " + sources.get(s.id()).file() + ")");
    }
    if (problems.size() == before) {
      byId.put(s.id(), s);
      sources.put(s.id(), new Source(file, lines));
    }
  }

  private static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  /**
   * Checks the codes a study names against the active rules (registry variables, diagnosis
   * categories, DEV codes); throws naming file, key and line. Run once the rules are loaded.
   */
  public void checkVocabulary(Set<String> variables, Set<String> categories, Set<String> devices) {
    List<String> problems = new ArrayList<>();
    for (StudyDefinition s : studies.values()) {
      Source src = sources.get(s.id());
      StudyFileValidator check = new StudyFileValidator(src.file(), src.lines(), problems::add);
      for (int i = 0; i < s.arms().size(); i++) {
        StudyDefinition.Arm arm = s.arms().get(i);
        if (arm.intervention() != null && !devices.contains(arm.intervention().device())) {
          check.problem(
              "arms[" + i + "].intervention.device",
              "unknown device " + arm.intervention().device());
        }
      }
      for (int i = 0; i < s.criteria().size(); i++) {
        StudyDefinition.Criterion c = s.criteria().get(i);
        for (int j = 0; c.any() != null && j < c.any().size(); j++) {
          StudyDefinition.Condition d = c.any().get(j);
          String at = "screening.criteria[" + i + "].any[" + j + "]";
          if (d.variable() != null && !variables.contains(d.variable())) {
            check.problem(at + ".variable", "unknown registry variable " + d.variable());
          }
          if (d.category() != null && !categories.contains(d.category())) {
            check.problem(at + ".category", "unknown diagnosis category " + d.category());
          }
        }
      }
      if (s.primaryEndpoint() != null) {
        List<String> rescue = s.primaryEndpoint().rescueDevices();
        for (int i = 0; i < rescue.size(); i++) {
          if (!devices.contains(rescue.get(i))) {
            check.problem(
                "primary-endpoint.rescue-devices[" + i + "]", "unknown device " + rescue.get(i));
          }
        }
      }
      for (int i = 0; i < s.export().size(); i++) {
        String source = s.export().get(i).source();
        String arg = source.contains(":") ? source.substring(source.indexOf(':') + 1) : null;
        String at = "export[" + i + "].source";
        if (source.startsWith("baseline:") && !variables.contains(arg)) {
          check.problem(at, "unknown registry variable " + arg);
        } else if (source.startsWith("device-start:") && !devices.contains(arg)) {
          check.problem(at, "unknown device " + arg);
        } else if (source.startsWith("criterion:")
            && s.criteria().stream().noneMatch(c -> c.key().equals(arg))) {
          check.problem(at, "no criterion " + arg + " in this study");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "Invalid study definitions:\n  " + String.join("\n  ", problems));
    }
  }

  /** Where a study was read from: file name and the line of each key path. */
  record Source(String file, Map<String, Integer> lines) {}

  /** The studies that {@link #register} found new or changed. */
  public Set<String> changedAtRegistration() {
    return changedAtRegistration;
  }

  public Map<String, StudyDefinition> studies() {
    return Map.copyOf(studies);
  }

  /**
   * Registers every study in {@code research_study}: new ones inserted, changed definitions updated
   * ({@code last_updated} moves only when the definition changed). Returns the ids of the studies
   * inserted or changed, whose existing episodes need screening again.
   */
  public Set<String> register(DataSource dataSource) {
    JdbcTemplate jdbc = new JdbcTemplate(dataSource);
    Set<String> changed = new java.util.LinkedHashSet<>();
    for (StudyDefinition s : studies.values()) {
      String definition;
      try {
        definition = JSON.writeValueAsString(s);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      int n =
          jdbc.update(
              "INSERT INTO research_study (study_id, definition) VALUES (?, ?::jsonb)"
                  + " ON CONFLICT (study_id) DO UPDATE SET definition = EXCLUDED.definition, last_updated = now()"
                  + " WHERE research_study.definition IS DISTINCT FROM EXCLUDED.definition",
              s.id(),
              definition);
      if (n > 0) {
        changed.add(s.id());
      }
    }
    changedAtRegistration = Set.copyOf(changed);
    return changed;
  }

  /** Reads a stored definition back. */
  public static StudyDefinition fromJson(String json) {
    try {
      return JSON.readValue(json, StudyDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
