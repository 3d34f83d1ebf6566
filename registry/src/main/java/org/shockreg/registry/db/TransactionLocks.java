package org.shockreg.registry.db;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The advisory locks ({@code pg_advisory_xact_lock*}) the current transaction already holds: they
 * are held to its end, so asking again is a round trip for nothing (an intake batch locks its
 * patients before it applies their facts and again before it derives). Forgotten when the
 * transaction completes. Only for locks not taken inside a savepoint that may be rolled back (that
 * would release them early). Outside a transaction every lock is taken.
 */
public final class TransactionLocks {

  private static final Object KEY = new Object();

  private TransactionLocks() {}

  /** Of {@code names}, those this transaction does not hold yet, now counted as held. */
  public static List<String> toTake(Collection<String> names) {
    Set<String> held = held();
    if (held == null) {
      return List.copyOf(names);
    }
    return names.stream().filter(held::add).toList();
  }

  /** Whether {@code name} is to be taken: false when this transaction holds it already. */
  public static boolean toTake(String name) {
    Set<String> held = held();
    return held == null || held.add(name);
  }

  @SuppressWarnings("unchecked")
  private static Set<String> held() {
    if (!TransactionSynchronizationManager.isSynchronizationActive()
        || !TransactionSynchronizationManager.isActualTransactionActive()) {
      return null;
    }
    Set<String> held = (Set<String>) TransactionSynchronizationManager.getResource(KEY);
    if (held == null) {
      Set<String> fresh = new HashSet<>();
      TransactionSynchronizationManager.bindResource(KEY, fresh);
      TransactionSynchronizationManager.registerSynchronization(
          new TransactionSynchronization() {
            // an inner REQUIRES_NEW transaction holds none of the outer one's locks
            @Override
            public void suspend() {
              TransactionSynchronizationManager.unbindResourceIfPossible(KEY);
            }

            @Override
            public void resume() {
              TransactionSynchronizationManager.bindResource(KEY, fresh);
            }

            @Override
            public void afterCompletion(int status) {
              TransactionSynchronizationManager.unbindResourceIfPossible(KEY);
            }
          });
      held = fresh;
    }
    return held;
  }
}
