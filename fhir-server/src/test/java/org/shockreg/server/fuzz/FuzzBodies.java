package org.shockreg.server.fuzz;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Intake bodies made from mutated seeds, with how many resources they carry. */
final class FuzzBodies {

  /**
   * A body and the bounds on {@code received}: a Bundle entry with a {@code request} but no
   * {@code resource} (a DELETE) may or may not count; -1 when the body's shape gives no bound.
   */
  record Body(String contentType, byte[] bytes, int minResources, int maxResources, String how) {
    boolean ndjson() {
      return contentType.contains("ndjson");
    }

    @Override
    public String toString() {
      String text = new String(bytes, StandardCharsets.UTF_8);
      return how + " " + contentType + " (" + bytes.length + " bytes, resources " + minResources + ".."
          + maxResources + "): " + (text.length() > 3000 ? text.substring(0, 3000) + "..." : text);
    }
  }

  /** A line of an NDJSON body: a seed resource (or a broken line of the corpus) and its changes. */
  record Line(int seed, boolean broken, List<Mutation> mutations, Mutation.Text text) {}

  private static final ObjectMapper COUNTING =
      JsonMapper.builder().build();

  static {
    // Counting must see past the product's parser limits: a deeper body still has its entries.
    COUNTING.getFactory().setStreamReadConstraints(
        StreamReadConstraints.builder().maxNestingDepth(1_000_000).maxNumberLength(10_000_000)
            .maxStringLength(Integer.MAX_VALUE).build());
  }

  static Arbitrary<Body> ndjson() {
    Seeds seeds = Seeds.get();
    Arbitrary<Line> line =
        Combinators.combine(
                Arbitraries.integers().between(0, seeds.resources.size() - 1),
                Arbitraries.integers().between(0, 19).map(i -> i == 0 && !seeds.brokenLines.isEmpty()),
                Mutation.any().list().ofMaxSize(3),
                Mutation.Text.any())
            .as(Line::new);
    return line.list().ofMinSize(1).ofMaxSize(6).map(FuzzBodies::ndjsonBody);
  }

  static Body ndjsonBody(List<Line> lines) {
    Seeds seeds = Seeds.get();
    StringBuilder how = new StringBuilder("ndjson");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (Line l : lines) {
      String text =
          l.broken()
              ? seeds.brokenLines.get(l.seed() % seeds.brokenLines.size())
              : Mutator.apply(seeds.resources.get(l.seed()), l.mutations()).write();
      out.writeBytes(Mutator.change(text.getBytes(StandardCharsets.UTF_8), l.text()));
      out.write('\n');
      how.append(' ').append(l.mutations()).append(l.text().change());
    }
    byte[] bytes = out.toByteArray();
    int n = countLines(bytes);
    return new Body("application/fhir+ndjson", bytes, n, n, how.toString());
  }

  /** A Bundle (a Synthea slice, a corpus Bundle or seeds put together) or a single resource. */
  static Arbitrary<Body> bundle() {
    Seeds seeds = Seeds.get();
    Arbitrary<JsonNode> seed =
        Arbitraries.oneOf(
            Arbitraries.of(seeds.bundles).map(b -> (JsonNode) b),
            Arbitraries.of(seeds.resources).map(r -> (JsonNode) r),
            Combinators.combine(
                    Arbitraries.of("collection", "transaction", "batch", "searchset", "history", "message"),
                    Arbitraries.of(seeds.resources).list().ofMinSize(1).ofMaxSize(8))
                .as(FuzzBodies::compose));
    return Combinators.combine(seed, Mutation.any().list().ofMaxSize(5), Mutation.Text.any())
        .as(
            (s, mutations, text) -> {
              byte[] bytes =
                  Mutator.change(
                      Mutator.apply(s, mutations).write().getBytes(StandardCharsets.UTF_8), text);
              int[] bounds = countEntries(bytes);
              return new Body(
                  "application/fhir+json", bytes, bounds[0], bounds[1],
                  "bundle " + s.path("resourceType").asText() + " " + mutations + " " + text.change());
            });
  }

  static ObjectNode compose(String type, List<ObjectNode> resources) {
    ObjectNode b = Seeds.JSON.createObjectNode().put("resourceType", "Bundle").put("type", type);
    ArrayNode entries = b.putArray("entry");
    for (ObjectNode r : resources) {
      ObjectNode e = entries.addObject();
      String rt = r.path("resourceType").asText();
      String id = r.path("id").asText("x");
      e.put("fullUrl", "urn:uuid:" + java.util.UUID.nameUUIDFromBytes((rt + "/" + id).getBytes(StandardCharsets.UTF_8)));
      e.set("resource", r.deepCopy());
      if (type.equals("transaction") || type.equals("batch") || type.equals("history")) {
        e.putObject("request").put("method", "PUT").put("url", rt + "/" + id);
      }
    }
    return b;
  }

  /** Non-blank lines: one resource each (interfaces.md "Intake"). */
  static int countLines(byte[] bytes) {
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8))) {
      return (int) r.lines().filter(l -> !l.isBlank()).count();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {min, max} resources in a JSON body: the entries of every top-level {@code entry} array, or 1
   * for a single resource; {-1, -1} when the body is not a JSON object with regular entries (the
   * pipeline may then refuse it whole).
   */
  static int[] countEntries(byte[] bytes) {
    try (JsonParser p = COUNTING.getFactory().createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return new int[] {-1, -1};
      }
      int min = 0;
      int max = 0;
      boolean sawEntries = false;
      String resourceType = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if ("entry".equals(field) && t == JsonToken.START_ARRAY) {
          sawEntries = true;
          while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_OBJECT) {
              return new int[] {-1, -1};
            }
            JsonNode e = COUNTING.readTree(p);
            if (e.has("resource") || !e.has("request")) {
              min++;
            }
            max++;
          }
        } else {
          if ("resourceType".equals(field)) {
            resourceType = t == JsonToken.VALUE_STRING ? p.getText() : "?";
          }
          p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        return new int[] {-1, -1};
      }
      if (resourceType == null || "?".equals(resourceType)) {
        return new int[] {-1, -1};
      }
      if (!"Bundle".equals(resourceType)) {
        return sawEntries ? new int[] {-1, -1} : new int[] {1, 1};
      }
      return new int[] {min, max};
    } catch (IOException e) {
      return new int[] {-1, -1};
    }
  }
}
