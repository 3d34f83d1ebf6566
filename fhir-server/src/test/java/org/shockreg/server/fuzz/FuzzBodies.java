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
import java.util.random.RandomGenerator;

/** Intake bodies made from mutated seeds, with how many resources they carry. */
final class FuzzBodies {

  /**
   * A body and the bounds on {@code received}: a Bundle entry with a {@code request} but no {@code
   * resource} (a DELETE) may or may not count; -1 when the body's shape gives no bound.
   */
  record Body(String contentType, byte[] bytes, int minResources, int maxResources, String how) {
    boolean ndjson() {
      return contentType.contains("ndjson");
    }

    @Override
    public String toString() {
      String text = new String(bytes, StandardCharsets.UTF_8);
      return how
          + " "
          + contentType
          + " ("
          + bytes.length
          + " bytes, resources "
          + minResources
          + ".."
          + maxResources
          + "): "
          + (text.length() > 3000 ? text.substring(0, 3000) + "..." : text);
    }
  }

  /** A line of an NDJSON body: a seed resource (or a broken line of the corpus) and its changes. */
  record Line(int seed, boolean broken, List<Mutation> mutations, Mutation.Text text) {}

  private static final ObjectMapper COUNTING = JsonMapper.builder().build();

  static {
    // Counting must see past the product's parser limits: a deeper body still has its entries.
    COUNTING
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(1_000_000)
                .maxNumberLength(10_000_000)
                .maxStringLength(Integer.MAX_VALUE)
                .build());
  }

  /**
   * One to six lines, each up to three mutations; one line in twenty a broken line of the corpus.
   */
  static Body ndjson(RandomGenerator random) {
    Seeds seeds = Seeds.get();
    int n = random.nextInt(1, 7);
    List<Line> lines = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int seed = random.nextInt(seeds.resources.size());
      boolean broken = random.nextInt(20) == 0 && !seeds.brokenLines.isEmpty();
      lines.add(new Line(seed, broken, Mutation.list(random, 3), Mutation.Text.any(random)));
    }
    return ndjsonBody(lines);
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

  static final String[] BUNDLE_TYPES = {
    "collection", "transaction", "batch", "searchset", "history", "message"
  };

  /** A Bundle (a Synthea slice, a corpus Bundle or seeds put together) or a single resource. */
  static Body bundle(RandomGenerator random) {
    Seeds seeds = Seeds.get();
    JsonNode seed =
        switch (random.nextInt(3)) {
          case 0 -> seeds.bundles.get(random.nextInt(seeds.bundles.size()));
          case 1 -> seeds.resources.get(random.nextInt(seeds.resources.size()));
          default -> {
            String type = BUNDLE_TYPES[random.nextInt(BUNDLE_TYPES.length)];
            int n = random.nextInt(1, 9);
            List<ObjectNode> resources = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
              resources.add(seeds.resources.get(random.nextInt(seeds.resources.size())));
            }
            yield compose(type, resources);
          }
        };
    List<Mutation> mutations = Mutation.list(random, 5);
    Mutation.Text text = Mutation.Text.any(random);
    byte[] bytes =
        Mutator.change(
            Mutator.apply(seed, mutations).write().getBytes(StandardCharsets.UTF_8), text);
    int[] bounds = countEntries(bytes);
    return new Body(
        "application/fhir+json",
        bytes,
        bounds[0],
        bounds[1],
        "bundle " + seed.path("resourceType").asText() + " " + mutations + " " + text.change());
  }

  static ObjectNode compose(String type, List<ObjectNode> resources) {
    ObjectNode b = Seeds.JSON.createObjectNode().put("resourceType", "Bundle").put("type", type);
    ArrayNode entries = b.putArray("entry");
    for (ObjectNode r : resources) {
      ObjectNode e = entries.addObject();
      String rt = r.path("resourceType").asText();
      String id = r.path("id").asText("x");
      e.put(
          "fullUrl",
          "urn:uuid:"
              + java.util.UUID.nameUUIDFromBytes((rt + "/" + id).getBytes(StandardCharsets.UTF_8)));
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
        new BufferedReader(
            new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8))) {
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
