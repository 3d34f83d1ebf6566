package org.shockreg.ingest.pipeline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Streams resources out of an intake body without loading it whole: a FHIR Bundle (entries read
 * one at a time), a single resource, or NDJSON (one resource per line). A bad NDJSON line becomes
 * an error entry and the rest goes on; a body that is not JSON at all fails as a whole.
 */
final class SourceEntryReader {

  enum Format {
    BUNDLE_OR_RESOURCE,
    NDJSON
  }

  private final ObjectMapper json;

  SourceEntryReader(ObjectMapper json) {
    this.json = json;
  }

  static Format detect(String contentType, String fileName) {
    if ((contentType != null && contentType.toLowerCase().contains("ndjson"))
        || (fileName != null && fileName.toLowerCase().endsWith(".ndjson"))) {
      return Format.NDJSON;
    }
    return Format.BUNDLE_OR_RESOURCE;
  }

  void read(InputStream body, Format format, Consumer<SourceEntry> sink) throws IOException, BodyException {
    if (format == Format.NDJSON) {
      readNdjson(body, sink);
    } else {
      readJson(body, sink);
    }
  }

  /** The body as a whole cannot be read. */
  static final class BodyException extends Exception {
    BodyException(String message) {
      super(message);
    }
  }

  private void readNdjson(InputStream body, Consumer<SourceEntry> sink) throws IOException {
    BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    String line;
    int index = 0;
    while ((line = lines.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      try {
        JsonNode node = json.readTree(line);
        if (node instanceof ObjectNode o) {
          sink.accept(new SourceEntry(index, null, o, line, null));
        } else {
          sink.accept(new SourceEntry(index, null, null, line, "line is not a JSON object"));
        }
      } catch (IOException e) {
        sink.accept(new SourceEntry(index, null, null, line, "line is not valid JSON: " + brief(e)));
      }
      index++;
    }
  }

  private void readJson(InputStream body, Consumer<SourceEntry> sink) throws IOException, BodyException {
    try (JsonParser p = json.getFactory().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new BodyException("body is not a JSON object");
      }
      String resourceType = null;
      boolean sawEntries = false;
      ObjectNode topLevel = json.createObjectNode();
      int index = 0;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if ("entry".equals(field) && p.currentToken() == JsonToken.START_ARRAY) {
          sawEntries = true;
          // Entries are read one by one, so a large Bundle never sits in memory whole.
          while (p.nextToken() == JsonToken.START_OBJECT) {
            ObjectNode entry = json.readTree(p);
            JsonNode resource = entry.get("resource");
            String fullUrl = entry.hasNonNull("fullUrl") ? entry.get("fullUrl").asText() : null;
            if (resource instanceof ObjectNode r) {
              sink.accept(new SourceEntry(index, fullUrl, r, null, null));
            } else if (!entry.has("request") || entry.has("resource")) {
              sink.accept(
                  new SourceEntry(index, fullUrl, null, entry.toString(), "bundle entry has no resource"));
            }
            index++;
          }
        } else {
          if ("resourceType".equals(field)) {
            resourceType = p.getValueAsString();
          }
          topLevel.set(field, json.readTree(p));
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw new BodyException("body is not a complete JSON object");
      }
      if (p.nextToken() != null) {
        throw new BodyException(
            "content after the JSON object (send NDJSON as application/fhir+ndjson)");
      }
      if (resourceType == null) {
        throw new BodyException("body has no resourceType: not a FHIR resource");
      }
      if (!"Bundle".equals(resourceType)) {
        if (sawEntries) {
          throw new BodyException("body has entries but is a '" + resourceType + "', not a Bundle");
        }
        sink.accept(new SourceEntry(0, null, topLevel, null, null));
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new BodyException("body is not valid JSON: " + brief(e));
    }
  }

  private static String brief(IOException e) {
    String m = e.getMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    return nl > 0 ? m.substring(0, nl) : m;
  }
}
