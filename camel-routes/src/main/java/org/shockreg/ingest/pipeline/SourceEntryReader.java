package org.shockreg.ingest.pipeline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * Streams resources out of an intake body without loading it whole: a FHIR Bundle (entries read one
 * at a time), a single resource, or NDJSON (one resource per line). A bad NDJSON line becomes an
 * error entry and the rest goes on; a body that is not JSON at all fails as a whole.
 */
final class SourceEntryReader {

  enum Format {
    BUNDLE_OR_RESOURCE,
    NDJSON
  }

  private final ObjectMapper json;
  private final IntakeLimits limits;

  SourceEntryReader(ObjectMapper json, IntakeLimits limits) {
    this.json = json;
    this.limits = limits;
  }

  static Format detect(String contentType, String fileName) {
    if ((contentType != null && contentType.toLowerCase().contains("ndjson"))
        || (fileName != null && fileName.toLowerCase().endsWith(".ndjson"))) {
      return Format.NDJSON;
    }
    return Format.BUNDLE_OR_RESOURCE;
  }

  void read(InputStream body, Format format, Consumer<SourceEntry> sink)
      throws IOException, BodyException {
    if (format == Format.NDJSON) {
      readNdjson(body, sink);
    } else {
      readJson(body, sink);
    }
  }

  /** The body as a whole cannot be read. */
  static class BodyException extends Exception {
    BodyException(String message) {
      super(message);
    }
  }

  private void readNdjson(InputStream body, Consumer<SourceEntry> sink) throws IOException {
    NdjsonLines lines =
        new NdjsonLines(
            body,
            limits.maxNdjsonLineBytes().toBytes(),
            limits.sample(limits.maxNdjsonLineBytes().toBytes()));
    int index = 0;
    NdjsonLines.Line line;
    while ((line = lines.next()) != null) {
      if (line.isBlank()) {
        continue;
      }
      if (line.tooLong()) {
        // Only its start was kept: rejected alone, the lines after it go on.
        sink.accept(
            SourceEntry.rejected(
                index,
                line.text(),
                LINE_TOO_LONG,
                "line is "
                    + line.length()
                    + " bytes, over the limit of "
                    + limits.maxNdjsonLineBytes().toBytes()
                    + " (shockreg.limits.max-ndjson-line-bytes); only its first "
                    + line.kept()
                    + " bytes are kept here, so it cannot be replayed: send it again after raising the limit"));
        index++;
        continue;
      }
      String text = line.text();
      try {
        JsonNode node = json.readTree(line.bytes(), 0, line.kept());
        if (node instanceof ObjectNode o) {
          sink.accept(new SourceEntry(index, null, o, text, null));
        } else {
          sink.accept(new SourceEntry(index, null, null, text, "line is not a JSON object"));
        }
      } catch (IOException e) {
        sink.accept(
            new SourceEntry(index, null, null, text, "line is not valid JSON: " + brief(e)));
      }
      index++;
    }
  }

  /** Reason code of an NDJSON line over {@code shockreg.limits.max-ndjson-line-bytes}. */
  static final String LINE_TOO_LONG = "line-too-long";

  /**
   * Counts a Bundle's entries before anything of it is taken in, so that one with too many is
   * rejected whole instead of after some batches were committed. Tokens are skipped, no tree is
   * built; a body that is not well-formed is left to {@link #read} to report.
   */
  void checkEntryCount(InputStream body) throws IOException, BodyException {
    int max = limits.maxBundleEntries();
    try (JsonParser p = json.getFactory().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if ("entry".equals(field) && value == JsonToken.START_ARRAY) {
          long n = 0;
          while (p.nextToken() != JsonToken.END_ARRAY) {
            if (++n > max) {
              throw new TooManyEntries(
                  "the Bundle has more than "
                      + max
                      + " entries (shockreg.limits.max-bundle-entries):"
                      + " nothing of it was taken in; split it into smaller Bundles");
            }
            p.skipChildren();
          }
        } else {
          p.skipChildren();
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // not well-formed: read() reports it with its own message
    }
  }

  /** A Bundle over {@code shockreg.limits.max-bundle-entries}. */
  static final class TooManyEntries extends BodyException {
    TooManyEntries(String message) {
      super(message);
    }
  }

  private void readJson(InputStream body, Consumer<SourceEntry> sink)
      throws IOException, BodyException {
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
            } else if (resource == null
                && "DELETE".equalsIgnoreCase(entry.path("request").path("method").asText())) {
              // A transaction's or a history Bundle's delete: it retracts what the resource gave.
              sink.accept(SourceEntry.deletion(index, entry));
            } else if (!entry.has("request") || entry.has("resource")) {
              sink.accept(
                  new SourceEntry(
                      index, fullUrl, null, entry.toString(), "bundle entry has no resource"));
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
