package org.shockreg.registry.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.derive.DerivationStore;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Locks a transaction holds are taken once per transaction, on a real PostgreSQL: asked again they
 * cost no statement, yet are held (another connection cannot take them) until the commit; the next
 * transaction, and an inner REQUIRES_NEW one, take their own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransactionLocksTest {

  DataSource ds;
  JdbcTemplate jdbc;
  TransactionTemplate tx;
  DerivationStore store;

  @BeforeAll
  void database() throws Exception {
    ds = TestDatabase.newMigratedDataSource();
    jdbc = new JdbcTemplate(ds);
    tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
    store = new DerivationStore(jdbc, new ObjectMapper());
  }

  /** Whether another session (a connection of its own) could take the patient's lock now. */
  boolean freeElsewhere(String patientId) throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT pg_try_advisory_xact_lock(hashtextextended('patient:' || ?, 0))")) {
      ps.setString(1, patientId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  long advisoryLocksHeld() {
    return jdbc.queryForObject(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
        Long.class);
  }

  @Test
  void aLockHeldIsNotAskedForAgainAndStaysHeldToTheCommit() {
    tx.executeWithoutResult(
        s -> {
          assertThat(TransactionLocks.toTake(List.of("patient:a", "patient:b")))
              .containsExactly("patient:a", "patient:b");
          assertThat(TransactionLocks.toTake(List.of("patient:b", "patient:c")))
              .containsExactly("patient:c");
          assertThat(TransactionLocks.toTake("patient:a")).isFalse();
        });
    tx.executeWithoutResult(
        s -> assertThat(TransactionLocks.toTake(List.of("patient:a"))).hasSize(1));
    // outside a transaction nothing is remembered
    assertThat(TransactionLocks.toTake("patient:a")).isTrue();
    assertThat(TransactionLocks.toTake("patient:a")).isTrue();
  }

  @Test
  void lockingPatientsTwiceTakesOnlyTheNewOnesAndHoldsAll() throws SQLException {
    tx.executeWithoutResult(
        s -> {
          try {
            store.lockPatients(List.of("p1"));
            long afterFirst = advisoryLocksHeld();
            assertThat(afterFirst).isEqualTo(2); // the subscriptions' shared lock and p1
            store.lockPatients(List.of("p1", "p2"));
            assertThat(advisoryLocksHeld()).isEqualTo(3);
            assertThat(freeElsewhere("p1")).isFalse();
            assertThat(freeElsewhere("p2")).isFalse();
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
    assertThat(freeElsewhere("p1")).isTrue();
    assertThat(freeElsewhere("p2")).isTrue();
  }

  @Test
  void anInnerNewTransactionTakesItsOwnLocks() {
    TransactionTemplate inner = new TransactionTemplate(tx.getTransactionManager());
    inner.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    tx.executeWithoutResult(
        s -> {
          assertThat(TransactionLocks.toTake("patient:x")).isTrue();
          inner.executeWithoutResult(
              t -> assertThat(TransactionLocks.toTake("patient:x")).isTrue());
          assertThat(TransactionLocks.toTake("patient:x")).isFalse();
        });
  }
}
