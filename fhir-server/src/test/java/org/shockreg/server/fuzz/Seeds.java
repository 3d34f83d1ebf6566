package org.shockreg.server.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.shockreg.server.GoldenPosts;

/**
 * Real payloads the fuzzers mutate: slices of the Synthea sample bundles (test resources {@code
 * fuzz/}, taken unchanged from shared/samples/synthea, narrative text dropped) and every body of
 * the golden corpus. Loaded once; callers get deep copies.
 */
final class Seeds {

  static final ObjectMapper JSON =
      JsonMapper.builder().nodeFactory(JsonNodeFactory.withExactBigDecimals(true)).build();

  static final List<String> SYNTHEA_SLICES =
      List.of("/fuzz/synthea-dylan44-slice.json", "/fuzz/synthea-xavier983-slice.json");

  private static Seeds instance;

  /** Single resources (every NDJSON line, Bundle entry and single-resource body). */
  final List<ObjectNode> resources = new ArrayList<>();

  /** Whole Bundles. */
  final List<ObjectNode> bundles = new ArrayList<>();

  /** Lines of the corpus that are broken on purpose (sent verbatim). */
  final List<String> brokenLines = new ArrayList<>();

  static synchronized Seeds get() {
    if (instance == null) {
      instance = new Seeds();
    }
    return instance;
  }

  private Seeds() {
    for (String slice : SYNTHEA_SLICES) {
      try (InputStream in = Seeds.class.getResourceAsStream(slice)) {
        addBody((ObjectNode) JSON.readTree(in));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    for (GoldenPosts.Body b : GoldenPosts.all()) {
      String text = new String(b.bytes(), StandardCharsets.UTF_8);
      if (b.contentType().contains("ndjson")) {
        for (String line : text.split("\n")) {
          if (line.isBlank()) {
            continue;
          }
          try {
            JsonNode n = JSON.readTree(line);
            if (n instanceof ObjectNode o) {
              resources.add(o);
            } else {
              brokenLines.add(line);
            }
          } catch (IOException e) {
            brokenLines.add(line);
          }
        }
      } else {
        try {
          if (JSON.readTree(text) instanceof ObjectNode o) {
            addBody(o);
          }
        } catch (IOException e) {
          brokenLines.add(text.replace('\n', ' ').replace('\r', ' '));
        }
      }
    }
  }

  private void addBody(ObjectNode body) {
    if ("Bundle".equals(body.path("resourceType").asText())) {
      bundles.add(body);
      for (JsonNode e : body.path("entry")) {
        if (e.get("resource") instanceof ObjectNode r) {
          resources.add(r);
        }
      }
    } else {
      resources.add(body);
    }
  }
}
