package org.shockreg.registry.db;

import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs an analyst read (curated FHIR search and read, {@code $everything}, {@code $cohort-summary})
 * on the read replica when one is configured: in a read-only transaction, which {@link
 * ReadReplicaDataSource} serves from the replica, so it may be as old as the replica's lag and must
 * not write (PostgreSQL refuses writes in a read-only transaction). Inside an enclosing transaction
 * it joins that one (and its connection). Without a replica the read runs as it is, autocommit on
 * the primary: a read-only transaction there would only add a {@code COMMIT} round trip.
 */
public final class AnalystReads {

  private final TransactionTemplate readOnly; // null: no replica

  public AnalystReads(PlatformTransactionManager transactions, DataSource dataSource) {
    if (dataSource instanceof ReadReplicaDataSource) {
      this.readOnly = new TransactionTemplate(transactions);
      readOnly.setReadOnly(true);
    } else {
      this.readOnly = null;
    }
  }

  private AnalystReads() {
    this.readOnly = null;
  }

  /** Reads as they are, on whatever connection they get (no replica, no transaction). */
  public static AnalystReads unrouted() {
    return new AnalystReads();
  }

  /** Whether reads go to a replica. */
  public boolean routed() {
    return readOnly != null;
  }

  public <T> T read(Supplier<T> read) {
    return readOnly == null ? read.get() : readOnly.execute(status -> read.get());
  }
}
