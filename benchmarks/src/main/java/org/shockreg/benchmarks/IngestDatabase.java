package org.shockreg.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import javax.sql.DataSource;
import liquibase.integration.spring.SpringLiquibase;
import org.shockreg.registry.db.EmbeddedPostgresAutoConfiguration;
import org.springframework.core.io.DefaultResourceLoader;

/**
 * The benchmark's embedded PostgreSQL under {@code <workDir>/run}, configured as the product's
 * EmbeddedPostgresAutoConfiguration configures it (durable commits) and migrated by Liquibase.
 */
final class IngestDatabase implements AutoCloseable {

  private final EmbeddedPostgres pg;
  private final HikariDataSource ds;
  private final Path dataDirectory;

  private IngestDatabase(EmbeddedPostgres pg, HikariDataSource ds, Path dataDirectory) {
    this.pg = pg;
    this.ds = ds;
    this.dataDirectory = dataDirectory;
  }

  /** PostgreSQL's data directory: its processes are found by it (CPU time). */
  Path dataDirectory() {
    return dataDirectory;
  }

  /** {@code statements}: load pg_stat_statements (it costs a little). */
  static IngestDatabase start(Path workDir, boolean statements) throws Exception {
    Path runDir = workDir.resolve("run");
    deleteRecursively(runDir);
    Files.createDirectories(runDir);
    Path sockets = runDir.resolve("s");
    if (sockets.toString().length() > 80) { // unix socket paths are limited to ~107 bytes
      sockets = Files.createTempDirectory(Path.of("/tmp"), "pgs");
    }
    Files.createDirectories(sockets);
    long t0 = System.nanoTime();
    EmbeddedPostgres.Builder pgBuilder =
        EmbeddedPostgres.builder()
            .setDataDirectory(runDir.resolve("pg"))
            .setCleanDataDirectory(true)
            .setServerConfig("unix_socket_directories", sockets.toString())
            .setServerConfig("max_connections", "100")
            .setServerConfig("shared_buffers", "128MB")
            .setServerConfig("synchronous_commit", "on")
            // durable as the product's server (EmbeddedPostgresServer): zonky's -F is overridden
            .setServerConfig("fsync", "on")
            .setServerConfig("full_page_writes", "on")
            .setServerConfig("shared_preload_libraries", statements ? "pg_stat_statements" : "");
    // -Dbench.pgConfig=name=value,name=value (through bench.jvmArgs): server settings for a
    // what-if experiment, over the product's.
    for (String setting : System.getProperty("bench.pgConfig", "").split(",")) {
      if (setting.contains("=")) {
        System.out.println("bench: what-if setting " + setting.trim());
        pgBuilder.setServerConfig(
            setting.substring(0, setting.indexOf('=')).trim(),
            setting.substring(setting.indexOf('=') + 1).trim());
      }
    }
    EmbeddedPostgres pg = pgBuilder.start();
    HikariDataSource ds =
        EmbeddedPostgresAutoConfiguration.pooled(
            pg.getJdbcUrl("postgres", "postgres"), "postgres", "");
    IngestDatabase db = new IngestDatabase(pg, ds, runDir.resolve("pg"));
    try {
      migrate(ds);
    } catch (Exception | Error e) {
      db.close();
      throw e;
    }
    System.out.printf(
        Locale.ROOT,
        "bench: embedded PostgreSQL on port %d migrated in %.1f s%n",
        pg.getPort(),
        (System.nanoTime() - t0) / 1e9);
    return db;
  }

  HikariDataSource dataSource() {
    return ds;
  }

  @Override
  public void close() throws IOException {
    ds.close();
    pg.close();
  }

  private static void migrate(DataSource ds) throws Exception {
    SpringLiquibase liquibase = new SpringLiquibase();
    liquibase.setDataSource(ds);
    liquibase.setChangeLog("classpath:db/changelog/db.changelog-master.yaml");
    liquibase.setResourceLoader(new DefaultResourceLoader(IngestDatabase.class.getClassLoader()));
    liquibase.afterPropertiesSet();
  }

  private static void deleteRecursively(Path dir) throws IOException {
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
