package org.shockreg.registry.cohort;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads cohort definition files (YAML, a list under {@code cohorts:}) and validates them. Every
 * problem is reported with the file and the key it concerns; a file with any problem yields no
 * definitions. See docs/cohorts.md for the format.
 */
public final class CohortDefinitionReader {

  static final Set<String> ETIOLOGIES = Set.of("ami-cs", "hf-cs", "other");
  static final Set<String> SCAI_STAGES = Set.of("A", "B", "C", "D", "E");
  static final Set<String> SEXES = Set.of("male", "female", "other", "unknown");
  static final Pattern SITE_ID = Pattern.compile("[a-z0-9-]{1,40}");
  static final Pattern DEVICE_CODE = Pattern.compile("[a-z0-9-]{1,64}");
  private static final Set<String> COHORT_KEYS =
      Set.of("id", "name", "description", "study", "for-each", "criteria");
  private static final Set<String> CRITERIA_KEYS =
      Set.of(
          "shock-episode",
          "etiology",
          "site",
          "scai-stage-at-diagnosis",
          "age-at-diagnosis",
          "device",
          "sex",
          "research-subject");

  /** ResearchSubject.status codes of FHIR R4. */
  static final Set<String> SUBJECT_STATUSES =
      Set.of(
          "candidate",
          "eligible",
          "follow-up",
          "ineligible",
          "not-registered",
          "off-study",
          "on-study",
          "on-study-intervention",
          "on-study-observation",
          "pending-on-study",
          "potential-candidate",
          "screening",
          "withdrawn");

