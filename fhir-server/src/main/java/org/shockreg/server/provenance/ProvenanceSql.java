package org.shockreg.server.provenance;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The SQL behind Provenance: one SELECT per kind of curated fact (with the raw row it came from),
 * combined with UNION ALL when a search spans several kinds. Only fixed identifiers are built into
 * the text; every value is a bound parameter of the search.
 *
 * <p>Keyset paging needs one stable, unique, ascending {@code row_id}: with one kind it is the
 * table's own {@code row_id} (indexed); across kinds it is {@code row_id * 8 + kind}, which
 * interleaves the tables' sequences without collisions.
 */
final class ProvenanceSql {

  private ProvenanceSql() {}

  static final String COLUMNS =
      "kind, fact_id, site_id, source_type, source_id, source_version, last_updated, received_at,"
          + " channel, received_version, removal_source_type, removal_source_id, removal_version";

  /** A derived table {@code (...) AS prov} over the given kinds (all kinds when empty). */
  static String table(Set<CuratedFactKind> kinds) {
    Set<CuratedFactKind> selected = kinds.isEmpty() ? EnumSet.allOf(CuratedFactKind.class) : kinds;
    boolean several = selected.size() > 1;
    List<String> branches = new ArrayList<>();
    for (CuratedFactKind k : selected) {
      branches.add(branch(k, several));
    }
    return "(" + String.join(" UNION ALL ", branches) + ") AS prov";
  }

  private static String branch(CuratedFactKind k, boolean several) {
    boolean procedure = k == CuratedFactKind.PROCEDURE;
    StringBuilder sql =
        new StringBuilder("SELECT '")
            .append(k.prefix)
            .append("'::text AS kind, f.")
            .append(k.idColumn)
            .append(
                " AS fact_id, f.site_id, f.source_type, f.source_id, f.source_version, f.last_updated,")
            .append(" r.received_at, r.channel,")
            // which received version of its source this is: 1 = first seen (CREATE), more = UPDATE
            .append(" (SELECT count(*) FROM raw_resource e WHERE e.site_id = f.site_id")
            .append(" AND e.resource_type = f.source_type AND e.resource_id = f.source_id")
            .append(" AND e.raw_id <= f.raw_id) AS received_version,");
    if (procedure) {
      sql.append(
          " d.source_type AS removal_source_type, f.removal_source_id, d.source_version AS removal_version,");
    } else {
      sql.append(" NULL::text AS removal_source_type, NULL::text AS removal_source_id,")
          .append(" NULL::text AS removal_version,");
    }
    sql.append(several ? " f.row_id * 8 + " + k.ordinal() : " f.row_id")
        .append(" AS row_id FROM ")
        .append(k.table)
        .append(" f LEFT JOIN raw_resource r ON r.raw_id = f.raw_id");
    if (procedure) {
      // the removal procedure that closed the therapy, if one did
      sql.append(" LEFT JOIN LATERAL (SELECT x.source_type, x.source_version FROM device_removal x")
          .append(" WHERE x.site_id = f.site_id AND x.source_id = f.removal_source_id")
          .append(" ORDER BY x.source_type LIMIT 1) d ON true");
    }
    // placeholder patients (facts that arrived before their Patient) have no source yet
    sql.append(" WHERE f.source_id IS NOT NULL");
    return sql.toString();
  }
}
