package org.shockreg.benchmarks.search;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import liquibase.integration.spring.SpringLiquibase;
import org.shockreg.registry.db.EmbeddedPostgresAutoConfiguration;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The search benchmark's PostgreSQL: embedded, on disk under the bench folder so a loaded cohort
 * survives the run, configured as the product's {@link EmbeddedPostgresAutoConfiguration} (128 MB
 * shared buffers, durable commits) plus two observers that do not change plans: {@code
 * pg_stat_statements} (where the time goes) and {@code auto_explain} (off unless the plan pass
 * switches it on), logging into {@code <dir>/pglog}.
 */
final class BenchDatabase implements AutoCloseable {

  private final EmbeddedPostgres pg;
  private final HikariDataSource dataSource;
  private final Path logDir;
  private final Path socketDir;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  private BenchDatabase(EmbeddedPostgres pg, HikariDataSource ds, Path logDir, Path socketDir) {
    this.pg = pg;
    this.dataSource = ds;
    this.logDir = logDir;
    this.socketDir = socketDir;
  }

  /** Starts PostgreSQL on {@code dir/pg}; {@code clean} wipes it first. Migrates the schema. */
  static BenchDatabase start(Path dir, boolean clean) throws IOException {
    Path data = dir.resolve("pg");
    Path logDir = dir.resolve("pglog");
    if (clean) {
      deleteRecursively(data);
      deleteRecursively(logDir);
    }
    Files.createDirectories(data);
    Files.createDirectories(logDir);
    // Unix socket paths are limited to ~107 bytes: a short folder under /tmp.
    Path sockets = Files.createTempDirectory(Path.of("/tmp"), "pgs");
    // Values must not contain spaces or shell characters: pg_ctl passes them through a shell.
    EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setDataDirectory(data)
            .setCleanDataDirectory(false)
            .setServerConfig("unix_socket_directories", sockets.toString())
            .setServerConfig("max_connections", "100")
            .setServerConfig("shared_buffers", "128MB")
            .setServerConfig("synchronous_commit", "on")
            // durable as the product's server (EmbeddedPostgresServer): zonky's -F is overridden
            .setServerConfig("fsync", "on")
            .setServerConfig("full_page_writes", "on")
            .setServerConfig("shared_preload_libraries", "pg_stat_statements,auto_explain")
            .setServerConfig("logging_collector", "on")
            .setServerConfig("log_directory", logDir.toString())
            .setServerConfig("log_filename", "postgresql-%Y%m%d-%H%M%S.log")
            .setServerConfig("log_rotation_size", "0")
            .setServerConfig("log_line_prefix", "@@%m,%p:")
            .start();
    HikariDataSource ds =
        EmbeddedPostgresAutoConfiguration.pooled(
            pg.getJdbcUrl("postgres", "postgres"), "postgres", "");
    BenchDatabase db = new BenchDatabase(pg, ds, logDir, sockets);
    try {
      db.migrate();
      new JdbcTemplate(ds).execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    return db;
  }

  private void migrate() {
    System.setProperty("liquibase.analytics.enabled", "false");
    System.setProperty("liquibase.showBanner", "false");
    SpringLiquibase liquibase = new SpringLiquibase();
    liquibase.setDataSource(dataSource);
    liquibase.setChangeLog("classpath:db/changelog/db.changelog-master.yaml");
    liquibase.setResourceLoader(new DefaultResourceLoader(BenchDatabase.class.getClassLoader()));
    try {
      liquibase.afterPropertiesSet();
    } catch (Exception e) {
      throw new IllegalStateException("Liquibase migration failed", e);
    }
  }

  HikariDataSource dataSource() {
    return dataSource;
  }

  JdbcTemplate jdbc() {
    return new JdbcTemplate(dataSource);
  }

  /** JDBC URL over TCP, for the server process. */
  String jdbcUrl() {
    return "jdbc:postgresql://localhost:" + pg.getPort() + "/postgres";
  }

  Path logDir() {
    return logDir;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      dataSource.close();
    } finally {
      try {
        pg.close();
      } catch (IOException e) {
        System.err.println("bench: could not stop PostgreSQL: " + e);
      }
      try {
        deleteRecursively(socketDir);
      } catch (IOException ignored) {
        // a temp folder
      }
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
