package org.shockreg.server.bulk;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import javax.sql.DataSource;

/**
 * The one PostgreSQL snapshot an export reads: a REPEATABLE READ, READ ONLY transaction whose
 * snapshot the leading connection exports and the helper connections import, and the export's safe
 * transaction time (see {@link NdjsonExporter}).
 */
final class ExportSnapshot {

  private ExportSnapshot() {}

  /** See {@link NdjsonExporter}: read before the snapshot, so no open writer can be missed. */
  static Instant safeTransactionTime(DataSource dataSource) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT least(clock_timestamp(), (SELECT min(xact_start) FROM pg_stat_activity"
                    + " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    + " AND xact_start IS NOT NULL))")) {
      rs.next();
      Instant t = rs.getTimestamp(1).toInstant();
      return t.truncatedTo(ChronoUnit.MILLIS).minusMillis(1);
    }
  }

  static void begin(Connection c) throws SQLException {
    c.setAutoCommit(false);
    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    c.setReadOnly(true);
  }

  /** The leading connection's snapshot id, for the helpers to {@link #importInto} it. */
  static String export(Connection leader) throws SQLException {
    try (Statement st = leader.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
      rs.next();
      return rs.getString(1);
    }
  }

  static void importInto(Connection c, String snapshot) throws SQLException {
    try (Statement st = c.createStatement()) {
      // the snapshot id comes from PostgreSQL itself, never from a request
      st.execute("SET TRANSACTION SNAPSHOT '" + snapshot.replace("'", "") + "'");
    }
  }

  static void end(Connection c) throws SQLException {
    c.rollback(); // read only: nothing to commit
    c.setReadOnly(false);
    c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    c.setAutoCommit(true);
  }
}
