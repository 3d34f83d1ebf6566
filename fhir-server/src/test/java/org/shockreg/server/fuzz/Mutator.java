package org.shockreg.server.fuzz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Applies {@link Mutation}s to a copy of a JSON payload and writes it out. Some mutations cannot be
 * expressed as a Jackson tree (a duplicated key, a number too large for a double, a lone surrogate
 * escape, nesting deeper than the parser allows), so the writer is our own and such values are kept
 * as raw JSON text.
 */
final class Mutator {

  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
  private static final Pattern DATE_LIKE = Pattern.compile("^-?\\d{4}(-\\d{2}.*)?$");
  private static final Pattern DATE_KEY =
      Pattern.compile(
          "(?i).*(date|time|instant|issued|start|end|lastUpdated|authoredOn|onset|abatement|period).*");

  static final String[] HUGE_NUMBERS = {
    "1e99999",
    "-1e99999",
    "123456789012345678901234567890123456789",
    "1" + "0".repeat(1200),
    "0." + "0".repeat(400) + "1",
    "1E-400",
    "-0",
    "9223372036854775808",
    "-9223372036854775809",
    "4.9E-324",
    "1.7976931348623157E309",
    "2147483648",
    "0.1e-2147483648",
    "1" + "0".repeat(999)
  };

  /** JSON string literals (escapes as written in the payload). */
  static final String[] ODD_STRINGS = {
    "\\u0000",
    "a\\u0000b",
    "\\ud800",
    "\\udc00x",
    "\u202Eevil",
    "\uFEFFbom",
    "zero\u200Bwidth",
    "\uD83E\uDEC0\uD83D\uDC94",
    "e\u0301\u0301\u0301",
    "\\u2028\\u2029",
    "\u0085nel",
    "\\t\\r\\n",
    "\u0663\u066B\u0665",
    "\uFFFF",
    "\\u001b[31m",
    "%00",
    "' OR '1'='1",
    "\\\\",
    "${jndi:ldap://x}",
    "\u00A0",
    "\u0130\u0131",
    "ｍｍｏｌ／Ｌ"
  };

  static final String[] BAD_DATES = {
    "2025-13-45",
    "2025-02-30",
    "0000-00-00",
    "2025-02-29",
    "1900-02-29",
    "9999-12-31T23:59:60Z",
    "2025-01-01T24:00:00Z",
    "2025-01-01T00:00:00+25:00",
    "2025-01-01T00:00:00",
    "20250101",
    "2025",
    "2025-1-1",
    "yesterday",
    "",
    "-0001-01-01",
    "+12025-01-01",
    "2025-01-01T00:00:00.123456789012Z",
    "2025-01-01T00:00Z",
    "0001-01-01T00:00:00Z",
    "2025-W01-1",
    " 2025-01-01 ",
    "99999-01-01",
    "2025-01-01T00:00:00-14:01",
    "1969-12-31T23:59:59.999Z",
    "2025-06-15T12:00:00+14:00"
  };

  static final String[] BAD_REFERENCES = {
    "",
    "Patient/",
    "Patient",
    "/Patient/x",
    "Patient/../../admin",
    "urn:uuid:00000000-0000-0000-0000-000000000000",
    "#missing",
    "http://elsewhere.example/fhir/Patient/1",
    "Observation/self",
    "Patient/" + "x".repeat(100),
    "Patient/a b",
    "Patient/%00",
    "Patient/1/_history/2",
    "Patient?identifier=x|y",
    "urn:oid:1.2.3",
    "Encounter/",
    "Patient/\u00e9",
    "urn:uuid:",
    "Group/hf-cs"
  };

  static final String[] RESOURCE_TYPES = {
    "Patient",
    "Observation",
    "Condition",
    "Procedure",
    "Encounter",
    "Bundle",
    "Foo",
    "observation",
    "",
    "Parameters",
    "OperationOutcome",
    "Provenance",
    "ResearchSubject",
    "ResearchStudy",
    "Group",
    "Binary",
    "AuditEvent"
  };

