package org.shockreg.ingest.pipeline;

import java.io.IOException;
import java.io.InputStream;

/**
 * A body to take in for a site: from HTTP, the drop folder, a pull or the demo. {@code body} can be
 * opened more than once (a rejected body is re-read into the dead-letter store).
 */
public record IntakeRequest(
    String siteId,
    String channel,
    String origin,
    String contentType,
    String fileName,
    Body body,
    boolean remap) {

  /**
   * A body from a source. With {@code remap}, resources identical to what is stored are mapped
   * again all the same (after the rules changed) instead of counting as unchanged.
   */
  public IntakeRequest(
      String siteId,
      String channel,
      String origin,
      String contentType,
      String fileName,
      Body body) {
    this(siteId, channel, origin, contentType, fileName, body, false);
  }

  /**
   * A re-openable body: bytes in memory or a file (HTTP bodies are spooled first), never a live
   * socket, since a large body is read on a thread of its own that must stop when interrupted.
   */
  @FunctionalInterface
  public interface Body {
    InputStream open() throws IOException;

    /** Its size in bytes, or -1 when not known before reading (a file, a stream). */
    default long size() {
      return -1;
    }

    static Body of(byte[] bytes) {
      return new Body() {
        @Override
        public InputStream open() {
          return new java.io.ByteArrayInputStream(bytes);
        }

        @Override
        public long size() {
          return bytes.length;
        }
      };
    }
  }

  public static final String CHANNEL_HTTP = "http";
  public static final String CHANNEL_INBOX = "inbox";
  public static final String CHANNEL_DEMO = "demo";
  public static final String CHANNEL_REPLAY = "replay";
  public static final String CHANNEL_REMAP = "remap";

  /** Re-curation from an old database under a new pseudonym key (docs/pseudonym-key.md). */
  public static final String CHANNEL_REKEY = "rekey";
}
