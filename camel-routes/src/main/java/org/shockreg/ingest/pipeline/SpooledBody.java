package org.shockreg.ingest.pipeline;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A body received from a stream (HTTP), kept so that intake can read it twice (a Bundle's entries
 * are counted first, a rejected body is re-read into the dead-letter store): in memory while small,
 * in a temporary file beyond that. Bytes are counted as they arrive; past {@code maxBytes} reading
 * stops and only the first bytes are kept ({@link TooLarge}), so memory stays flat whatever is
 * sent.
 */
public final class SpooledBody implements IntakeRequest.Body, AutoCloseable {

  /** Kept in memory up to this size; larger bodies go to a file. */
  static final int IN_MEMORY = 1 << 20;

  private final byte[] bytes;
  private final Path file;
  private final long size;

  private SpooledBody(byte[] bytes, Path file, long size) {
    this.bytes = bytes;
    this.file = file;
    this.size = size;
  }

  /** The body was over the limit: {@code head} is its start, {@code seen} how much was read. */
  public static final class TooLarge extends Exception {
    private final transient byte[] head;
    private final long seen;

    TooLarge(byte[] head, long seen) {
      super("body over the limit", null, false, false);
      this.head = head;
      this.seen = seen;
    }

    public byte[] head() {
      return head;
    }

    public long seen() {
      return seen;
    }
  }

  /**
   * Reads {@code in} to its end, or until more than {@code maxBytes} arrived.
   *
   * @param keep how many of the first bytes {@link TooLarge#head()} holds
   * @param dir where a large body is spooled
   */
  public static SpooledBody read(InputStream in, long maxBytes, int keep, Path dir)
      throws IOException, TooLarge {
    ByteArrayOutputStream memory = new ByteArrayOutputStream(8192);
    byte[] chunk = new byte[65536];
    long total = 0;
    Path file = null;
    OutputStream out = memory;
    try {
      int n;
      while ((n = in.read(chunk)) != -1) {
        total += n;
        if (total > maxBytes) {
          byte[] head = head(memory, file, out, chunk, n, keep);
          throw new TooLarge(head, total);
        }
        if (file == null && total > IN_MEMORY) {
          Files.createDirectories(dir);
          file = Files.createTempFile(dir, "intake-", ".body");
          out = Files.newOutputStream(file);
          memory.writeTo(out);
          memory = null;
        }
        out.write(chunk, 0, n);
      }
      if (file == null) {
        return new SpooledBody(memory.toByteArray(), null, total);
      }
      out.close();
      return new SpooledBody(null, file, total);
    } catch (IOException | TooLarge | RuntimeException e) {
      if (file != null) {
        out.close();
        Files.deleteIfExists(file);
      }
      throw e;
    }
  }

  /** The first {@code keep} bytes received: from memory or the spool file, then the last chunk. */
  private static byte[] head(
      ByteArrayOutputStream memory, Path file, OutputStream out, byte[] chunk, int n, int keep)
      throws IOException {
    byte[] before;
    if (file == null) {
      before = memory.toByteArray();
    } else {
      out.flush();
      try (InputStream f = Files.newInputStream(file)) {
        before = f.readNBytes(keep);
      }
    }
    byte[] head = Arrays.copyOf(before, Math.min(keep, before.length + n));
    if (before.length < head.length) {
      System.arraycopy(chunk, 0, head, before.length, head.length - before.length);
    }
    return head;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public InputStream open() throws IOException {
    return file == null ? new ByteArrayInputStream(bytes) : Files.newInputStream(file);
  }

  @Override
  public void close() throws IOException {
    if (file != null) {
      Files.deleteIfExists(file);
    }
  }
}
