package org.shockreg.registry.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import liquibase.integration.spring.SpringLiquibase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * A real PostgreSQL for integration tests: Testcontainers' {@code postgres:17} where a Docker
 * engine answers, otherwise the same embedded PostgreSQL the product runs on. One server per JVM;
 * each caller gets a fresh database of its own, so test classes never see each other's data. Never
 * H2, never a mock.
 */
public final class TestDatabase {

  private static final Logger log = LoggerFactory.getLogger(TestDatabase.class);
  private static final AtomicInteger counter = new AtomicInteger();
  private static Server server;

  private TestDatabase() {}

  /** A JDBC URL, user and password of a new, empty database. */
  public record Database(String url, String username, String password) {}

  public static synchronized Database newDatabase() {
    Server s = server();
    String name =
        "shockreg_test_" + ProcessHandle.current().pid() + "_" + counter.incrementAndGet();
    try (Connection c = DriverManager.getConnection(s.adminUrl(), s.username(), s.password());
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name, e);
    }
    return new Database(s.urlFor(name), s.username(), s.password());
  }

  /**
   * A new database with the registry schema (Liquibase), for tests of one repository without Spring
   * Boot.
   */
  public static DataSource newMigratedDataSource() throws Exception {
    Database db = newDatabase();
    DriverManagerDataSource ds =
        new DriverManagerDataSource(db.url(), db.username(), db.password());
    SpringLiquibase liquibase = new SpringLiquibase();
    liquibase.setDataSource(ds);
    liquibase.setChangeLog("classpath:db/changelog/db.changelog-master.yaml");
    liquibase.setResourceLoader(new DefaultResourceLoader());
    liquibase.afterPropertiesSet();
    return ds;
  }

  /** Points a Spring Boot test at a new database (Liquibase migrates it on start). */
  public static void register(DynamicPropertyRegistry registry) {
    Database db = newDatabase();
    registry.add("spring.datasource.url", db::url);
    registry.add("spring.datasource.username", db::username);
    registry.add("spring.datasource.password", db::password);
  }

  private static Server server() {
    if (server == null) {
      server = dockerAvailable() ? containerServer() : embeddedServer();
    }
    return server;
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  @SuppressWarnings("resource")
  private static Server containerServer() {
    PostgreSQLContainer<?> pg = new PostgreSQLContainer<>("postgres:17");
    pg.start();
    Runtime.getRuntime().addShutdownHook(new Thread(pg::stop));
    log.info("event=test_postgres kind=testcontainers");
    String base = pg.getJdbcUrl();
    String prefix = base.substring(0, base.lastIndexOf('/') + 1);
    return new Server(prefix, pg.getDatabaseName(), pg.getUsername(), pg.getPassword());
  }

  private static Server embeddedServer() {
    try {
      Path dir = Files.createTempDirectory("shockreg-test-pg");
      Path sockets = Files.createTempDirectory("pgs");
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setDataDirectory(dir)
              .setCleanDataDirectory(true)
              .setServerConfig("unix_socket_directories", sockets.toString())
              .setServerConfig("max_connections", "500")
              .setServerConfig("fsync", "off")
              .setServerConfig("synchronous_commit", "off")
              // not zonky's own JVM hook: it stopped the server at once, while Spring's hook
              // still closed the cached test contexts (seen: a fork waiting 30 s to exit)
              .setRegisterShutdownHook(false)
              .start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    // JVM shutdown hooks run concurrently: let Spring close the cached test
                    // contexts
                    // (audit and outbox writers flush on stop) before their database goes away,
                    // instead of leaving them waiting 30 s for a connection.
                    awaitSpringShutdown();
                    try {
                      pg.close();
                    } catch (IOException e) {
                      log.warn("event=test_postgres_close_failed", e);
                    }
                  }));
      log.info("event=test_postgres kind=embedded port={}", pg.getPort());
      return new Server(
          "jdbc:postgresql://localhost:" + pg.getPort() + "/", "postgres", "postgres", "");
    } catch (IOException e) {
      throw new IllegalStateException("cannot start embedded PostgreSQL for tests", e);
    }
  }

  /**
   * Joins Spring Boot's shutdown hook thread. Hooks are started one after the other, so it may not
   * have started yet when this one runs: look for it for a moment first.
   */
  private static void awaitSpringShutdown() {
    long deadline = System.nanoTime() + 500_000_000L;
    while (System.nanoTime() < deadline) {
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if ("SpringApplicationShutdownHook".equals(t.getName()) && t != Thread.currentThread()) {
          try {
            t.join(60_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return;
        }
      }
      Thread.onSpinWait();
    }
  }

  private record Server(String urlPrefix, String adminDb, String username, String password) {
    String adminUrl() {
      return urlFor(adminDb);
    }

    String urlFor(String db) {
      return urlPrefix + db + "?reWriteBatchedInserts=true";
    }
  }
}
