package org.shockreg.registry.study;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.shockreg.registry.study.StudyDefinition.Arm;
import org.shockreg.registry.study.StudyDefinition.Condition;
import org.shockreg.registry.study.StudyDefinition.Criterion;
import org.shockreg.registry.study.StudyDefinition.ExportField;

/**
 * Checks one study file's meaning (its shape is checked by binding): every problem names the file,
 * the key path and the line, e.g. {@code impella.yaml: screening.criteria[2].from (line 31): ...}.
 */
final class StudyFileValidator {

  static final Set<String> CRITERION_TYPES =
      Set.of(
          "age",
          "etiology",
          "measurement",
          "scai-stage",
          "randomization-window",
          "no-diagnosis",
          "manual");
  static final Set<String> ETIOLOGIES = Set.of("ami-cs", "hf-cs", "other");
  static final Set<String> SCAI_STAGES = Set.of("A", "B", "C", "D", "E");
  static final Set<String> FIELD_TYPES = Set.of("integer", "float", "text", "datetime", "boolean");

  /**
   * Export sources without an argument; {@code baseline:}, {@code device-start:}, {@code
   * criterion:} take one.
   */
  static final Set<String> FIELD_SOURCES =
      Set.of(
          "screening-result",
          "age",
          "sex",
          "etiology",
          "hf-cs-ischemic",
          "hf-cs-de-novo",
          "shock-diagnosis-time",
          "cicu-arrival-time",
          "scai-at-diagnosis",
          "scai-worst-24h",
          "hours-diagnosis-to-randomization",
          "hours-cicu-to-randomization",
          "hours-randomization-to-intervention",
          "escalation",
          "deviations",
          "death-time",
          "primary-endpoint");

  static final Set<String> FIELD_SOURCE_PREFIXES =
      Set.of("baseline:", "device-start:", "criterion:");

  /** REDCap variable names: lower case, digits, underscores, starting with a letter. */
  static final Pattern FIELD_NAME = Pattern.compile("[a-z][a-z0-9_]{0,25}");

  private final String file;
  private final Map<String, Integer> lines;
  private final Consumer<String> problems;

  StudyFileValidator(String file, Map<String, Integer> lines, Consumer<String> problems) {
    this.file = file;
    this.lines = lines;
    this.problems = problems;
  }

  void problem(String path, String message) {
    Integer line = lines.get(path);
    for (String p = path; line == null && p.contains("."); ) {
      p = p.substring(0, Math.max(p.lastIndexOf('.'), p.lastIndexOf('[')));
      line = lines.get(p);
    }
    problems.accept(
        file + ": " + path + (line != null ? " (line " + line + ")" : "") + ": " + message);
  }

  void validate(StudyDefinition s) {
    if (s.title() == null || s.title().isBlank()) {
      problem("title", "missing");
    }
    if (s.status() == null || !StudyCatalog.STATUSES.contains(s.status())) {
      problem("status", "one of " + StudyCatalog.STATUSES);
    }
    if (s.arms().size() < 1) {
      problem("arms", "at least one arm");
    }
    Set<String> arms = new HashSet<>();
    for (int i = 0; i < s.arms().size(); i++) {
      Arm arm = s.arms().get(i);
      String at = "arms[" + i + "]";
      if (arm.code() == null || !StudyCatalog.ID.matcher(arm.code()).matches()) {
        problem(at + ".code", "must match " + StudyCatalog.ID.pattern());
      } else if (!arms.add(arm.code())) {
        problem(at + ".code", "arm " + arm.code() + " is defined twice");
      }
      if (arm.intervention() != null
          && (arm.intervention().device() == null
              || arm.intervention().withinHours() == null
              || arm.intervention().withinHours() <= 0)) {
        problem(at + ".intervention", "needs device and within-hours > 0");
      }
      if (arm.escalationWithinHours() != null && arm.escalationWithinHours() <= 0) {
        problem(at + ".escalation-within-hours", "must be > 0");
      }
    }
    for (int i = 0; i < s.identifiers().size(); i++) {
      StudyDefinition.StudyIdentifier id = s.identifiers().get(i);
      if (id.system() == null || id.value() == null) {
        problem("identifiers[" + i + "]", "system and value");
      }
    }
    // No screening section: an observational study, no automated screening.
    if (s.screening() != null) {
      if (s.screening().randomizationWindowHours() == null
          || s.screening().randomizationWindowHours() <= 0) {
        problem("screening.randomization-window-hours", "must be > 0");
      }
      Set<String> keys = new HashSet<>();
      List<Criterion> criteria = s.screening().criteria();
      for (int i = 0; i < criteria.size(); i++) {
        criterion(criteria.get(i), "screening.criteria[" + i + "]", keys);
      }
    }
    if (s.primaryEndpoint() != null) {
      StudyDefinition.Endpoint e = s.primaryEndpoint();
      if (e.code() == null || !StudyCatalog.ID.matcher(e.code()).matches()) {
        problem("primary-endpoint.code", "must match " + StudyCatalog.ID.pattern());
      }
      if (e.days() == null || e.days() <= 0) {
        problem("primary-endpoint.days", "must be > 0");
      }
    }
    Set<String> names = new HashSet<>(Set.of("record_id", "arm", "randomization_time"));
    for (int i = 0; i < s.export().size(); i++) {
      ExportField f = s.export().get(i);
      String at = "export[" + i + "]";
      if (f.name() == null || !FIELD_NAME.matcher(f.name()).matches()) {
        problem(at + ".name", "must match " + FIELD_NAME.pattern() + " (a REDCap variable name)");
      } else if (!names.add(f.name())) {
        problem(at + ".name", "field " + f.name() + " is listed twice (or is a fixed column)");
      }
      if (f.type() == null || !FIELD_TYPES.contains(f.type())) {
        problem(at + ".type", "one of " + FIELD_TYPES);
      }
      if (f.source() == null
          || !(FIELD_SOURCES.contains(f.source())
              || FIELD_SOURCE_PREFIXES.stream()
                  .anyMatch(p -> f.source().startsWith(p) && f.source().length() > p.length()))) {
        problem(
            at + ".source", "one of " + FIELD_SOURCES + " or " + FIELD_SOURCE_PREFIXES + "<code>");
      }
    }
  }

