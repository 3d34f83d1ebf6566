package org.shockreg.ingest.pull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.shockreg.ingest.pull.FhirBulkPuller.BulkFailure;

/** A completed Bulk Data export's manifest, read apart from the HTTP that fetched it. */
record BulkManifest(
    Instant transactionTime,
    boolean requiresAccessToken,
    List<FileRef> output,
    List<FileRef> error) {

  /** One entry of a manifest's {@code output} or {@code error}. */
  record FileRef(String type, String url, Long count) {}

  static BulkManifest parse(ObjectMapper json, String body) throws BulkFailure {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (IOException e) {
      throw new BulkFailure("the export manifest is not JSON: " + e.getMessage());
    }
    Instant tt;
    try {
      tt = OffsetDateTime.parse(root.path("transactionTime").asText("")).toInstant();
    } catch (DateTimeParseException e) {
      throw new BulkFailure("the export manifest has no valid transactionTime");
    }
    return new BulkManifest(
        tt,
        root.path("requiresAccessToken").asBoolean(false),
        files(root.path("output")),
        files(root.path("error")));
  }

  private static List<FileRef> files(JsonNode array) {
    List<FileRef> out = new ArrayList<>();
    for (JsonNode f : array) {
      String url = f.path("url").asText(null);
      if (url != null && !url.isBlank()) {
        out.add(
            new FileRef(
                f.path("type").asText(null),
                url,
                f.has("count") ? f.path("count").asLong() : null));
      }
    }
    return out;
  }
}