  private final Set<String> knownDevices;
  private final ObjectMapper yaml =
      new ObjectMapper(new YAMLFactory())
          .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true);

  /**
   * @param knownDevices the DEV codes a {@code device} criterion may name; empty: any well-formed
   *     code
   */
  public CohortDefinitionReader(Set<String> knownDevices) {
    this.knownDevices = Set.copyOf(knownDevices);
  }

  /**
   * The definitions of one file; its problems (prefixed with {@code source}) go to {@code
   * problems}.
   */
  public List<CohortDefinition> read(String source, byte[] content, List<String> problems) {
    Problems p = new Problems(source);
    JsonNode root;
    try {
      root = content.length == 0 ? null : yaml.readTree(content);
    } catch (JsonProcessingException e) {
      p.add(null, "not valid YAML: " + e.getOriginalMessage().replace('\n', ' '));
      problems.addAll(p.list);
      return List.of();
    } catch (IOException e) {
      p.add(null, "cannot be read: " + e.getMessage());
      problems.addAll(p.list);
      return List.of();
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      p.add(null, "empty file; expected a list of cohorts under 'cohorts:'");
      problems.addAll(p.list);
      return List.of();
    }
    if (!root.isObject()) {
      p.add(null, "expected a mapping with the key 'cohorts'");
      problems.addAll(p.list);
      return List.of();
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!"cohorts".equals(key)) {
        p.add(key, "unknown key (allowed here: cohorts)");
      }
    }
    JsonNode list = root.get("cohorts");
    if (list == null || !list.isArray()) {
      p.add("cohorts", "expected a list of cohort definitions");
      problems.addAll(p.list);
      return List.of();
    }
    List<CohortDefinition> out = new ArrayList<>();
    Set<String> ids = new LinkedHashSet<>();
    for (int i = 0; i < list.size(); i++) {
      CohortDefinition d = cohort(source, list.get(i), "cohorts[" + i + "]", p);
      if (d != null) {
        if (!ids.add(d.id())) {
          p.add(
              "cohorts[" + i + "].id", "cohort id '" + d.id() + "' is defined twice in this file");
        }
        out.add(d);
      }
    }
    if (!p.list.isEmpty()) {
      problems.addAll(p.list);
      return List.of();
    }
    return out;
  }

  private CohortDefinition cohort(String source, JsonNode node, String at, Problems p) {
    if (node == null || !node.isObject()) {
      p.add(at, "expected a mapping with id, name and criteria");
      return null;
    }
    unknownKeys(node, COHORT_KEYS, at, p);
    String id = text(node, "id", at, p, true);
    String label = id == null ? at : at + " (" + id + ")";
    String name = text(node, "name", label, p, true);
    String description = text(node, "description", label, p, false);
    String study = text(node, "study", label, p, false);
    String forEachKey = text(node, "for-each", label, p, false);
    CohortDefinition.ForEach forEach = null;
    if (forEachKey != null) {
      forEach = CohortDefinition.ForEach.of(forEachKey);
      if (forEach == null) {
        p.add(label + ".for-each", "'" + forEachKey + "' is not supported (allowed: site, study)");
      }
    }
    if (id != null) {
      String bare = id;
      boolean misplaced = false;
      for (CohortDefinition.ForEach f : CohortDefinition.ForEach.values()) {
        String placeholder = f.placeholder();
        if (f == forEach) {
          int first = id.indexOf(placeholder);
          if (first < 0 || id.indexOf(placeholder, first + 1) >= 0) {
            p.add(
                label + ".id",
                "a for-each: "
                    + f.key()
                    + " template's id must contain "
                    + placeholder
                    + " exactly once");
          }
          // The longest site or study id (40) must still give a valid id.
          bare = bare.replace(placeholder, "s".repeat(40));
        } else if (id.contains(placeholder)) {
          p.add(label + ".id", placeholder + " is only allowed with for-each: " + f.key());
          misplaced = true;
        }
      }
      if (!misplaced && !CohortDefinition.ID.matcher(bare).matches()) {
        p.add(
            label + ".id",
            "'"
                + id
                + "' is not a valid cohort id (lower-case letters, digits, '-' and '.', at most"
                + " 64 characters"
                + (forEach != null
                    ? " with a 40-character id in place of " + forEach.placeholder() + ")"
                    : ")"));
      }
    }
    if (study != null && !SITE_ID.matcher(study).matches()) {
      p.add(label + ".study", "'" + study + "' is not a valid study id ([a-z0-9-]{1,40})");
    }
    if (study != null && forEach == CohortDefinition.ForEach.STUDY) {
      p.add(
          label + ".study",
          "a for-each: study template gets its study from for-each; remove this key");
    }
    CohortCriteria criteria = criteria(node.get("criteria"), label + ".criteria", forEach, p);
    if (id == null || name == null || criteria == null) {
      return null;
    }
    return new CohortDefinition(id, name, description, study, forEach, criteria, source);
  }

  private CohortCriteria criteria(
      JsonNode node, String at, CohortDefinition.ForEach forEach, Problems p) {
    if (node == null || !node.isObject() || node.isEmpty()) {
      p.add(
          at,
          "expected a mapping with at least one criterion ("
              + String.join(", ", sorted(CRITERIA_KEYS))
              + ")");
      return null;
    }
    int before = p.list.size();
    unknownKeys(node, CRITERIA_KEYS, at, p);
    Boolean shockEpisode = null;
    JsonNode se = node.get("shock-episode");
    if (se != null) {
      if (!se.isBoolean()) {
        p.add(at + ".shock-episode", "expected true or false");
      } else {
        shockEpisode = se.booleanValue();
      }
    }
    List<String> etiology = codes(node, "etiology", at, ETIOLOGIES, null, p);
    List<String> site = codes(node, "site", at, null, SITE_ID, p);
    List<String> scai = codes(node, "scai-stage-at-diagnosis", at, SCAI_STAGES, null, p);
    List<String> device =
        codes(node, "device", at, knownDevices.isEmpty() ? null : knownDevices, DEVICE_CODE, p);
    List<String> sex = codes(node, "sex", at, SEXES, null, p);
    Integer ageMin = null;
    Integer ageMax = null;
    JsonNode age = node.get("age-at-diagnosis");
    if (age != null) {
      String k = at + ".age-at-diagnosis";
      if (!age.isObject() || age.isEmpty()) {
        p.add(k, "expected a mapping with min and/or max (years, included)");
      } else {
        unknownKeys(age, Set.of("min", "max"), k, p);
        ageMin = years(age.get("min"), k + ".min", p);
        ageMax = years(age.get("max"), k + ".max", p);
        if (ageMin != null && ageMax != null && ageMin > ageMax) {
          p.add(k, "min (" + ageMin + ") is greater than max (" + ageMax + ")");
        }
      }
    }
    CohortCriteria.ResearchSubject researchSubject = null;
    JsonNode rs = node.get("research-subject");
    if (rs != null) {
      String k = at + ".research-subject";
      if (!rs.isObject()) {
        p.add(k, "expected a mapping with study and/or status ({} for any study and status)");
      } else {
        unknownKeys(rs, Set.of("study", "status"), k, p);
        String study = text(rs, "study", k, p, false);
        if (study != null && !SITE_ID.matcher(study).matches()) {
          p.add(k + ".study", "'" + study + "' is not a valid study id ([a-z0-9-]{1,40})");
        }
        if (study != null && forEach == CohortDefinition.ForEach.STUDY) {
          p.add(
              k + ".study",
              "a for-each: study template gets its study from for-each; remove this key");
        }
        researchSubject =
            new CohortCriteria.ResearchSubject(
                study, codes(rs, "status", k, SUBJECT_STATUSES, null, p));
      }
    }
    if (forEach == CohortDefinition.ForEach.SITE && node.has("site")) {
      p.add(at + ".site", "a for-each: site template gets its site from for-each; remove this key");
    }
    CohortCriteria c =
        new CohortCriteria(
            shockEpisode, etiology, site, scai, ageMin, ageMax, device, sex, researchSubject);
    if (Boolean.FALSE.equals(shockEpisode)
        && (!c.etiology().isEmpty()
            || !c.site().isEmpty()
            || !c.scaiAtDiagnosis().isEmpty()
            || ageMin != null
            || ageMax != null
            || forEach == CohortDefinition.ForEach.SITE)) {
      p.add(at + ".shock-episode", "false contradicts the episode criteria of this cohort");
    }
    return p.list.size() == before ? c : null;
  }

  private static List<String> codes(
      JsonNode parent, String key, String at, Set<String> allowed, Pattern format, Problems p) {
    JsonNode node = parent.get(key);
    if (node == null) {
      return List.of();
    }
    String k = at + "." + key;
    List<JsonNode> items = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(items::add);
    } else {
      items.add(node);
    }
    if (items.isEmpty()) {
      p.add(k, "expected one or more values");
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      String ki = node.isArray() ? k + "[" + i + "]" : k;
      if (!item.isTextual() || item.textValue().isBlank()) {
        p.add(ki, "expected a code");
        continue;
      }
      String v = item.textValue().trim();
      if (allowed != null && !allowed.contains(v)) {
        p.add(
            ki, "unknown value '" + v + "' (allowed: " + String.join(", ", sorted(allowed)) + ")");
      } else if (format != null && !format.matcher(v).matches()) {
        p.add(ki, "'" + v + "' is not well-formed (" + format.pattern() + ")");
      } else if (out.contains(v)) {
        p.add(ki, "'" + v + "' is listed twice");
      } else {
        out.add(v);
      }
    }
    return out;
  }

  private static Integer years(JsonNode node, String at, Problems p) {
    if (node == null) {
      return null;
    }
    if (!node.canConvertToExactIntegral() || node.asInt() < 0 || node.asInt() > 150) {
      p.add(at, "expected whole years from 0 to 150");
      return null;
    }
    return node.asInt();
  }

  private static String text(JsonNode node, String key, String at, Problems p, boolean required) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      if (required) {
        p.add(at + "." + key, "is required");
      }
      return null;
    }
    if (!v.isValueNode() || v.asText().isBlank()) {
      p.add(at + "." + key, "expected a non-empty text");
      return null;
    }
    return v.asText().trim();
  }

  private static void unknownKeys(JsonNode node, Set<String> allowed, String at, Problems p) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      String key = it.next().getKey();
      if (!allowed.contains(key)) {
        p.add(
            at + "." + key,
            "unknown key (allowed here: " + String.join(", ", sorted(allowed)) + ")");
      }
    }
  }

  private static List<String> sorted(Set<String> values) {
    return values.stream().sorted().toList();
  }

  private static final class Problems {
    final String source;
    final List<String> list = new ArrayList<>();

    Problems(String source) {
      this.source = source;
    }

    void add(String key, String problem) {
      list.add(source + ": " + (key == null ? "" : key + ": ") + problem);
    }
  }
}
