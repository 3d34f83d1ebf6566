package org.shockreg.ingest.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 of a source resource in canonical form: object keys sorted at every level, no
 * whitespace. The same content hashes the same however it reached us: as sent, or read back from
 * the raw store's jsonb (which reorders keys) when a rules reload maps stored resources again.
 * Everywhere a hash is compared it is this one.
 */
final class ContentHash {

  private final ObjectWriter canonical;

  ContentHash(ObjectMapper json) {
    this.canonical = json.copy().configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true).writer();
  }

  byte[] of(JsonNode resource) throws JsonProcessingException {
    try {
      return MessageDigest.getInstance("SHA-256").digest(canonical.writeValueAsBytes(resource));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
