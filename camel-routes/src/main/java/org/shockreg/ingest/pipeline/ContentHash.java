package org.shockreg.ingest.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 of a source resource in canonical form: object keys sorted at every level, no whitespace.
 * The same content hashes the same however it reached us: as sent, or read back from the raw
 * store's jsonb (which reorders keys) when a rules reload maps stored resources again. Everywhere a
 * hash is compared it is this one.
 */
final class ContentHash {

  private final ObjectWriter canonical;
  private final ObjectWriter plain;

  ContentHash(ObjectMapper json) {
    this.canonical = json.copy().configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true).writer();
    this.plain = json.writer();
  }

  byte[] of(JsonNode resource) throws JsonProcessingException {
    return sha256(canonical.writeValueAsBytes(resource));
  }

  /**
   * A resource's hash (without its meta) and its compact JSON (with it), from one serialisation.
   */
  record Hashed(byte[] hash, String json) {}

  /**
   * Hashes {@code resource} without its {@code meta} and gives the JSON to store and parse: the
   * canonical text with meta put back as the first member. Serialising once instead of twice (once
   * sorted for the hash, once as sent for storage) is what keeps canonical hashing cheap; member
   * order means nothing to HAPI's parser or to jsonb.
   */
  Hashed withoutMeta(ObjectNode resource) throws JsonProcessingException {
    JsonNode meta = resource.remove("meta");
    byte[] bytes;
    try {
      bytes = canonical.writeValueAsBytes(resource);
    } finally {
      if (meta != null) {
        resource.set("meta", meta);
      }
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (meta != null) {
      String metaJson = plain.writeValueAsString(meta);
      // bytes is "{...}": an empty object takes meta alone, else meta goes first with a comma.
      text =
          text.length() == 2
              ? "{\"meta\":" + metaJson + "}"
              : "{\"meta\":" + metaJson + "," + text.substring(1);
    }
    return new Hashed(sha256(bytes), text);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
