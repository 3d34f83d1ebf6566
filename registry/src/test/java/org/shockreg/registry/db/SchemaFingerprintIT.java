package org.shockreg.registry.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.liquibase.LiquibaseAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Liquibase runs when the changelog or the changelog table differ from the last migration and is
 * skipped otherwise. Whether it ran is read from the database: Liquibase fills in a checksum that
 * is missing from databasechangelog whenever it runs.
 */
class SchemaFingerprintIT {

  @SpringBootConfiguration
  @ImportAutoConfiguration({DataSourceAutoConfiguration.class, LiquibaseAutoConfiguration.class})
  @Import(SchemaFingerprint.class)
  static class Schema {}

  private final TestDatabase.Database db = TestDatabase.newDatabase();

  @Test
  void sameChangelog_skipsLiquibase_anythingElse_runsIt() {
    String fingerprint;
    try (ConfigurableApplicationContext app = start()) {
      assertThat(app.getBean(SchemaFingerprint.class).skipped()).isFalse();
      assertThat(jdbc(app).queryForObject("SELECT count(*) FROM patient", Integer.class)).isZero();
      fingerprint =
          jdbc(app).queryForObject("SELECT fingerprint FROM schema_fingerprint", String.class);
      assertThat(fingerprint).hasSize(64);
      forgetChecksum(app);
    }

    // restart, nothing changed: Liquibase does not run, so it does not restore the checksum
    try (ConfigurableApplicationContext app = start()) {
      assertThat(app.getBean(SchemaFingerprint.class).skipped()).isTrue();
      assertThat(checksumForgotten(app)).isTrue();
      // as if an earlier release had migrated with another changelog
      jdbc(app).update("UPDATE schema_fingerprint SET fingerprint = 'another-changelog'");
    }

    try (ConfigurableApplicationContext app = start()) {
      assertThat(app.getBean(SchemaFingerprint.class).skipped()).isFalse();
      assertThat(checksumForgotten(app)).isFalse();
      assertThat(
              jdbc(app).queryForObject("SELECT fingerprint FROM schema_fingerprint", String.class))
          .isEqualTo(fingerprint);
      // a changeset recorded by another version (or a row removed by hand): the table differs
      jdbc(app)
          .update(
              "INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype)"
                  + " VALUES ('from-a-later-release', 'shockreg', 'later.yaml', now(), 1000, 'EXECUTED')");
      forgetChecksum(app);
    }

    try (ConfigurableApplicationContext app = start()) {
      assertThat(app.getBean(SchemaFingerprint.class).skipped()).isFalse();
      assertThat(checksumForgotten(app)).isFalse();
      forgetChecksum(app);
    }

    try (ConfigurableApplicationContext app = start()) {
      assertThat(app.getBean(SchemaFingerprint.class).skipped()).isTrue();
      assertThat(checksumForgotten(app)).isTrue();
    }
  }

  /** Liquibase fills a missing checksum whenever it runs: whether it did is read from the table. */
  private static void forgetChecksum(ConfigurableApplicationContext app) {
    jdbc(app)
        .update(
            "UPDATE databasechangelog SET md5sum = NULL WHERE id = '2026-11-25-02-derivations'");
  }

  private static boolean checksumForgotten(ConfigurableApplicationContext app) {
    return jdbc(app)
        .queryForObject(
            "SELECT md5sum IS NULL FROM databasechangelog WHERE id = '2026-11-25-02-derivations'",
            Boolean.class);
  }

  private ConfigurableApplicationContext start() {
    return new SpringApplicationBuilder(Schema.class)
        .web(WebApplicationType.NONE)
        .properties(
            Map.of(
                "spring.datasource.url", db.url(),
                "spring.datasource.username", db.username(),
                "spring.datasource.password", db.password(),
                "spring.liquibase.change-log", "classpath:db/changelog/db.changelog-master.yaml",
                "spring.main.banner-mode", "off"))
        .run();
  }

  private static JdbcTemplate jdbc(ConfigurableApplicationContext app) {
    return new JdbcTemplate(app.getBean(DataSource.class));
  }
}
