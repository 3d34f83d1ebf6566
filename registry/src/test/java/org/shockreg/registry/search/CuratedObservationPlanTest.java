package org.shockreg.registry.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.testing.TestDatabase;

/**
 * The plan shapes behind the search set at scale (benchmarks/RESULTS.md, 10 M Observations): a page
 * of {@code curated_observation} in row-id order must be able to read each branch of the view from
 * an index that holds only matching rows. Without one, PostgreSQL's Merge Append walks a whole
 * table in row-id order to learn a branch has no match (0.5 s on 1.56 M derived facts). The
 * driver's generic plan is checked, as it is what a prepared statement uses after five executions.
 * Plan shapes, not timings: the schema has no rows here, so the alternatives are switched off. The
 * Patient death-date range is checked here too.
 */
class CuratedObservationPlanTest {

  @Test
  void valueQuantityPageReadsDerivedFactsByUnit() throws Exception {
    String plan =
        genericPlan(
            "SELECT row_id FROM curated_observation WHERE (unit = $1 AND value > $2)"
                + " ORDER BY row_id LIMIT 51",
            "(text, numeric)",
            "('mm[Hg]', 68)",
            false);
    assertThat(plan).contains("derived_fact_unit_row_idx");
    assertThat(plan).doesNotContain("derived_fact_row_id_key");
  }

  @Test
  void encounterSearchFindsEpisodesByEncounter() throws Exception {
    String plan =
        genericPlan(
            "SELECT row_id FROM curated_observation WHERE curated_observation.patient_id IN"
                + " (SELECT e.patient_id FROM shock_episode e WHERE e.encounter_id = ANY($1))"
                + " AND EXISTS (SELECT 1 FROM shock_episode e WHERE e.encounter_id = ANY($1)"
                + " AND e.patient_id = curated_observation.patient_id"
                + " AND (e.episode_id = curated_observation.episode_id"
                + " OR curated_observation.effective_at BETWEEN e.window_start AND e.window_end))"
                + " ORDER BY row_id LIMIT 51",
            "(text[])",
            "('{enc-1}')",
            true);
    assertThat(plan).contains("shock_episode_encounter_idx");
  }

  @Test
  void deathDateSearchIsAnIndexRangeInDateOrder() throws Exception {
    // Patient?death-date=ge..&death-date=lt.. without _sort: read in date-of-death order
    String first =
        genericPlan(
            "SELECT row_id FROM patient WHERE deceased_at >= $1 AND deceased_at < $2"
                + " ORDER BY deceased_at ASC, row_id ASC LIMIT 51",
            "(timestamptz, timestamptz)",
            "('2025-03-01', '2025-03-31')",
            false);
    assertThat(first).contains("patient_deceased_at_idx");
    String next =
        genericPlan(
            "SELECT row_id FROM patient WHERE deceased_at >= $1 AND deceased_at < $2"
                + " AND (deceased_at, row_id) > ($3, $4) ORDER BY deceased_at ASC, row_id ASC"
                + " LIMIT 51",
            "(timestamptz, timestamptz, timestamptz, bigint)",
            "('2025-03-01', '2025-03-31', '2025-03-05', 17)",
            false);
    assertThat(next).contains("patient_deceased_at_idx");
  }

  /**
   * {@code sort}: whether the plan may sort (a row-id page of a few matches does; a page read in
   * index order must not need to).
   */
  private static String genericPlan(String sql, String types, String values, boolean sort)
      throws Exception {
    DataSource ds = TestDatabase.newMigratedDataSource();
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.execute("SET plan_cache_mode = force_generic_plan");
      // an empty table would be read whole and sorted: leave the planner only ordered index paths
      st.execute("SET enable_seqscan = off");
      st.execute("SET enable_bitmapscan = off");
      if (!sort) {
        st.execute("SET enable_sort = off");
      }
      st.execute("PREPARE q" + types + " AS " + sql);
      StringBuilder plan = new StringBuilder();
      try (ResultSet rs = st.executeQuery("EXPLAIN EXECUTE q" + values)) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      return plan.toString();
    }
  }
}
