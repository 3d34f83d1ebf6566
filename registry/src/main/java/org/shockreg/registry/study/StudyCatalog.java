package org.shockreg.registry.study;

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
 * local directory, validated with messages naming file and key, and registered in
 * {@code research_study} so ResearchStudy, ResearchSubject and the study cohorts see them.
 */
public final class StudyCatalog {

  static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");
  /** R4 ResearchStudy.status codes. */
  static final Set<String> STATUSES =
      Set.of(
          "active", "administratively-completed", "approved", "closed-to-accrual",
          "closed-to-accrual-and-intervention", "completed", "disapproved", "in-review",
          "temporarily-closed-to-accrual", "temporarily-closed-to-accrual-and-intervention", "withdrawn");

  private static final ObjectMapper YAML =
      new YAMLMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, StudyDefinition> studies;

  private StudyCatalog(Map<String, StudyDefinition> studies) {
    this.studies = studies;
  }

  /** Built-in definitions plus {@code *.yaml} in {@code localDir} (when it exists). */
  public static StudyCatalog load(Path localDir) {
    Map<String, StudyDefinition> byId = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    try {
      Resource[] builtIn =
          new PathMatchingResourcePatternResolver().getResources("classpath*:shockreg/studies/*.yaml");
      for (Resource r : builtIn) {
        try (InputStream in = r.getInputStream()) {
          add(byId, r.getFilename(), in, problems);
        }
      }
      if (localDir != null && Files.isDirectory(localDir)) {
        try (Stream<Path> files = Files.list(localDir)) {
          for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
            try (InputStream in = Files.newInputStream(f)) {
              add(byId, f.getFileName().toString(), in, problems);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("Invalid study definitions:\n  " + String.join("\n  ", problems));
    }
    return new StudyCatalog(byId);
  }

  private static void add(Map<String, StudyDefinition> byId, String file, InputStream in, List<String> problems) {
    StudyDefinition s;
    try {
      s = YAML.readValue(in, StudyDefinition.class);
    } catch (IOException e) {
      problems.add(file + ": " + e.getMessage().lines().findFirst().orElse("unreadable"));
      return;
    }
    int before = problems.size();
    if (s == null || s.id() == null || !ID.matcher(s.id()).matches()) {
      problems.add(file + ": id: must match " + ID.pattern());
      return;
    }
    if (s.title() == null || s.title().isBlank()) {
      problems.add(file + ": title: missing");
    }
    if (s.status() == null || !STATUSES.contains(s.status())) {
      problems.add(file + ": status: one of " + STATUSES);
    }
    if (s.arms().isEmpty()) {
      problems.add(file + ": arms: at least one arm");
    }
    for (int i = 0; i < s.arms().size(); i++) {
      StudyDefinition.Arm arm = s.arms().get(i);
      if (arm.code() == null || !ID.matcher(arm.code()).matches()) {
        problems.add(file + ": arms[" + i + "].code: must match " + ID.pattern());
      }
    }
    for (int i = 0; i < s.identifiers().size(); i++) {
      StudyDefinition.StudyIdentifier id = s.identifiers().get(i);
      if (id.system() == null || id.value() == null) {
        problems.add(file + ": identifiers[" + i + "]: system and value");
      }
    }
    if (byId.containsKey(s.id())) {
      problems.add(file + ": id: study " + s.id() + " is defined twice");
    }
    if (problems.size() == before) {
      byId.put(s.id(), s);
    }
  }

  public Map<String, StudyDefinition> studies() {
    return Map.copyOf(studies);
  }

  /**
   * Registers every study in {@code research_study}: new ones inserted, changed definitions
   * updated ({@code last_updated} moves only when the definition changed).
   */
  public void register(DataSource dataSource) {
    JdbcTemplate jdbc = new JdbcTemplate(dataSource);
    for (StudyDefinition s : studies.values()) {
      String definition;
      try {
        definition = JSON.writeValueAsString(s);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      jdbc.update(
          "INSERT INTO research_study (study_id, definition) VALUES (?, ?::jsonb)"
              + " ON CONFLICT (study_id) DO UPDATE SET definition = EXCLUDED.definition, last_updated = now()"
              + " WHERE research_study.definition IS DISTINCT FROM EXCLUDED.definition",
          s.id(),
          definition);
    }
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
