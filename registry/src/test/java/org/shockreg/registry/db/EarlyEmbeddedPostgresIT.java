package org.shockreg.registry.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The embedded PostgreSQL is started in the background before the beans are created: a context gets
 * that server (with durable settings), and a context that fails before taking it leaves no
 * postmaster behind.
 */
class EarlyEmbeddedPostgresIT {

  @SpringBootConfiguration
  @ImportAutoConfiguration(EmbeddedPostgresAutoConfiguration.class)
  static class Registry {}

  @SpringBootConfiguration
  @ImportAutoConfiguration(EmbeddedPostgresAutoConfiguration.class)
  static class FailsBeforeTheDatabase {
    @Bean
    Object brokenSetting() {
      throw new IllegalStateException("a setting is wrong");
    }
  }

  @Test
  void theContextRunsOnTheEarlyServer_andAFailedContextStopsIt() throws Exception {
    Path dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "early-pg-");
    try (ConfigurableApplicationContext app = start(Registry.class, dataDir)) {
      assertThat(app.getBean(EmbeddedPostgresServer.class).port()).isPositive();
      assertThat(
              new JdbcTemplate(app.getBean(DataSource.class))
                  .queryForObject("SELECT 1", Integer.class))
          .isEqualTo(1);
      assertThat(dataDir.resolve("pg/postmaster.pid")).exists();
      // durable: zonky starts postgres with -F (fsync off), a power loss could corrupt the
      // registry or lose an acknowledged fact; the product's server overrides it
      JdbcTemplate sql = new JdbcTemplate(app.getBean(DataSource.class));
      assertThat(sql.queryForObject("SHOW fsync", String.class)).isEqualTo("on");
      assertThat(sql.queryForObject("SHOW synchronous_commit", String.class)).isEqualTo("on");
      assertThat(sql.queryForObject("SHOW full_page_writes", String.class)).isEqualTo("on");
    }
    assertThat(dataDir.resolve("pg/postmaster.pid")).doesNotExist();

    assertThatThrownBy(() -> start(FailsBeforeTheDatabase.class, dataDir).close())
        .hasStackTraceContaining("a setting is wrong");
    // the server started for it was stopped with the failed context, not left to the next start
    assertThat(dataDir.resolve("pg/postmaster.pid")).doesNotExist();

    try (ConfigurableApplicationContext app = start(Registry.class, dataDir)) {
      assertThat(
              new JdbcTemplate(app.getBean(DataSource.class))
                  .queryForObject("SELECT 1", Integer.class))
          .isEqualTo(1);
    }
  }

  private static ConfigurableApplicationContext start(Class<?> config, Path dataDir) {
    return new SpringApplicationBuilder(config)
        .web(WebApplicationType.NONE)
        .properties(
            Map.of("shockreg.data-dir", dataDir.toString(), "spring.main.banner-mode", "off"))
        .run();
  }
}