  static final String[] ODD_IDS = {
    "",
    " ",
    "x".repeat(64),
    "x".repeat(65),
    "../x",
    "a/b",
    "\u00dcn\u00efcode",
    "x".repeat(10_000),
    "null",
    "-",
    ".",
    "a|b",
    "id with space",
    "\\u0000"
  };

  /** A payload being mutated: the tree and what the tree cannot hold. */
  static final class Doc {
    JsonNode root;
    final Map<JsonNode, String> raw = new IdentityHashMap<>();
    final Map<ObjectNode, List<String[]>> extraFields = new IdentityHashMap<>();

    Doc(JsonNode root) {
      this.root = root;
    }

    String write() {
      return write(root);
    }

    String write(JsonNode n) {
      StringBuilder out = new StringBuilder();
      write(n, out);
      return out.toString();
    }

    private void write(JsonNode n, StringBuilder out) {
      String r = raw.get(n);
      if (r != null) {
        out.append(r);
        return;
      }
      if (n instanceof ObjectNode o) {
        out.append('{');
        boolean first = true;
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          first = comma(out, first);
          out.append(quote(f.getKey())).append(':');
          write(f.getValue(), out);
        }
        for (String[] extra : extraFields.getOrDefault(o, List.of())) {
          first = comma(out, first);
          out.append(quote(extra[0])).append(':').append(extra[1]);
        }
        out.append('}');
      } else if (n instanceof ArrayNode a) {
        out.append('[');
        boolean first = true;
        for (JsonNode e : a) {
          first = comma(out, first);
          write(e, out);
        }
        out.append(']');
      } else {
        out.append(scalar(n));
      }
    }

