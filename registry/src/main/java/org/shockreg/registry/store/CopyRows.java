package org.shockreg.registry.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.Savepoint;
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
  private static final String UNIQUE_VIOLATION = "23505";

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
    // Runs without a special character are appended whole (most raw JSON has none at all).
    int from = 0;
    for (int i = 0; i < v.length(); i++) {
      String escaped =
          switch (v.charAt(i)) {
            case '\\' -> "\\\\";
            case '\t' -> "\\t";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            default -> null;
          };
      if (escaped != null) {
        text.append(v, from, i).append(escaped);
        from = i + 1;
      }
    }
    text.append(v, from, v.length());
    return this;
  }

  CopyRows number(long v) {
    separate();
    text.append(v);
    return this;
  }

  CopyRows number(Long v) {
    return v == null ? text(null) : number(v.longValue());
  }

  /** A numeric column, in the form the JDBC driver sends a BigDecimal. */
  CopyRows decimal(java.math.BigDecimal v) {
    return text(v == null ? null : v.toString());
  }

  /** A timestamptz column: the instant in ISO form (UTC), so no time zone is involved. */
  CopyRows instant(java.time.Instant v) {
    return text(v == null ? null : v.toString());
  }

  /** A text[] column, as an array literal (elements quoted). */
  CopyRows textArray(java.util.Collection<String> values) {
    StringBuilder literal = new StringBuilder("{");
    for (String v : values) {
      if (literal.length() > 1) {
        literal.append(',');
      }
      literal.append('"').append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }
    return text(literal.append('}').toString());
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
   * transaction; returns false (nothing sent) when that connection is not a PostgreSQL one that can
   * COPY, so the caller can fall back to INSERTs.
   */
  boolean copyInto(JdbcTemplate jdbc, String target) {
    return copy(jdbc, target, false) == Outcome.COPIED;
  }

  enum Outcome {
    COPIED,
    /** A row's key exists already: nothing was copied (rolled back to a savepoint). */
    DUPLICATE,
    /** The connection cannot COPY: nothing was sent. */
    UNSUPPORTED
  }

  /**
   * As {@link #copyInto}; when a row hits a unique key that exists, the COPY is undone (to a
   * savepoint, the caller's transaction goes on) and {@link Outcome#DUPLICATE} says so, for the
   * caller to upsert the rows instead.
   */
  Outcome copyUnlessDuplicate(JdbcTemplate jdbc, String target) {
    return copy(jdbc, target, true);
  }

  private Outcome copy(JdbcTemplate jdbc, String target, boolean savepoint) {
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    return jdbc.execute(
        (ConnectionCallback<Outcome>)
            con -> {
              if (!con.isWrapperFor(PGConnection.class)) {
                return Outcome.UNSUPPORTED;
              }
              // In auto-commit a failed COPY leaves nothing behind: no savepoint needed.
              Savepoint before = savepoint && !con.getAutoCommit() ? con.setSavepoint() : null;
              try {
                con.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn("COPY " + target + " FROM STDIN", new ByteArrayInputStream(bytes));
              } catch (SQLException e) {
                if (savepoint && UNIQUE_VIOLATION.equals(e.getSQLState())) {
                  if (before != null) {
                    con.rollback(before);
                  }
                  return Outcome.DUPLICATE;
                }
                throw e;
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              if (before != null) {
                con.releaseSavepoint(before);
              }
              return Outcome.COPIED;
            });
  }
}
