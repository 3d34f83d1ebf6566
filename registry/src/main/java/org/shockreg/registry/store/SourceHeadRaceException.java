package org.shockreg.registry.store;

import org.springframework.dao.ConcurrencyFailureException;

/**
 * A first version's source head was created by a concurrent delivery after this batch found none:
 * the batch is rolled back and compared again with what that delivery committed.
 */
public class SourceHeadRaceException extends ConcurrencyFailureException {

  public SourceHeadRaceException(int resources) {
    super(resources + " source head(s) created concurrently");
  }

  public SourceHeadRaceException() {
    super("a source head was created concurrently");
  }
}
