package org.shockreg.server;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Resource;

/**
 * One case of the golden corpus ({@code src/test/resources/golden/cases/*.yaml}), read as data, and
 * the checks its {@code expect} block asks for. The format is described in docs/golden-corpus.md.
 */
final class GoldenCase {

  /**
   * Short names for code systems, usable in expectations and search queries ({@code rv|lactate}).
   */
  static final Map<String, String> SYSTEMS = new LinkedHashMap<>();

  static {
    SYSTEMS.put("rv", "https://fhir.shockreg.org/CodeSystem/registry-variable");
    SYSTEMS.put("dev", "https://fhir.shockreg.org/CodeSystem/tmcs-device");
    SYSTEMS.put("dx", "https://fhir.shockreg.org/CodeSystem/diagnosis-category");
    SYSTEMS.put("flag", "https://fhir.shockreg.org/CodeSystem/data-flag");
    SYSTEMS.put("loinc", "http://loinc.org");
    SYSTEMS.put("snomed", "http://snomed.info/sct");
    SYSTEMS.put("icd10cm", "http://hl7.org/fhir/sid/icd-10-cm");
    SYSTEMS.put("icd10", "http://hl7.org/fhir/sid/icd-10");
    SYSTEMS.put("pcs", "http://www.cms.gov/Medicare/Coding/ICD10");
    SYSTEMS.put("cpt", "http://www.ama-assn.org/go/cpt");
    SYSTEMS.put("ncdr", "https://ncdr.com/codes");
    SYSTEMS.put("ucum", "http://unitsofmeasure.org");
    SYSTEMS.put("rolecode", "http://terminology.hl7.org/CodeSystem/v3-RoleCode");
    SYSTEMS.put("actcode", "http://terminology.hl7.org/CodeSystem/v3-ActCode");
    SYSTEMS.put("obscat", "http://terminology.hl7.org/CodeSystem/observation-category");
    SYSTEMS.put("etio", "https://fhir.shockreg.org/CodeSystem/cs-etiology");
    SYSTEMS.put("scai", "https://fhir.shockreg.org/CodeSystem/scai-stage");
  }

  static final String DATA_FLAG = SYSTEMS.get("flag");
  static final String UCUM = SYSTEMS.get("ucum");
  static final String ORIGINAL_QUANTITY =
      "https://fhir.shockreg.org/StructureDefinition/original-quantity";
  static final String SOURCE_RANGE = "https://fhir.shockreg.org/StructureDefinition/source-range";
  static final Pattern SITE_ID = Pattern.compile("[a-z0-9-]{1,40}");
  private static final Pattern QUERY_ALIAS =
      Pattern.compile("(?<=[=,])(" + String.join("|", SYSTEMS.keySet()) + ")\\|");

  /** Numbers stay exact (2.10 is not 2.1000000000000001); FHIR codes stay strings. */
  static final ObjectMapper YAML =
      YAMLMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
          .build();

  static final ObjectMapper JSON =
      JsonMapper.builder().nodeFactory(JsonNodeFactory.withExactBigDecimals(true)).build();

  /** Keys whose values are FHIR strings even when a YAML author leaves them unquoted (33967). */
  private static final Set<String> STRING_KEYS =
      Set.of("id", "code", "versionId", "birthDate", "value_identifier", "display", "text");

  /** One HTTP post of the case. */
  record Post(String contentType, byte[] body, String describe) {}

  final String name;
  final String site;
  final String description;
  final List<Post> posts;
  final JsonNode expect;

  private GoldenCase(String name, String description, List<Post> posts, JsonNode expect) {
    this.name = name;
    this.site = name;
    this.description = description;
    this.posts = posts;
    this.expect = expect;
  }

  @Override
  public String toString() {
    return name;
  }