    private static boolean comma(StringBuilder out, boolean first) {
      if (!first) {
        out.append(',');
      }
      return false;
    }
  }

  /** Where a node sits, so that it can be replaced. */
  private record Slot(ContainerNode<?> parent, String field, int index, JsonNode node) {
    void replace(JsonNode with) {
      if (parent instanceof ObjectNode o) {
        o.set(field, with);
      } else {
        ((ArrayNode) parent).set(index, with);
      }
    }
  }

  static Doc apply(JsonNode seed, List<Mutation> mutations) {
    Doc doc = new Doc(seed.deepCopy());
    for (Mutation m : mutations) {
      apply(doc, m);
    }
    return doc;
  }

  private static void apply(Doc doc, Mutation m) {
    int v = m.variant();
    switch (m.kind()) {
      case DROP_FIELD -> {
        Slot s = pick(doc, m, x -> x.parent() instanceof ObjectNode);
        if (s != null) {
          ((ObjectNode) s.parent()).remove(s.field());
        }
      }
      case DUPLICATE_KEY -> {
        Slot s = pick(doc, m, x -> x.parent() instanceof ObjectNode);
        if (s != null) {
          String value =
              switch (v % 4) {
                case 0 -> doc.write(s.node());
                case 1 -> "\"duplicate\"";
                case 2 -> "null";
                default -> "{}";
              };
          doc.extraFields
              .computeIfAbsent((ObjectNode) s.parent(), k -> new ArrayList<>())
              .add(new String[] {s.field(), value});
        }
      }
      case DUPLICATE_ELEMENT -> {
        Slot s = pick(doc, m, x -> x.node() instanceof ArrayNode a && !a.isEmpty());
        if (s != null) {
          ArrayNode a = (ArrayNode) s.node();
          a.add(a.get(v % a.size()).deepCopy());
        }
      }
      case SWAP_VALUES -> {
        Slot s = pick(doc, m, x -> x.node() instanceof ObjectNode o && o.size() >= 2);
        if (s != null) {
          ObjectNode o = (ObjectNode) s.node();
          List<String> names = new ArrayList<>();
          o.fieldNames().forEachRemaining(names::add);
          String a = names.get(v % names.size());
          String b = names.get((v / names.size() + 1 + v) % names.size());
          JsonNode av = o.get(a);
          o.set(a, o.get(b));
          o.set(b, av);
        }
      }
      case WRONG_TYPE -> {
        Slot s = pick(doc, m, x -> true);
        if (s != null) {
          s.replace(wrongType(s.node(), v));
        }
      }
      case HUGE_NUMBER -> {
        Slot s = pick(doc, m, x -> x.node().isNumber());
        if (s == null) {
          s = pick(doc, m, x -> x.node().isValueNode());
        }
        if (s != null) {
          rawValue(doc, s, HUGE_NUMBERS[v % HUGE_NUMBERS.length]);
        }
      }
      case ODD_UNICODE -> {
        Slot s = pick(doc, m, x -> x.node().isTextual());
        if (s != null) {
          String escaped = quote(s.node().asText());
          String odd = ODD_STRINGS[v % ODD_STRINGS.length];
          String inner = escaped.substring(1, escaped.length() - 1);
          String text =
              switch ((v / ODD_STRINGS.length) % 3) {
                case 0 -> odd;
                case 1 -> inner + odd;
                default -> odd + inner;
              };
          rawValue(doc, s, "\"" + text + "\"");
        }
      }
      case INVALID_DATE -> {
        Slot s =
            pick(
                doc,
                m,
                x ->
                    x.node().isTextual()
                        && (DATE_LIKE.matcher(x.node().asText()).matches()
                            || (x.field() != null && DATE_KEY.matcher(x.field()).matches())));
        if (s != null) {
          s.replace(TextNode.valueOf(BAD_DATES[v % BAD_DATES.length]));
        }
      }
      case BROKEN_REFERENCE -> {
        Slot s = pick(doc, m, x -> "reference".equals(x.field()) || "fullUrl".equals(x.field()));
        if (s != null) {
          if (v % 5 == 4) {
            s.replace(wrongType(s.node(), v / 5));
          } else {
            s.replace(TextNode.valueOf(BAD_REFERENCES[v % BAD_REFERENCES.length]));
          }
        }
      }
      case DEEP_NESTING -> {
        Slot s = pick(doc, m, x -> true);
        if (s != null) {
          rawValue(doc, s, deep(v));
        }
      }
      case LONG_STRING -> {
        Slot s = pick(doc, m, x -> x.node().isTextual());
        if (s == null) {
          s = pick(doc, m, x -> true);
        }
        if (s != null) {
          int[] lengths = {1_000, 65_536, 300_000, 1_100_000};
          s.replace(TextNode.valueOf("x".repeat(lengths[v % lengths.length])));
        }
      }
      case ODD_RESOURCE_TYPE -> {
        Slot s = pick(doc, m, x -> "resourceType".equals(x.field()));
        if (s != null) {
          s.replace(TextNode.valueOf(RESOURCE_TYPES[v % RESOURCE_TYPES.length]));
        }
      }
      case ODD_ID -> {
        Slot s = pick(doc, m, x -> "id".equals(x.field()) || "versionId".equals(x.field()));
        if (s != null) {
          String id = ODD_IDS[v % ODD_IDS.length];
          if (id.startsWith("\\")) {
            rawValue(doc, s, "\"" + id + "\"");
          } else if (v % 7 == 6) {
            s.replace(IntNode.valueOf(v));
          } else {
            s.replace(TextNode.valueOf(id));
          }
        }
      }
      case EMPTY_VALUE -> {
        Slot s = pick(doc, m, x -> true);
        if (s != null) {
          s.replace(
              switch (v % 4) {
                case 0 -> NODES.objectNode();
                case 1 -> NODES.arrayNode();
                case 2 -> TextNode.valueOf("");
                default -> NODES.nullNode();
              });
        }
      }
    }
  }

  private static JsonNode wrongType(JsonNode n, int v) {
    if (n.isObject()) {
      return v % 2 == 0 ? TextNode.valueOf("object") : NODES.arrayNode().add(n.deepCopy());
    }
    if (n.isArray()) {
      return v % 2 == 0 || n.isEmpty() ? NODES.objectNode() : n.get(0).deepCopy();
    }
    if (n.isTextual()) {
      return switch (v % 3) {
        case 0 -> IntNode.valueOf(42);
        case 1 -> NODES.booleanNode(true);
        default -> NODES.objectNode().put("value", n.asText());
      };
    }
    if (n.isNumber()) {
      return v % 2 == 0 ? TextNode.valueOf(n.asText()) : NODES.arrayNode().add(n.deepCopy());
    }
    if (n.isBoolean()) {
      return TextNode.valueOf(n.asText());
    }
    return NODES.objectNode();
  }

  /** Nested arrays, objects or FHIR extensions, from a little to far deeper than parsers allow. */
  static String deep(int v) {
    int[] depths = {50, 300, 999, 1_001, 5_000, 100_000};
    int depth = depths[v % depths.length];
    StringBuilder b = new StringBuilder();
    switch ((v / depths.length) % 3) {
      case 0 -> b.append("[".repeat(depth)).append("1").append("]".repeat(depth));
      case 1 -> b.append("{\"a\":".repeat(depth)).append("1").append("}".repeat(depth));
      default -> {
        b.append("[{\"url\":\"http://x.example/e\",\"extension\":".repeat(depth / 2));
        b.append("[{\"url\":\"http://x.example/e\",\"valueString\":\"deep\"}]");
        b.append("}]".repeat(depth / 2));
      }
    }
    return b.toString();
  }

  private static void rawValue(Doc doc, Slot s, String rawJson) {
    TextNode marker = new TextNode("raw");
    s.replace(marker);
    doc.raw.put(marker, rawJson);
  }

  private static Slot pick(Doc doc, Mutation m, Predicate<Slot> which) {
    List<Slot> slots = new ArrayList<>();
    collect(doc, doc.root, slots);
    List<Slot> fit = slots.stream().filter(which).toList();
    return fit.isEmpty() ? null : fit.get(m.target() % fit.size());
  }

  private static void collect(Doc doc, JsonNode n, List<Slot> out) {
    if (doc.raw.containsKey(n)) {
      return;
    }
    if (n instanceof ObjectNode o) {
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        out.add(new Slot(o, f.getKey(), -1, f.getValue()));
        collect(doc, f.getValue(), out);
      }
    } else if (n instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        out.add(new Slot(a, null, i, a.get(i)));
        collect(doc, a.get(i), out);
      }
    }
  }

  static String quote(String s) {
    try {
      return Seeds.JSON.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String scalar(JsonNode n) {
    try {
      return Seeds.JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A change to the written bytes (of a whole body, or of one NDJSON line). */
  static byte[] change(byte[] bytes, Mutation.Text t) {
    int at = bytes.length == 0 ? 0 : t.position() % bytes.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 16);
    switch (t.change()) {
      case NONE -> {
        return bytes;
      }
      case TRUNCATE -> out.write(bytes, 0, at);
      case GARBAGE -> {
        out.write(bytes, 0, at);
        out.writeBytes("}]{\"\\x".getBytes(StandardCharsets.UTF_8));
        out.write(bytes, at, bytes.length - at);
      }
      case BYTE_ORDER_MARK -> {
        out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        out.writeBytes(bytes);
      }
      case INVALID_UTF8 -> {
        out.write(bytes, 0, at);
        out.writeBytes(
            new byte[] {
              (byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xED, (byte) 0xA0, (byte) 0x80
            });
        out.write(bytes, at, bytes.length - at);
      }
      case TRAILING_CONTENT -> {
        out.writeBytes(bytes);
        out.writeBytes(" {\"resourceType\":\"Patient\"}".getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toByteArray();
  }
}
