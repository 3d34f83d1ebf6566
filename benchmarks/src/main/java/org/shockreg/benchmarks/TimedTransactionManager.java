package org.shockreg.benchmarks;

import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.DefaultTransactionStatus;

/** Times transaction begin and commit (the commit waits for the WAL flush). */
final class TimedTransactionManager extends DataSourceTransactionManager {
  final AtomicLong beginNanos = new AtomicLong();
  final AtomicLong commitNanos = new AtomicLong();

  TimedTransactionManager(DataSource ds) {
    super(ds);
  }

  void reset() {
    beginNanos.set(0);
    commitNanos.set(0);
  }

  long total() {
    return beginNanos.get() + commitNanos.get();
  }

  @Override
  protected void doBegin(Object transaction, TransactionDefinition definition) {
    long s = System.nanoTime();
    try {
      super.doBegin(transaction, definition);
    } finally {
      beginNanos.addAndGet(System.nanoTime() - s);
    }
  }

  @Override
  protected void doCommit(DefaultTransactionStatus status) {
    long s = System.nanoTime();
    try {
      super.doCommit(status);
    } finally {
      commitNanos.addAndGet(System.nanoTime() - s);
    }
  }
}
