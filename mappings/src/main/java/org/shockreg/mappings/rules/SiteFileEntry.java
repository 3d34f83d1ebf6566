package org.shockreg.mappings.rules;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One local-code entry to add to a site mapping file (docs/local-codes.md): a code of the site's
 * system mapped to a registry variable (with the unit it is sent in), a device or a diagnosis
 * category. Validated for shape here; whether the target exists is the loader's check on reload.
 *
 * @param section {@code measurements}, {@code devices} or {@code diagnoses}
 * @param target the variable, device or category
 * @param unit the unit values are sent in (measurements only)
 */
public record SiteFileEntry(
    String section, String system, String code, String display, String target, String unit) {

  private static final Map<String, String> TARGET_KEYS =
      Map.of("measurements", "variable", "devices", "device", "diagnoses", "category");
  private static final Pattern SITE = Pattern.compile("[a-z0-9-]{1,40}");
  static final Set<String> SECTIONS = TARGET_KEYS.keySet();

  /** Why this entry cannot be written, or null. */
  public String problem() {
    if (section == null || !TARGET_KEYS.containsKey(section)) {
      return "section must be one of measurements, devices, diagnoses";
    }
    if (blank(system) || blank(code) || blank(target)) {
      return "system, code and target are required";
    }
    if ("measurements".equals(section) && blank(unit)) {
      return "a measurement needs the unit its values are sent in";
    }
    for (String v : new String[] {system, code, display, target, unit}) {
      if (v != null && (v.length() > 200 || v.chars().anyMatch(Character::isISOControl))) {
        return "values must be one line of at most 200 characters";
      }
    }
    return null;
  }

  public static boolean validSite(String site) {
    return site != null && SITE.matcher(site).matches();
  }

  /** The entry as one YAML flow mapping, every value a double-quoted (JSON-escaped) scalar. */
  String yaml() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("system", system);
    fields.put("code", code);
    if (!blank(display)) {
      fields.put("display", display);
    }
    fields.put(TARGET_KEYS.get(section), target);
    if ("measurements".equals(section)) {
      fields.put("unit", unit);
    }
    StringBuilder out = new StringBuilder("{ ");
    fields.forEach(
        (k, v) ->
            out.append(out.length() > 2 ? ", " : "").append(k).append(": ").append(quoted(v)));
    return out.append(" }").toString();
  }

  private static String quoted(String v) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : v.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> b.append(c);
      }
    }
    return b.append('"').toString();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