  private void criterion(Criterion c, String at, Set<String> keys) {
    if (c.key() == null || !StudyCatalog.ID.matcher(c.key()).matches()) {
      problem(at + ".key", "must match " + StudyCatalog.ID.pattern());
    } else if (!keys.add(c.key())) {
      problem(at + ".key", "criterion " + c.key() + " is defined twice");
    }
    if (c.type() == null || !CRITERION_TYPES.contains(c.type())) {
      problem(at + ".type", "one of " + CRITERION_TYPES);
      return;
    }
    switch (c.type()) {
      case "age" -> {
        if (c.min() == null && c.max() == null) {
          problem(at, "an age criterion needs min or max");
        }
        if (c.min() != null && c.max() != null && c.min() > c.max()) {
          problem(at + ".min", "greater than max");
        }
      }
      case "etiology" -> codes(at + ".in", c.in(), ETIOLOGIES);
      case "scai-stage" -> {
        codes(at + ".in", c.in(), SCAI_STAGES);
        window(at, c.from(), c.to(), true);
      }
      case "measurement" -> {
        window(at, c.from(), c.to(), true);
        if (c.any() == null || c.any().isEmpty()) {
          problem(at + ".any", "at least one condition");
        } else {
          for (int i = 0; i < c.any().size(); i++) {
            threshold(c.any().get(i), at + ".any[" + i + "]");
          }
        }
      }
      case "no-diagnosis" -> {
        if (c.any() == null || c.any().isEmpty()) {
          problem(at + ".any", "at least one diagnosis category");
        } else {
          for (int i = 0; i < c.any().size(); i++) {
            Condition d = c.any().get(i);
            if (d.category() == null || d.variable() != null) {
              problem(
                  at + ".any[" + i + "]",
                  "a diagnosis condition names a category (and no variable)");
            }
            window(at + ".any[" + i + "]", d.from(), d.to(), true);
          }
        }
      }
      case "manual" -> {
        if (c.items() == null || c.items().isEmpty()) {
          problem(at + ".items", "at least one item");
        }
      }
      default -> {}
    }
  }

  private void threshold(Condition d, String at) {
    if (d.variable() == null || d.category() != null) {
      problem(at, "a measurement condition names a variable (and no category)");
    }
    int n = 0;
    for (BigDecimal b : new BigDecimal[] {d.below(), d.above(), d.atMost(), d.atLeast()}) {
      n += b == null ? 0 : 1;
    }
    if (n != 1) {
      problem(at, "exactly one of below, above, at-most, at-least");
    }
  }

  private void codes(String at, List<String> in, Set<String> allowed) {
    if (in == null || in.isEmpty()) {
      problem(at, "at least one of " + allowed);
      return;
    }
    for (int i = 0; i < in.size(); i++) {
      if (!allowed.contains(in.get(i))) {
        problem(at + "[" + i + "]", "'" + in.get(i) + "' is not one of " + allowed);
      }
    }
  }

  private void window(String at, String from, String to, boolean required) {
    if (from == null || to == null) {
      if (required) {
        problem(at, "needs from and to (relative to shock diagnosis, e.g. -6h and 6h)");
      }
      return;
    }
    try {
      RelativeTime.parse(from);
    } catch (IllegalArgumentException e) {
      problem(at + ".from", e.getMessage());
    }
    try {
      RelativeTime.parse(to);
    } catch (IllegalArgumentException e) {
      problem(at + ".to", e.getMessage());
    }
  }
}
