package org.shockreg.registry.intake;

import java.time.Instant;

/**
 * Input that could not be taken in, with its raw payload and why, so that nothing is lost and it
 * can be replayed. {@code reasonCode} is stable (e.g. {@code unparseable-body}); {@code reason} is
 * for people.
 */
public record DeadLetter(
    Long id,
    String siteId,
    String channel,
    String origin,
    String contentType,
    byte[] payload,
    String reasonCode,
    String reason,
    String resourceType,
    String resourceId,
    String status,
    int replayCount,
    Instant receivedAt,
    Instant replayedAt) {

  public static DeadLetter of(
      String siteId,
      String channel,
      String origin,
      String contentType,
      byte[] payload,
      String reasonCode,
      String reason,
      String resourceType,
      String resourceId) {
    return new DeadLetter(
        null, siteId, channel, origin, contentType, payload, reasonCode, reason, resourceType,
        resourceId, "open", 0, null, null);
  }
}
