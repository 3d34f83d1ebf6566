package org.shockreg.ingest.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The lines of an NDJSON body, read as bytes so that a line never takes more memory than the limit:
 * of a longer line only the first {@code keep} bytes are held, the rest is counted and skipped up
 * to its newline. Lines end at LF; a CR before it is dropped.
 */
final class NdjsonLines {

  /** One line: {@code kept} bytes of {@code bytes}, out of {@code length} bytes received. */
  record Line(byte[] bytes, int kept, long length, boolean tooLong) {

    String text() {
      return new String(bytes, 0, kept, StandardCharsets.UTF_8);
    }

    boolean isBlank() {
      for (int i = 0; i < kept; i++) {
        byte b = bytes[i];
        if (b != ' ' && b != '\t' && b != '\r' && b != '\f') {
          return false;
        }
      }
      return !tooLong;
    }
  }

  private final InputStream in;
  private final long maxLineBytes;
  private final int keep;
  private final byte[] chunk = new byte[65536];
  private int pos;
  private int limit;
  private byte[] buffer = new byte[8192];

  NdjsonLines(InputStream in, long maxLineBytes, int keep) {
    this.in = in;
    this.maxLineBytes = maxLineBytes;
    this.keep = keep;
  }

  /** The next line, or null at the end of the body. */
  Line next() throws IOException {
    int n = 0;
    long length = 0;
    boolean tooLong = false;
    boolean ended = false;
    while (!ended) {
      if (pos == limit) {
        limit = in.read(chunk, 0, chunk.length);
        pos = 0;
        if (limit <= 0) {
          limit = 0;
          if (length == 0) {
            return null;
          }
          break;
        }
      }
      int start = pos;
      int stop = start;
      while (stop < limit && chunk[stop] != '\n') {
        stop++;
      }
      ended = stop < limit;
      pos = ended ? stop + 1 : stop;
      int count = stop - start;
      if (!ended && count == 0) {
        continue;
      }
      length += count;
      if (!tooLong && length > maxLineBytes) {
        tooLong = true;
      }
      // hold at most the limit (or, once over it, the kept start)
      int room = (int) Math.min(tooLong ? keep : maxLineBytes, Integer.MAX_VALUE - 8);
      int take = Math.min(count, Math.max(0, room - n));
      if (take > 0) {
        if (n + take > buffer.length) {
          buffer =
              Arrays.copyOf(
                  buffer, (int) Math.min(Math.max((long) buffer.length * 2, n + take), room));
        }
        System.arraycopy(chunk, start, buffer, n, take);
        n += take;
      }
      if (tooLong) {
        n = Math.min(n, keep);
      }
      if (ended && length == 0) {
        break; // an empty line
      }
    }
    if (!tooLong && n > 0 && buffer[n - 1] == '\r') {
      n--;
      length--;
    }
    Line line = new Line(Arrays.copyOf(buffer, n), n, length, tooLong);
    if (buffer.length > 65536) {
      buffer = new byte[8192]; // a long line's buffer is not kept for the next ones
    }
    return line;
  }
}
