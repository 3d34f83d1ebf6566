package org.shockreg.registry.db;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

/**
 * The child JVM of {@link EmbeddedPostgresCrashRestartIT}: starts the embedded PostgreSQL through
 * the auto-configuration's own bean methods (what the application does, without the rest of the
 * application), writes one row, reports {@code event=child_ready}, then runs until it is killed.
 *
 * <p>Arguments: the data directory ({@code shockreg.data-dir}) and the id of the row to write.
 */
public final class EmbeddedPostgresChild {

  static final String READY = "event=child_ready";
  static final String FAILED = "event=child_start_failed";

  private EmbeddedPostgresChild() {}

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    int row = Integer.parseInt(args[1]);
    EmbeddedPostgresAutoConfiguration config = new EmbeddedPostgresAutoConfiguration();
    AutoCloseable server = null;
    try {
      var pg = EmbeddedPostgresServer.start(new DataDirectoryProperties(dataDir).resolve("pg"));
      server = pg;
      HikariDataSource ds = (HikariDataSource) config.dataSource(pg);
      try (Connection c = ds.getConnection();
          Statement st = c.createStatement()) {
        st.execute("CREATE TABLE IF NOT EXISTS crash_marker (id int PRIMARY KEY)");
        // committed synchronously (synchronous_commit=on), so it must survive any kill after this
        st.execute("INSERT INTO crash_marker VALUES (" + row + ")");
      }
      System.out.println(READY + " row=" + row + " jdbcUrl=" + ds.getJdbcUrl());
    } catch (Throwable e) {
      System.out.println(FAILED + " error=" + e);
      e.printStackTrace(System.out);
      System.out.flush();
      System.exit(3);
    }
    System.out.flush();
    // Runs until killed. Should the test JVM die first, its end of stdin closes and this child
    // stops its server in order, as Spring does when the application context closes.
    while (System.in.read() != -1) {
      // ignore input
    }
    server.close();
    System.exit(0);
  }
}
