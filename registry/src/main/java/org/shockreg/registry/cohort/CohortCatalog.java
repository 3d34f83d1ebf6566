package org.shockreg.registry.cohort;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.stream.Stream;

/**
 * The cohort definitions in force: the built-in ones (classpath {@value #BUILT_IN}) and those of a
 * local directory ({@code *.yaml}/{@code *.yml}, read in name order), validated together at start.
 * Ids are unique across all files. Templates stand for one cohort per registered site or per study.
 */
public final class CohortCatalog {

  /** The built-in definitions. */
  public static final String BUILT_IN = "shockreg/cohorts/built-in.yaml";

  private final List<CohortDefinition> cohorts;
  private final List<CohortDefinition> templates;

  public CohortCatalog(List<CohortDefinition> definitions) {
    this.cohorts = definitions.stream().filter(d -> !d.isTemplate()).toList();
    this.templates = definitions.stream().filter(CohortDefinition::isTemplate).toList();
  }

  /**
   * The built-in definitions plus those in {@code localDir} (null or missing: none).
   *
   * @throws CohortDefinitionException naming every problem's file and key
   */
  public static CohortCatalog load(CohortDefinitionReader reader, Path localDir) {
    List<String> problems = new ArrayList<>();
    List<CohortDefinition> all = new ArrayList<>();
    try (InputStream in = CohortCatalog.class.getClassLoader().getResourceAsStream(BUILT_IN)) {
      if (in == null) {
        throw new IllegalStateException("built-in cohort definitions missing: " + BUILT_IN);
      }
      all.addAll(reader.read(BUILT_IN, in.readAllBytes(), problems));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + BUILT_IN, e);
    }
    if (localDir != null && Files.exists(localDir)) {
      if (!Files.isDirectory(localDir)) {
        problems.add(localDir + ": the cohorts directory is not a directory");
      } else {
        List<Path> files;
        try (Stream<Path> list = Files.list(localDir)) {
          files = list.filter(Files::isRegularFile).filter(CohortCatalog::isYaml).sorted().toList();
        } catch (IOException e) {
          throw new CohortDefinitionException(
              List.of(localDir + ": cannot list the cohorts directory: " + e));
        }
        for (Path f : files) {
          try {
            all.addAll(reader.read(f.toString(), Files.readAllBytes(f), problems));
          } catch (IOException e) {
            problems.add(f + ": cannot be read: " + e);
          }
        }
      }
    }
    Map<String, CohortDefinition> seen = new HashMap<>();
    for (CohortDefinition d : all) {
      CohortDefinition previous = seen.putIfAbsent(d.id(), d);
      if (previous != null) {
        problems.add(
            d.source() + ": cohorts (" + d.id() + ").id: already defined in " + previous.source());
      }
    }
    if (!problems.isEmpty()) {
      throw new CohortDefinitionException(problems);
    }
    return new CohortCatalog(all);
  }

  private static boolean isYaml(Path f) {
    String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
    return !name.startsWith(".") && (name.endsWith(".yaml") || name.endsWith(".yml"));
  }

  /** The cohorts that are not templates, in file order. */
  public List<CohortDefinition> cohorts() {
    return cohorts;
  }

  /** The templates ({@code for-each}), in file order. */
  public List<CohortDefinition> templates() {
    return templates;
  }

  /**
   * The cohort with this id: a plain definition first, else the first template whose pattern fits
   * the id with a site (or study) that {@code exists}.
   */
  public Optional<CohortDefinition> resolve(
      String id, BiPredicate<CohortDefinition.ForEach, String> exists) {
    for (CohortDefinition d : cohorts) {
      if (d.id().equals(id)) {
        return Optional.of(d);
      }
    }
    for (CohortDefinition t : templates) {
      String value = t.valueOf(id);
      if (value != null
          && CohortDefinitionReader.SITE_ID.matcher(value).matches()
          && exists.test(t.forEach(), value)) {
        return Optional.of(t.instance(value));
      }
    }
    return Optional.empty();
  }
}
