package org.shockreg.registry.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.postgresql.PGConnection;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Rows for PostgreSQL's {@code COPY ... FROM STDIN} (text format), sent on the caller's
 * transaction. Why: COPY loads a batch in one stream that the server writes with multi-row heap
 * inserts, instead of parsing, planning and executing rewritten multi-row INSERTs.
 */
final class CopyRows {

  private static final HexFormat HEX = HexFormat.of();

  private final StringBuilder text = new StringBuilder(1 << 16);
  private boolean rowStarted;
  private int rows;

  /** Appends a text column (null is SQL NULL). */
  CopyRows text(String v) {
    separate();
    if (v == null) {
      text.append("\\N");
      return this;
    }
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '\\' -> text.append("\\\\");
        case '\t' -> text.append("\\t");
        case '\n' -> text.append("\\n");
        case '\r' -> text.append("\\r");
        default -> text.append(c);
      }
    }
    return this;
  }

  CopyRows number(long v) {
    separate();
    text.append(v);
    return this;
  }

  /** A bytea column, in PostgreSQL's hex form ({@code \x...}, its backslash escaped for COPY). */
  CopyRows bytes(byte[] v) {
    separate();
    if (v == null) {
      text.append("\\N");
    } else {
      text.append("\\\\x").append(HEX.formatHex(v));
    }
    return this;
  }

  CopyRows endRow() {
    text.append('\n');
    rowStarted = false;
    rows++;
    return this;
  }

  int rows() {
    return rows;
  }

  private void separate() {
    if (rowStarted) {
      text.append('\t');
    }
    rowStarted = true;
  }

  /**
   * Streams the rows with {@code COPY <target> FROM STDIN} on the connection of the caller's
   * transaction; returns false (nothing sent) when that connection is not a PostgreSQL one that
   * can COPY, so the caller can fall back to INSERTs.
   */
  boolean copyInto(JdbcTemplate jdbc, String target) {
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    Boolean done =
        jdbc.execute(
            (ConnectionCallback<Boolean>)
                con -> {
                  if (!con.isWrapperFor(PGConnection.class)) {
                    return false;
                  }
                  try {
                    con.unwrap(PGConnection.class)
                        .getCopyAPI()
                        .copyIn("COPY " + target + " FROM STDIN", new ByteArrayInputStream(bytes));
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                  return true;
                });
    return Boolean.TRUE.equals(done);
  }
}
