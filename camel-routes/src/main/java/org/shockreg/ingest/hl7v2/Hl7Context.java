package org.shockreg.ingest.hl7v2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.Map;

/**
 * What converting one message needs besides the message: its site, the site's time zone and
 * identifier systems, the JSON factory, and the versions the registry already holds (to carry an
 * intensive-care stay's start or a death over to messages that do not repeat them).
 */
record Hl7Context(
    String siteId,
    ZoneId zone,
    Map<String, String> identifierSystems,
    ObjectMapper json,
    StoredSources stored,
    IcuLocations icu) {

  /** The registry's latest version of a source resource of this site, or null. */
  @FunctionalInterface
  interface StoredSources {
    JsonNode latest(String siteId, String resourceType, String resourceId);
  }

  /** Whether a point of care (PV1-3.1 as a Location id) is the site's intensive-care unit. */
  @FunctionalInterface
  interface IcuLocations {
    boolean isIntensiveCare(String siteId, String locationId);
  }

  ObjectNode object() {
    return json.createObjectNode();
  }

  JsonNode latest(String type, String id) {
    return stored == null ? null : stored.latest(siteId, type, id);
  }

  /**
   * A source resource id from its HL7 keys: a digest, so ids carry no identifier values and stay
   * within FHIR's 64 characters.
   */
  static String id(String prefix, String... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String p : parts) {
        sha.update((p == null ? "" : p).getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0x1f);
      }
      return prefix + "-" + HexFormat.of().formatHex(sha.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
