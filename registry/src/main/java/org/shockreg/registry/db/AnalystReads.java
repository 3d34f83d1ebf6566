package org.shockreg.registry.db;

import java.util.function.Supplier;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs an analyst read (curated FHIR search and read, {@code $everything}, {@code $cohort-summary})
 * in a read-only transaction: with {@code shockreg.read-replica.url} set its connection comes from
 * the replica ({@link ReadReplicaDataSource}), so it may be as old as the replica's lag and must
 * not write (PostgreSQL refuses writes in a read-only transaction, on the primary too). Inside an
 * enclosing transaction it joins that one (and its connection).
 */
public final class AnalystReads {

  private final TransactionTemplate readOnly;

  public AnalystReads(PlatformTransactionManager transactions) {
    this.readOnly = new TransactionTemplate(transactions);
    readOnly.setReadOnly(true);
  }

  public <T> T read(Supplier<T> read) {
    return readOnly.execute(status -> read.get());
  }
}