  static GoldenCase load(Path file) throws IOException {
    String fileName = file.getFileName().toString();
    String name = fileName.replaceFirst("\\.(ya?ml|json)$", "");
    if (!SITE_ID.matcher(name).matches()) {
      throw new IllegalArgumentException(
          fileName + ": the file name is the case's site id and must match [a-z0-9-]{1,40}");
    }
    JsonNode root = YAML.readTree(Files.readString(file, StandardCharsets.UTF_8));
    requireOnly(root, fileName, "description", "input", "expect");
    if (!root.hasNonNull("description") || root.get("description").asText().isBlank()) {
      throw new IllegalArgumentException(fileName + ": a case needs a description");
    }
    JsonNode input = root.path("input");
    List<JsonNode> postNodes = new ArrayList<>();
    if (input.has("posts")) {
      requireOnly(input, fileName + " input", "posts");
      input.get("posts").forEach(postNodes::add);
    } else {
      postNodes.add(input);
    }
    List<Post> posts = new ArrayList<>();
    for (JsonNode p : postNodes) {
      posts.add(post(p, fileName));
    }
    if (posts.isEmpty()) {
      throw new IllegalArgumentException(fileName + ": no input");
    }
    JsonNode expect = root.path("expect");
    requireOnly(expect, fileName + " expect", "intake", "facts", "deadLetters", "unmappedCodes");
    return new GoldenCase(name, root.get("description").asText(), posts, expect);
  }

  private static Post post(JsonNode p, String fileName) throws IOException {
    requireOnly(p, fileName + " post", "ndjson", "bundle", "resource", "raw", "contentType");
    if (p.has("raw")) {
      // a body sent byte for byte (e.g. one that is not JSON at all)
      return new Post(
          p.path("contentType").asText("application/fhir+json"),
          p.get("raw").asText().getBytes(StandardCharsets.UTF_8),
          "raw");
    }
    if (p.has("ndjson")) {
      StringBuilder body = new StringBuilder();
      for (JsonNode line : p.get("ndjson")) {
        // a string item is sent verbatim: that is how a broken line gets into a case
        body.append(
            line.isTextual() ? line.asText() : JSON.writeValueAsString(fhirStrings(line, null)));
        body.append('\n');
      }
      return new Post(
          "application/fhir+ndjson", body.toString().getBytes(StandardCharsets.UTF_8), "ndjson");
    }
    if (p.has("bundle")) {
      return new Post(
          "application/fhir+json",
          JSON.writerWithDefaultPrettyPrinter()
              .writeValueAsBytes(fhirStrings(p.get("bundle"), null)),
          "bundle");
    }
    if (p.has("resource")) {
      return new Post(
          "application/fhir+json",
          JSON.writeValueAsBytes(fhirStrings(p.get("resource"), null)),
          "resource");
    }
    throw new IllegalArgumentException(fileName + ": a post needs ndjson, bundle or resource");
  }

