package org.shockreg.ingest.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The read stage of intake: turns a source entry into a {@link Candidate} (type, id, version,
 * content hash) that can be compared with the stored version, or into a {@link Rejection} when it
 * cannot be tracked.
 */
final class SourceCandidates {

  private final ContentHash contentHash;

  SourceCandidates(ObjectMapper json) {
    this.contentHash = new ContentHash(json);
  }

  /**
   * A resource or a DELETE entry as a candidate; {@code null} when it went to {@code rejections}.
   */
  Candidate of(SourceEntry e, List<Rejection> rejections) {
    return e.deletion() != null ? prepareDeletion(e, rejections) : prepare(e, rejections);
  }

  /** A DELETE entry as a candidate: its "content" is the entry itself, kept raw as received. */
  private Candidate prepareDeletion(SourceEntry e, List<Rejection> rejections) {
    DeleteEntry d;
    try {
      d = DeleteEntry.of(e.deletion());
    } catch (DeleteEntry.Refused r) {
      rejections.add(new Rejection(null, null, e.index(), r.code, r.getMessage(), e.raw()));
      return null;
    }
    try {
      Candidate c =
          new Candidate(e, d.type(), d.id(), d.version(), contentHash.of(e.deletion()), e.raw());
      c.deletion = d;
      return c;
    } catch (JsonProcessingException ex) {
      rejections.add(
          new Rejection(
              d.type(),
              d.id(),
              e.index(),
              "unparseable-resource",
              Rejection.brief(ex.getMessage()),
              e.raw()));
      return null;
    }
  }

  private Candidate prepare(SourceEntry e, List<Rejection> rejections) {
    ObjectNode r = e.resource();
    String raw = e.raw();
    String unstorable = StorableText.problem(r);
    if (unstorable != null) {
      String type = r.path("resourceType").isTextual() ? r.get("resourceType").asText() : null;
      String id = r.path("id").isTextual() ? r.get("id").asText() : null;
      rejections.add(
          new Rejection(type, id, e.index(), "invalid-characters", unstorable, text(r, raw)));
      return null;
    }
    JsonNode typeNode = r.get("resourceType");
    if (typeNode == null || !typeNode.isTextual()) {
      rejections.add(
          new Rejection(
              null,
              null,
              e.index(),
              "missing-resource-type",
              "resource has no resourceType",
              text(r, raw)));
      return null;
    }
    String type = typeNode.asText();
    String id = r.hasNonNull("id") ? r.get("id").asText() : null;
    if (id == null && e.fullUrl() != null && e.fullUrl().startsWith("urn:uuid:")) {
      id = e.fullUrl().substring("urn:uuid:".length());
    }
    if (id == null || id.isBlank() || id.length() > 64) {
      rejections.add(
          new Rejection(
              type,
              null,
              e.index(),
              "missing-id",
              "resource has no usable id (needed to track its versions)",
              text(r, raw)));
      return null;
    }
    JsonNode meta = r.get("meta");
    SourceVersion version =
        meta == null
            ? SourceVersion.NONE
            : SourceVersion.of(
                meta.hasNonNull("versionId") ? meta.get("versionId").asText() : null,
                meta.hasNonNull("lastUpdated") ? meta.get("lastUpdated").asText() : null);
    try {
      // The content hash leaves out meta: a re-export of the same data (new lastUpdated) is
      // unchanged.
      ContentHash.Hashed hashed = contentHash.withoutMeta(r);
      return new Candidate(e, type, id, version, hashed.hash(), hashed.json());
    } catch (JsonProcessingException ex) {
      rejections.add(
          new Rejection(
              type, id, e.index(), "unparseable-resource", Rejection.brief(ex.getMessage()), raw));
      return null;
    }
  }

  private static String text(ObjectNode r, String raw) {
    return raw != null ? raw : r.toString();
  }
}
