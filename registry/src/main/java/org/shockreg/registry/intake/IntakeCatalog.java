package org.shockreg.registry.intake;

import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What intake has met, for operators: the sites (with their patient and source-resource counts) and
 * the source codes no mapping rule knows ({@code /admin/sites}, {@code /admin/unmapped-codes}).
 */
public class IntakeCatalog {

  private final JdbcTemplate jdbc;

  public IntakeCatalog(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Unmapped codes of one site (null: all), most often seen first. */
  public List<Map<String, Object>> unmappedCodes(String site) {
    return jdbc.queryForList(
        "SELECT site_id AS \"siteId\", resource_type AS \"resourceType\", system, code, display,"
            + " seen_count AS \"count\", first_seen AS \"firstSeen\", last_seen AS \"lastSeen\""
            + " FROM unmapped_code WHERE (?::text IS NULL OR site_id = ?)"
            + " ORDER BY site_id, seen_count DESC, system, code",
        site,
        site);
  }

  public List<Map<String, Object>> sites() {
    return jdbc.queryForList(
        "SELECT s.site_id AS \"siteId\", s.origin, s.created_at AS \"createdAt\","
            + " (SELECT count(*) FROM patient p WHERE p.site_id = s.site_id) AS patients,"
            + " (SELECT count(*) FROM source_resource_head h WHERE h.site_id = s.site_id) AS"
            + " \"sourceResources\" FROM site s ORDER BY s.site_id");
  }
}
