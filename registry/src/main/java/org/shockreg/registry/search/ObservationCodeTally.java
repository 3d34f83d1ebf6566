package org.shockreg.registry.search;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The Observation counts by code ({@code observation_code_tally}, changeset 2026-12-11-01): the
 * triggers on measurement and derived_fact append a signed delta per key and statement; {@link
 * #compact()} folds them into one row per key, so a count stays the sum of a few rows however long
 * intake runs.
 */
public final class ObservationCodeTally {

  private final JdbcTemplate jdbc;

  public ObservationCodeTally(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Folds the deltas committed so far (one transaction, its own: run outside any other); 0 when
   * another instance is folding at the same time. Returns the rows removed.
   */
  public long compact() {
    Long removed = jdbc.queryForObject("SELECT observation_code_tally_compact()", Long.class);
    return removed == null ? 0 : removed;
  }
}
