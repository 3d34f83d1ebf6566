package org.shockreg.ingest.pull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * One run of a source at a time across every ShockReg instance on the same database: a PostgreSQL
 * session advisory lock per source, held on its own connection for the run. A crashed instance's
 * lock goes with its connection, so a source is never locked out for good.
 */
final class PullSourceLock {

  private final DataSource dataSource;

  PullSourceLock(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** A held lock; closing it releases it. */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /** The lock of the source, or null when another instance holds it now. */
  Held tryLock(String sourceId) throws SQLException {
    Connection con = dataSource.getConnection();
    boolean locked = false;
    try (PreparedStatement ps =
        con.prepareStatement("SELECT pg_try_advisory_lock(hashtext('shockreg-pull:' || ?))")) {
      ps.setString(1, sourceId);
      try (ResultSet rs = ps.executeQuery()) {
        locked = rs.next() && rs.getBoolean(1);
      }
    } finally {
      if (!locked) {
        con.close();
      }
    }
    if (!locked) {
      return null;
    }
    return () -> {
      try (con;
          PreparedStatement ps =
              con.prepareStatement("SELECT pg_advisory_unlock(hashtext('shockreg-pull:' || ?))")) {
        ps.setString(1, sourceId);
        ps.execute();
      } catch (SQLException e) {
        // Closing the connection releases a session lock anyway.
      }
    };
  }
}
