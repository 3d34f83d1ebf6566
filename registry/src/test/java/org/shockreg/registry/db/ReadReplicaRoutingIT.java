package org.shockreg.registry.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code shockreg.read-replica.url} over Boot's DataSource: off by default (the primary pool, as
 * before); set, read-only transactions take the replica pool's connections and everything else the
 * primary's. The "replica" here is the test database itself: the pools' application names tell the
 * routes apart (ReadReplicaIT in fhir-server runs a real standby).
 */
class ReadReplicaRoutingIT {

  static final String APPLICATION_NAME = "SELECT current_setting('application_name')";

  final TestDatabase.Database db = TestDatabase.newDatabase();
  final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DataSourceAutoConfiguration.class,
                  DataSourceTransactionManagerAutoConfiguration.class,
                  ReadReplicaAutoConfiguration.class))
          .withPropertyValues(
              "spring.datasource.url=" + db.url(),
              "spring.datasource.username=" + db.username(),
              "spring.datasource.password=" + db.password());

  @Test
  void withoutAReplica_theDataSourceIsThePrimaryPool_andAnalystReadsRunAsBefore() {
    runner.run(
        ctx -> {
          DataSource ds = ctx.getBean(DataSource.class);
          assertThat(ds).isInstanceOf(HikariDataSource.class);
          assertThat(ReadReplicaDataSource.primary(ds)).isSameAs(ds);
          AnalystReads reads = new AnalystReads(ctx.getBean(PlatformTransactionManager.class), ds);
          assertThat(reads.routed()).isFalse();
          // as before: no transaction (and no COMMIT round trip) around an analyst read
          assertThat(reads.read(TransactionSynchronizationManager::isActualTransactionActive))
              .isFalse();
        });
  }

  @Test
  void withAReplica_readOnlyTransactionsReadIt_andEverythingElseThePrimary() {
    AtomicReference<HikariDataSource> replica = new AtomicReference<>();
    AtomicReference<DataSource> primary = new AtomicReference<>();
    runner
        .withPropertyValues(
            "shockreg.read-replica.url=" + db.url(), "shockreg.read-replica.maximum-pool-size=2")
        .run(
            ctx -> {
              DataSource ds = ctx.getBean(DataSource.class);
              assertThat(ds).isInstanceOf(ReadReplicaDataSource.class);
              replica.set(((ReadReplicaDataSource) ds).replica());
              primary.set(ReadReplicaDataSource.primary(ds));
              assertThat(primary.get()).isInstanceOf(HikariDataSource.class);
              assertThat(replica.get().getMaximumPoolSize()).isEqualTo(2);
              // an empty username: the primary's
              assertThat(replica.get().getUsername()).isEqualTo(db.username());

              JdbcTemplate jdbc = new JdbcTemplate(ds);
              PlatformTransactionManager tm = ctx.getBean(PlatformTransactionManager.class);
              AnalystReads reads = new AnalystReads(tm, ds);
              assertThat(reads.routed()).isTrue();
              assertThat(reads.read(() -> jdbc.queryForObject(APPLICATION_NAME, String.class)))
                  .isEqualTo("shockreg-replica");
              // autocommit calls and write transactions: the primary
              assertThat(jdbc.queryForObject(APPLICATION_NAME, String.class))
                  .isNotEqualTo("shockreg-replica");
              String inWrite =
                  new TransactionTemplate(tm)
                      .execute(s -> jdbc.queryForObject(APPLICATION_NAME, String.class));
              assertThat(inWrite).isNotEqualTo("shockreg-replica");
              // nothing written inside an analyst read, even where the url names a writable server
              assertThatThrownBy(
                      () -> reads.read(() -> jdbc.update("CREATE TEMP TABLE written (i int)")))
                  .hasStackTraceContaining("read-only transaction");
            });
    assertThat(replica.get().isClosed()).as("the replica pool closes with the context").isTrue();
    assertThat(((HikariDataSource) primary.get()).isClosed()).isTrue();
  }
}