  /** YAML reads {@code code: 33967} as a number; FHIR wants the string "33967". */
  private static JsonNode fhirStrings(JsonNode node, String key) {
    if (node instanceof ObjectNode o) {
      boolean identifier = o.has("system") && o.has("value") && !o.has("code") && !o.has("unit");
      Iterator<Map.Entry<String, JsonNode>> fields = o.fields();
      List<Map.Entry<String, JsonNode>> replaced = new ArrayList<>();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        String k = identifier && f.getKey().equals("value") ? "value_identifier" : f.getKey();
        replaced.add(Map.entry(f.getKey(), fhirStrings(f.getValue(), k)));
      }
      replaced.forEach(e -> o.set(e.getKey(), e.getValue()));
      return o;
    }
    if (node instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        a.set(i, fhirStrings(a.get(i), key));
      }
      return a;
    }
    if (key != null && STRING_KEYS.contains(key) && node.isNumber()) {
      return new TextNode(node.asText());
    }
    return node;
  }

  static void requireOnly(JsonNode node, String where, String... allowed) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + ": expected a map");
    }
    Set<String> ok = Set.of(allowed);
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!ok.contains(f)) {
                throw new IllegalArgumentException(
                    where + ": unknown key '" + f + "' (known: " + ok + ")");
              }
            });
  }

  // ---- expectations ---------------------------------------------------------------------------

  /** Expands {@code rv|}, {@code loinc|}, ... to full system URIs; other text is left alone. */
  static String system(String alias) {
    return SYSTEMS.getOrDefault(alias, alias);
  }

  static String token(String systemBarCode) {
    int bar = systemBarCode.lastIndexOf('|');
    if (bar < 0) {
      return systemBarCode;
    }
    return system(systemBarCode.substring(0, bar)) + "|" + systemBarCode.substring(bar + 1);
  }

  static String expandQuery(String query) {
    Matcher m = QUERY_ALIAS.matcher(query);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(system(m.group(1)) + "|"));
    }
    m.appendTail(out);
    return out.toString();
  }

  static Instant instant(String s) {
    if (s.length() == 10) {
      return Instant.parse(s + "T00:00:00Z");
    }
    return OffsetDateTime.parse(s).toInstant();
  }

  private static final Set<String> MATCH_KEYS =
      Set.of(
          "id",
          "subject",
          "status",
          "codings",
          "flags",
          "value",
          "unit",
          "comparator",
          "category",
          "effective",
          "original",
          "sourceRange",
          "performedStart",
          "performedEnd",
          "performedDateTime",
          "onset",
          "recorded",
          "clinicalStatus",
          "verificationStatus",
          "class",
          "types",
          "periodStart",
          "periodEnd",
          "gender",
          "birthDate",
          "deceased",
          "valueCode",
          "valueBoolean",
          "codeText",
          "encounter",
          "derivedFromCount");

  /** True when {@code r} meets every expectation of {@code match} (used by {@code where}). */
  static boolean matches(Resource r, JsonNode match, UnaryOperator<String> placeholders) {
    SoftAssertions probe = new SoftAssertions();
    check(probe, r, match, placeholders, "where");
    return probe.wasSuccess();
  }

  /**
   * Checks one curated resource against a {@code match} block. A key given as {@code null} means
   * "absent".
   */
  static void check(
      SoftAssertions softly,
      Resource r,
      JsonNode match,
      UnaryOperator<String> placeholders,
      String where) {
    Iterator<Map.Entry<String, JsonNode>> fields = match.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String key = f.getKey();
      JsonNode want = f.getValue();
      String at = where + " " + key;
      if (!MATCH_KEYS.contains(key)) {
        softly.fail(where + ": unknown expectation key '" + key + "' (known: " + MATCH_KEYS + ")");
        continue;
      }
      switch (key) {
        case "id" ->
            softly
                .assertThat(r.getIdElement().getIdPart())
                .as(at)
                .isEqualTo(placeholders.apply(want.asText()));
        case "subject" ->
            softly.assertThat(subjectOf(r)).as(at).isEqualTo(placeholders.apply(want.asText()));
        case "status" -> softly.assertThat(statusOf(r)).as(at).isEqualTo(text(want));
        case "codings" ->
            softly.assertThat(codingsOf(r)).as(at).containsExactlyElementsOf(tokens(want));
        case "flags" -> {
          List<String> flags =
              r.getMeta().getTag().stream()
                  .filter(t -> DATA_FLAG.equals(t.getSystem()))
                  .map(Coding::getCode)
                  .toList();
          softly.assertThat(flags).as(at).containsExactlyInAnyOrderElementsOf(strings(want));
        }
        case "value" ->
            checkNumber(softly, quantity(r) == null ? null : quantity(r).getValue(), want, at);
        case "unit" -> {
          Quantity q = quantity(r);
          if (want.isNull()) {
            softly.assertThat(q).as(at).isNull();
          } else if (q == null) {
            softly.fail(at + ": no valueQuantity");
          } else {
            softly.assertThat(q.getCode()).as(at + " (UCUM code)").isEqualTo(want.asText());
            softly.assertThat(q.getSystem()).as(at + " (system)").isEqualTo(UCUM);
          }
        }
        case "comparator" -> {
          Quantity q = quantity(r);
          String c = q != null && q.hasComparator() ? q.getComparator().toCode() : null;
          softly.assertThat(c).as(at).isEqualTo(text(want));
        }
        case "category" -> softly.assertThat(categoryOf(r)).as(at).isEqualTo(text(want));
        case "effective" ->
            checkTime(
                softly,
                r instanceof Observation o && o.hasEffectiveDateTimeType()
                    ? o.getEffectiveDateTimeType()
                    : null,
                want,
                at);
        case "original" -> checkQuantityExtension(softly, r, ORIGINAL_QUANTITY, want, at);
        case "sourceRange" -> {
          Extension e = r instanceof Observation o ? o.getExtensionByUrl(SOURCE_RANGE) : null;
          if (want.isNull()) {
            softly.assertThat(e).as(at).isNull();
          } else if (e == null || !(e.getValue() instanceof Range range)) {
            softly.fail(at + ": no source-range extension");
          } else {
            requireOnly(want, at, "low", "high");
            if (want.has("low")) {
              checkNumber(
                  softly,
                  range.hasLow() ? range.getLow().getValue() : null,
                  want.get("low"),
                  at + ".low");
            }
            if (want.has("high")) {
              checkNumber(
                  softly,
                  range.hasHigh() ? range.getHigh().getValue() : null,
                  want.get("high"),
                  at + ".high");
            }
          }
        }
        case "performedStart" ->
            checkTime(
                softly,
                procedure(r).hasPerformedPeriod()
                    ? procedure(r).getPerformedPeriod().getStartElement()
                    : null,
                want,
                at);
        case "performedEnd" ->
            checkTime(
                softly,
                procedure(r).hasPerformedPeriod()
                    ? procedure(r).getPerformedPeriod().getEndElement()
                    : null,
                want,
                at);
        case "performedDateTime" ->
            checkTime(
                softly,
                procedure(r).hasPerformedDateTimeType()
                    ? procedure(r).getPerformedDateTimeType()
                    : null,
                want,
                at);
        case "onset" ->
            checkTime(
                softly,
                condition(r).hasOnsetDateTimeType() ? condition(r).getOnsetDateTimeType() : null,
                want,
                at);
        case "recorded" ->
            checkTime(
                softly,
                condition(r).hasRecordedDate() ? condition(r).getRecordedDateElement() : null,
                want,
                at);
        case "clinicalStatus" ->
            softly
                .assertThat(
                    condition(r).hasClinicalStatus()
                        ? condition(r).getClinicalStatus().getCodingFirstRep().getCode()
                        : null)
                .as(at)
                .isEqualTo(text(want));
        case "verificationStatus" ->
            softly
                .assertThat(
                    condition(r).hasVerificationStatus()
                        ? condition(r).getVerificationStatus().getCodingFirstRep().getCode()
                        : null)
                .as(at)
                .isEqualTo(text(want));
        case "class" ->
            softly
                .assertThat(encounter(r).hasClass_() ? encounter(r).getClass_().getCode() : null)
                .as(at)
                .isEqualTo(text(want));
        case "types" -> {
          List<String> types = new ArrayList<>();
          encounter(r)
              .getType()
              .forEach(
                  t -> t.getCoding().forEach(c -> types.add(c.getSystem() + "|" + c.getCode())));
          softly.assertThat(types).as(at).containsExactlyInAnyOrderElementsOf(tokens(want));
        }
        case "periodStart" ->
            checkTime(
                softly,
                encounter(r).hasPeriod() ? encounter(r).getPeriod().getStartElement() : null,
                want,
                at);
        case "periodEnd" ->
            checkTime(
                softly,
                encounter(r).hasPeriod() ? encounter(r).getPeriod().getEndElement() : null,
                want,
                at);
        case "gender" ->
            softly
                .assertThat(patient(r).hasGender() ? patient(r).getGender().toCode() : null)
                .as(at)
                .isEqualTo(text(want));
        case "birthDate" ->
            softly
                .assertThat(
                    patient(r).hasBirthDate()
                        ? patient(r).getBirthDateElement().getValueAsString()
                        : null)
                .as(at)
                .isEqualTo(text(want));
        case "deceased" -> {
          Patient p = patient(r);
          if (want.isNull()) {
            softly.assertThat(p.hasDeceased()).as(at + " (absent)").isFalse();
          } else if (want.isBoolean()) {
            softly
                .assertThat(
                    p.hasDeceasedBooleanType()
                        && p.getDeceasedBooleanType().booleanValue() == want.asBoolean())
                .as(at + " deceasedBoolean " + want.asBoolean())
                .isTrue();
          } else {
            checkTime(
                softly, p.hasDeceasedDateTimeType() ? p.getDeceasedDateTimeType() : null, want, at);
          }
        }
        case "valueCode" -> {
          Observation o = r instanceof Observation x ? x : new Observation();
          String actual =
              o.hasValueCodeableConcept()
                  ? o.getValueCodeableConcept().getCodingFirstRep().getSystem()
                      + "|"
                      + o.getValueCodeableConcept().getCodingFirstRep().getCode()
                  : null;
          softly.assertThat(actual).as(at).isEqualTo(want.isNull() ? null : token(want.asText()));
        }
        case "valueBoolean" -> {
          Observation o = r instanceof Observation x ? x : new Observation();
          Boolean actual = o.hasValueBooleanType() ? o.getValueBooleanType().booleanValue() : null;
          softly.assertThat(actual).as(at).isEqualTo(want.isNull() ? null : want.asBoolean());
        }
        case "codeText" -> {
          Observation o = r instanceof Observation x ? x : new Observation();
          softly
              .assertThat(o.getCode().hasText() ? o.getCode().getText() : null)
              .as(at)
              .isEqualTo(text(want));
        }
        case "encounter" -> {
          Observation o = r instanceof Observation x ? x : new Observation();
          String actual = o.hasEncounter() ? o.getEncounter().getReference() : null;
          softly
              .assertThat(actual)
              .as(at)
              .isEqualTo(want.isNull() ? null : placeholders.apply(want.asText()));
        }
        case "derivedFromCount" -> {
          Observation o = r instanceof Observation x ? x : new Observation();
          softly.assertThat(o.getDerivedFrom()).as(at).hasSize(want.asInt());
        }
        default -> softly.fail(at + ": not implemented");
      }
    }
  }

  /** Contract invariants that hold for every curated resource a search returns. */
  static void invariants(SoftAssertions softly, Resource r, String where) {
    if (r instanceof Observation o) {
      softly
          .assertThat(firstCodingSystem(o.getCode().getCoding()))
          .as(where + ": RV coding first")
          .isEqualTo(SYSTEMS.get("rv"));
      if (o.hasValueQuantity()) {
        softly
            .assertThat(o.getValueQuantity().getSystem())
            .as(where + ": valueQuantity system UCUM")
            .isEqualTo(UCUM);
        softly
            .assertThat(o.getValueQuantity().getCode())
            .as(where + ": valueQuantity UCUM code")
            .isNotBlank();
      }
    } else if (r instanceof Procedure p) {
      softly
          .assertThat(firstCodingSystem(p.getCode().getCoding()))
          .as(where + ": DEV coding first")
          .isEqualTo(SYSTEMS.get("dev"));
    } else if (r instanceof Condition c) {
      softly
          .assertThat(firstCodingSystem(c.getCode().getCoding()))
          .as(where + ": category coding first")
          .isEqualTo(SYSTEMS.get("dx"));
    } else if (r instanceof Patient p) {
      // data-dictionary §5: no name, address, MRN or exact birth date in curated data
      softly.assertThat(p.hasName()).as(where + ": Patient without name").isFalse();
      softly.assertThat(p.hasIdentifier()).as(where + ": Patient without identifier").isFalse();
      softly.assertThat(p.hasAddress()).as(where + ": Patient without address").isFalse();
      softly.assertThat(p.hasTelecom()).as(where + ": Patient without telecom").isFalse();
      if (p.hasBirthDate()) {
        softly
            .assertThat(p.getBirthDateElement().getValueAsString())
            .as(where + ": birthDate is a year")
            .matches("\\d{4}");
      }
    }
  }

  private static String firstCodingSystem(List<Coding> codings) {
    return codings.isEmpty() ? null : codings.get(0).getSystem();
  }

  private static void checkQuantityExtension(
      SoftAssertions softly, Resource r, String url, JsonNode want, String at) {
    Extension e =
        r instanceof org.hl7.fhir.r4.model.DomainResource d ? d.getExtensionByUrl(url) : null;
    if (want.isNull()) {
      softly.assertThat(e).as(at + " (absent)").isNull();
      return;
    }
    if (e == null || !(e.getValue() instanceof Quantity q)) {
      softly.fail(at + ": no " + url + " extension with a Quantity");
      return;
    }
    requireOnly(want, at, "value", "unit", "comparator");
    if (want.has("value")) {
      checkNumber(softly, q.getValue(), want.get("value"), at + ".value");
    }
    if (want.has("unit")) {
      softly
          .assertThat(q.hasUnit() ? q.getUnit() : q.getCode())
          .as(at + ".unit")
          .isEqualTo(text(want.get("unit")));
    }
    if (want.has("comparator")) {
      softly
          .assertThat(q.hasComparator() ? q.getComparator().toCode() : null)
          .as(at + ".comparator")
          .isEqualTo(text(want.get("comparator")));
    }
  }

  private static void checkNumber(
      SoftAssertions softly, BigDecimal actual, JsonNode want, String at) {
    if (want.isNull()) {
      softly.assertThat(actual).as(at + " (absent)").isNull();
      return;
    }
    BigDecimal expected = new BigDecimal(want.asText());
    if (actual == null) {
      softly.fail(at + ": expected " + expected + " but there is no value");
    } else {
      softly.assertThat(actual).as(at).isEqualByComparingTo(expected);
    }
  }

  private static void checkTime(
      SoftAssertions softly, BaseDateTimeType actual, JsonNode want, String at) {
    if (want.isNull()) {
      softly
          .assertThat(actual == null || actual.isEmpty())
          .as(at + " (absent), was " + (actual == null ? null : actual.getValueAsString()))
          .isTrue();
      return;
    }
    if (actual == null || actual.isEmpty()) {
      softly.fail(at + ": expected " + want.asText() + " but it is absent");
      return;
    }
    softly
        .assertThat(actual.getValue().toInstant())
        .as(at + " (was " + actual.getValueAsString() + ")")
        .isEqualTo(instant(want.asText()));
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }

  static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n != null && n.isArray()) {
      n.forEach(x -> out.add(x.asText()));
    }
    return out;
  }

  private static List<String> tokens(JsonNode n) {
    return strings(n).stream().map(GoldenCase::token).toList();
  }

  private static List<String> codingsOf(Resource r) {
    List<Coding> codings = List.of();
    if (r instanceof Observation o) {
      codings = o.getCode().getCoding();
    } else if (r instanceof Procedure p) {
      codings = p.getCode().getCoding();
    } else if (r instanceof Condition c) {
      codings = c.getCode().getCoding();
    }
    return codings.stream().map(c -> c.getSystem() + "|" + c.getCode()).toList();
  }

  private static String subjectOf(Resource r) {
    if (r instanceof Observation o) {
      return o.getSubject().getReference();
    } else if (r instanceof Procedure p) {
      return p.getSubject().getReference();
    } else if (r instanceof Condition c) {
      return c.getSubject().getReference();
    } else if (r instanceof Encounter e) {
      return e.getSubject().getReference();
    }
    return null;
  }

  private static String statusOf(Resource r) {
    if (r instanceof Observation o) {
      return o.hasStatus() ? o.getStatus().toCode() : null;
    } else if (r instanceof Procedure p) {
      return p.hasStatus() ? p.getStatus().toCode() : null;
    } else if (r instanceof Encounter e) {
      return e.hasStatus() ? e.getStatus().toCode() : null;
    }
    return null;
  }

  private static String categoryOf(Resource r) {
    if (r instanceof Observation o) {
      return o.hasCategory() ? o.getCategoryFirstRep().getCodingFirstRep().getCode() : null;
    }
    return null;
  }

  private static Quantity quantity(Resource r) {
    return r instanceof Observation o && o.hasValueQuantity() ? o.getValueQuantity() : null;
  }

  private static Procedure procedure(Resource r) {
    return r instanceof Procedure p ? p : new Procedure();
  }

  private static Condition condition(Resource r) {
    return r instanceof Condition c ? c : new Condition();
  }

  private static Encounter encounter(Resource r) {
    return r instanceof Encounter e ? e : new Encounter();
  }

  private static Patient patient(Resource r) {
    return r instanceof Patient p ? p : new Patient();
  }
}
