package org.shockreg.registry.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.liquibase.LiquibaseAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Starts an embedded PostgreSQL (zonky; binaries from Maven) when no {@code spring.datasource.url}
 * is configured, so a fresh clone runs with no setup. Data lives in {@code <data-dir>/pg} and
 * survives restarts, crashes included ({@link EmbeddedPostgresServer}). With a URL configured this
 * backs off and Boot's own DataSource is used.
 */
@AutoConfiguration(before = {DataSourceAutoConfiguration.class, LiquibaseAutoConfiguration.class})
@ConditionalOnExpression("'${spring.datasource.url:}'.isEmpty()")
@EnableConfigurationProperties(DataDirectoryProperties.class)
public class EmbeddedPostgresAutoConfiguration {

  /** Starts the server in the background while the rest of the context is set up. */
  @Bean
  static EarlyEmbeddedPostgres earlyEmbeddedPostgres() {
    return new EarlyEmbeddedPostgres();
  }

  @Bean(destroyMethod = "close")
  EmbeddedPostgresServer embeddedPostgres(DataDirectoryProperties dirs, EarlyEmbeddedPostgres early)
      throws IOException {
    return early.take(dirs.resolve("pg"));
  }

  @Bean
  DataSource dataSource(EmbeddedPostgresServer pg) {
    return pooled(pg.jdbcUrl("postgres", "postgres"), "postgres", "");
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
