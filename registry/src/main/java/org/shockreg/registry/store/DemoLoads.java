package org.shockreg.registry.store;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Which demo cohorts were loaded into this database ({@code demo_load}), so a restart loads none
 * twice.
 */
public class DemoLoads {

  private final JdbcTemplate jdbc;

  public DemoLoads(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public boolean loaded(String cohortKey) {
    Integer n =
        jdbc.queryForObject(
            "SELECT count(*) FROM demo_load WHERE cohort_key = ?", Integer.class, cohortKey);
    return n != null && n > 0;
  }

  public void record(String cohortKey, long resources) {
    jdbc.update(
        "INSERT INTO demo_load (cohort_key, resources) VALUES (?, ?) ON CONFLICT DO NOTHING",
        cohortKey,
        resources);
  }
}
