package org.shockreg.registry.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.shockreg.registry.intake.UnmappedCode;
import org.springframework.jdbc.core.JdbcTemplate;

/** The unmapped_code table: per site, how often a code no rule knows was seen. */
final class UnmappedCodeRows {

  private UnmappedCodeRows() {}

  /** Adds to the per-site count of codes no rule knows. */
  static void record(JdbcTemplate jdbc, Map<UnmappedCode, Integer> counts) {
    if (counts.isEmpty()) {
      return;
    }
    // One row per key: the same code seen with two displays would hit its row twice in one
    // (rewritten, multi-row) INSERT, which PostgreSQL refuses (found by fuzzing).
    Map<List<String>, UnmappedCode> codes = new LinkedHashMap<>();
    Map<List<String>, Integer> seen = new HashMap<>();
    counts.forEach(
        (c, n) -> {
          List<String> key =
              java.util.Arrays.asList(c.siteId(), c.resourceType(), c.system(), c.code());
          codes.merge(key, c, (was, now) -> now.display() != null ? now : was);
          seen.merge(key, n, Integer::sum);
        });
    List<Map.Entry<UnmappedCode, Integer>> rows = new ArrayList<>();
    codes.forEach((key, c) -> rows.add(Map.entry(c, seen.get(key))));
    // Sorted, so concurrent batches lock rows in the same order.
    rows.sort(
        (a, b) ->
            (a.getKey().siteId()
                    + a.getKey().resourceType()
                    + a.getKey().system()
                    + a.getKey().code())
                .compareTo(
                    b.getKey().siteId()
                        + b.getKey().resourceType()
                        + b.getKey().system()
                        + b.getKey().code()));
    jdbc.batchUpdate(
        "INSERT INTO unmapped_code (site_id, resource_type, system, code, display, seen_count)"
            + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site_id, resource_type, system, code)"
            + " DO UPDATE SET seen_count = unmapped_code.seen_count + EXCLUDED.seen_count,"
            + " display = COALESCE(EXCLUDED.display, unmapped_code.display), last_seen = now()",
        rows,
        500,
        (ps, e) -> {
          UnmappedCode c = e.getKey();
          ps.setString(1, c.siteId());
          ps.setString(2, c.resourceType());
          ps.setString(3, c.system());
          ps.setString(4, c.code());
          ps.setString(5, c.display());
          ps.setLong(6, e.getValue());
        });
  }
}
