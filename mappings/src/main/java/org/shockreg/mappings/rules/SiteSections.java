package org.shockreg.mappings.rules;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.SiteDevice;
import org.shockreg.mappings.rules.RuleFiles.SiteDiagnosis;
import org.shockreg.mappings.rules.RuleFiles.SiteLocation;
import org.shockreg.mappings.rules.RuleFiles.SiteMeasurement;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.units.UnitConversionException;
import org.shockreg.mappings.units.UnitConverter;

/**
 * Checks each section of a site mapping file (systems, measurements, devices, diagnoses, intensive
 * care) against the built-in rules: every variable, device and category must exist, every unit must
 * convert to the variable's registry unit, and no code is mapped twice.
 */
final class SiteSections {

  private final RuleSet builtIn;
  private final UnitConverter units;

  SiteSections(RuleSet builtIn, UnitConverter units) {
    this.builtIn = builtIn;
    this.units = units;
  }

  /** The file's system aliases; an alias without a URI is an error. */
  Map<String, String> systems(Map<String, String> aliases, SiteFileProblems p) {
    Map<String, String> systems = aliases == null ? Map.of() : aliases;
    systems.forEach(
        (alias, uri) -> {
          if (blank(uri)) {
            p.add("systems." + alias, "the system alias has no value");
          }
        });
    return systems;
  }

  List<SiteMeasurement> measurements(
      List<SiteMeasurement> entries, Map<String, String> systems, SiteFileProblems p) {
    return section(
        "measurements",
        entries,
        SiteMeasurement::system,
        SiteMeasurement::code,
        p,
        (m, label, seen) -> {
          String system = code(label, m.system(), m.code(), systems, seen, p);
          VariableRule rule =
              blank(m.variable()) ? null : builtIn.variables().get(m.variable().trim());
          if (blank(m.variable())) {
            p.add(
                label, "variable is missing (one of " + known(builtIn.variables().keySet()) + ")");
          } else if (rule == null) {
            p.add(
                label,
                "unknown variable '"
                    + m.variable()
                    + "' (one of "
                    + known(builtIn.variables().keySet())
                    + ")");
          }
          if (blank(m.unit())) {
            p.add(label, "unit is missing: give the unit the code's values are sent in (UCUM)");
          } else if (rule != null) {
            checkUnit(label, m.unit().trim(), rule, p);
          }
          return () ->
              new SiteMeasurement(
                  system, m.code().trim(), trim(m.display()), rule.variable(), m.unit().trim());
        });
  }

  private void checkUnit(String label, String unit, VariableRule rule, SiteFileProblems p) {
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

  List<SiteDevice> devices(
      List<SiteDevice> entries, Map<String, String> systems, SiteFileProblems p) {
    return section(
        "devices",
        entries,
        SiteDevice::system,
        SiteDevice::code,
        p,
        (d, label, seen) -> {
          String system = code(label, d.system(), d.code(), systems, seen, p);
          if (blank(d.device())) {
            p.add(label, "device is missing (one of " + known(builtIn.devices().keySet()) + ")");
          } else if (!builtIn.devices().containsKey(d.device().trim())) {
            p.add(
                label,
                "unknown device '"
                    + d.device()
                    + "' (one of "
                    + known(builtIn.devices().keySet())
                    + ")");
          }
          return () ->
              new SiteDevice(
                  system,
                  d.code().trim(),
                  trim(d.display()),
                  d.device().trim(),
                  Boolean.TRUE.equals(d.removal()));
        });
  }

  List<SiteDiagnosis> diagnoses(
      List<SiteDiagnosis> entries, Map<String, String> systems, SiteFileProblems p) {
    List<String> categories =
        builtIn.diagnosisCategories().stream()
            .map(RuleFiles.DiagnosisCategoryRule::category)
            .toList();
    return section(
        "diagnoses",
        entries,
        SiteDiagnosis::system,
        SiteDiagnosis::code,
        p,
        (d, label, seen) -> {
          // Diagnosis codes compare without dots and case, so I21.0 and i210 are the same code.
          String normalised = d.code() == null ? null : RuleSet.normaliseDiagnosisCode(d.code());
          String system = code(label, d.system(), normalised, systems, seen, p);
          if (blank(d.category())) {
            p.add(label, "category is missing (one of " + known(categories) + ")");
          } else if (!categories.contains(d.category().trim())) {
            p.add(
                label,
                "unknown category '" + d.category() + "' (one of " + known(categories) + ")");
          }
          return () ->
              new SiteDiagnosis(system, d.code().trim(), trim(d.display()), d.category().trim());
        });
  }

  List<CodeRef> encounterTypes(
      List<CodeRef> entries, Map<String, String> systems, SiteFileProblems p) {
    return section(
        "intensive-care.encounter-types",
        entries,
        CodeRef::system,
        CodeRef::code,
        p,
        (t, label, seen) -> {
          String system = code(label, t.system(), t.code(), systems, seen, p);
          if (t.unit() != null || t.twin() != null) {
            p.add(label, "an encounter type has only system, code and display");
          }
          return () -> new CodeRef(system, t.code().trim(), trim(t.display()), null, null);
        });
  }

  /** Reports an entry's problems and returns how to build it, used only when it had none. */
  private interface EntryCheck<E, R> {
    Supplier<R> check(E entry, String label, Map<String, String> seen);
  }

  /**
   * Checks each entry of a coded section in order (an empty entry is a problem) and keeps those
   * that added no problem; {@code seen} finds a code mapped twice within the section.
   */
  private static <E, R> List<R> section(
      String name,
      List<E> entries,
      Function<E, String> system,
      Function<E, String> code,
      SiteFileProblems p,
      EntryCheck<E, R> check) {
    List<R> out = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < size(entries); i++) {
      E e = entries.get(i);
      String label =
          label(name, i, e == null ? null : system.apply(e), e == null ? null : code.apply(e));
      if (e == null) {
        p.add(label, "the entry is empty");
        continue;
      }
      int before = p.list.size();
      Supplier<R> entry = check.check(e, label, seen);
      if (p.list.size() == before) {
        out.add(entry.get());
      }
    }
    return out;
  }

  List<SiteLocation> locations(
      List<SiteLocation> entries, Map<String, String> systems, SiteFileProblems p) {
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
          p.add(
              label,
              "give either id (a Location id) or system and code (its identifier), not both");
          continue;
        }
        String previous = seen.putIfAbsent("Location/" + l.id().trim(), label);
        if (previous != null) {
          p.add(
              label,
              "location Location/" + l.id().trim() + " is listed twice (also " + previous + ")");
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
   * Checks system and code of an entry, resolves the system alias and reports a code seen before in
   * the same section. Returns the resolved system.
   */
  private static String code(
      String label,
      String system,
      String code,
      Map<String, String> systems,
      Map<String, String> seen,
      SiteFileProblems p) {
    if (blank(system)) {
      p.add(
          label,
          "system is missing (a URI, an alias from 'systems', or an HL7 v2 coding system such as L or 99LAB)");
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

  static String label(String section, int index, String system, String code) {
    String label = section + "[" + index + "]";
    if (!blank(system) || !blank(code)) {
      label +=
          " ("
              + (system == null ? "" : system.trim())
              + "|"
              + (code == null ? "" : code.trim())
              + ")";
    }
    return label;
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
