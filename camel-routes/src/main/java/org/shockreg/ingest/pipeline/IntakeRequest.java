package org.shockreg.ingest.pipeline;

import java.io.IOException;
import java.io.InputStream;

/**
 * A body to take in for a site: from HTTP, the drop folder, a pull or the demo. {@code body} can
 * be opened more than once (a rejected body is re-read into the dead-letter store).
 */
public record IntakeRequest(
    String siteId, String channel, String origin, String contentType, String fileName, Body body) {

  /** A re-openable body. */
  @FunctionalInterface
  public interface Body {
    InputStream open() throws IOException;

    static Body of(byte[] bytes) {
      return () -> new java.io.ByteArrayInputStream(bytes);
    }
  }

  public static final String CHANNEL_HTTP = "http";
  public static final String CHANNEL_INBOX = "inbox";
  public static final String CHANNEL_DEMO = "demo";
  public static final String CHANNEL_REPLAY = "replay";
}
