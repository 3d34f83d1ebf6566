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
        null,
        storable(siteId),
        storable(channel),
        storable(origin),
        storable(contentType),
        payload,
        storable(reasonCode),
        storable(reason),
        storable(resourceType),
        storable(resourceId),
        "open",
        0,
        null,
        null);
  }

  /**
   * The text as PostgreSQL can store it: NUL and unpaired surrogates (which arrive in JSON escapes
   * and end up in ids and reasons) become U+FFFD. The payload keeps the bytes as they came.
   */
  static String storable(String s) {
    if (s == null) {
      return null;
    }
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean pair =
          Character.isHighSurrogate(c)
              && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1));
      boolean bad = c == 0 || (Character.isSurrogate(c) && !pair);
      if (bad && out == null) {
        out = new StringBuilder(s.length()).append(s, 0, i);
      }
      if (out != null) {
        out.append(bad ? '\uFFFD' : c);
        if (pair) {
          out.append(s.charAt(++i));
        }
      } else if (pair) {
        i++;
      }
    }
    return out == null ? s : out.toString();
  }
}
