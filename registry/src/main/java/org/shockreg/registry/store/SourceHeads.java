package org.shockreg.registry.store;

import java.sql.PreparedStatement;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.shockreg.registry.intake.RawResource;
import org.shockreg.registry.intake.SourceHead;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Source heads (the newest version of each source resource): read for a batch, optionally
 * row-locked in key order, and inserted for first versions so that a head created concurrently is
 * noticed instead of overwritten.
 */
final class SourceHeads {

  private final JdbcTemplate jdbc;

  SourceHeads(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  Map<SourceKey, SourceHead> read(String siteId, Collection<SourceKey> keys, boolean lock) {
    Map<SourceKey, SourceHead> heads = new HashMap<>();
    if (keys.isEmpty()) {
      return heads;
    }
    String[] types = keys.stream().map(SourceKey::resourceType).toArray(String[]::new);
    String[] ids = keys.stream().map(SourceKey::resourceId).toArray(String[]::new);
    jdbc.query(
        con -> {
          PreparedStatement ps =
              con.prepareStatement(
                  "SELECT h.resource_type, h.resource_id, h.raw_id, h.version_id, h.content_hash,"
                      + " h.source_last_updated FROM source_resource_head h"
                      + " JOIN unnest(?::text[], ?::text[]) AS k(resource_type, resource_id)"
                      + " ON h.resource_type = k.resource_type AND h.resource_id = k.resource_id"
                      + " WHERE h.site_id = ?"
                      + (lock ? " ORDER BY h.resource_type, h.resource_id FOR UPDATE OF h" : ""));
          ps.setArray(1, con.createArrayOf("text", types));
          ps.setArray(2, con.createArrayOf("text", ids));
          ps.setString(3, siteId);
          return ps;
        },
        rs -> {
          SourceKey key = new SourceKey(siteId, rs.getString(1), rs.getString(2));
          OffsetDateTime lastUpdated = rs.getObject(6, OffsetDateTime.class);
          heads.put(
              key,
              new SourceHead(
                  key,
                  rs.getLong(3),
                  rs.getString(4),
                  lastUpdated == null ? null : lastUpdated.toInstant(),
                  rs.getBytes(5)));
        });
    return heads;
  }

  /**
   * Heads of first versions, in one COPY: a head that exists by now (a concurrent delivery's first
   * version, committed, or committed while this waited for it) fails it with a unique violation,
   * which rolls the batch back to be compared again.
   */
  void insertFirst(List<RawResource> resources, long[] ids, List<Integer> firsts) {
    if (firsts.isEmpty()) {
      return;
    }
    CopyRows rows = new CopyRows();
    for (int i : firsts) {
      RawResource r = resources.get(i);
      rows.text(r.siteId())
          .text(r.resourceType())
          .text(r.resourceId())
          .number(ids[i])
          .text(r.versionId())
          .text(r.lastUpdated() == null ? null : r.lastUpdated().toString())
          .bytes(r.contentHash())
          .text(r.outcome())
          .endRow();
    }
    boolean copied;
    try {
      copied =
          rows.copyInto(
              jdbc,
              "source_resource_head (site_id, resource_type, resource_id, raw_id, version_id,"
                  + " source_last_updated, content_hash, outcome)");
    } catch (DuplicateKeyException e) {
      throw new SourceHeadRaceException();
    }
    if (!copied) {
      insertFirstRows(resources, ids, firsts);
    }
  }

  /** As {@link #insertFirst}, in one statement that says how many it inserted (no COPY). */
  private void insertFirstRows(List<RawResource> resources, long[] ids, List<Integer> firsts) {
    int n = firsts.size();
    String[] sites = new String[n];
    String[] types = new String[n];
    String[] rids = new String[n];
    Long[] raw = new Long[n];
    String[] versions = new String[n];
    String[] updated = new String[n];
    String[] hashes = new String[n];
    String[] outcomes = new String[n];
    for (int k = 0; k < n; k++) {
      int i = firsts.get(k);
      RawResource r = resources.get(i);
      sites[k] = r.siteId();
      types[k] = r.resourceType();
      rids[k] = r.resourceId();
      raw[k] = ids[i];
      versions[k] = r.versionId();
      updated[k] = r.lastUpdated() == null ? null : r.lastUpdated().toString();
      hashes[k] = java.util.HexFormat.of().formatHex(r.contentHash());
      outcomes[k] = r.outcome();
    }
    Integer inserted =
        jdbc.query(
            con -> {
              PreparedStatement ps =
                  con.prepareStatement(
                      "WITH ins AS (INSERT INTO source_resource_head (site_id, resource_type, resource_id,"
                          + " raw_id, version_id, source_last_updated, content_hash, outcome)"
                          + " SELECT s, t, i, r, v, u::timestamptz, decode(h, 'hex'), o FROM unnest(?::text[],"
                          + " ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[])"
                          + " AS x(s, t, i, r, v, u, h, o)"
                          + " ON CONFLICT (site_id, resource_type, resource_id) DO NOTHING RETURNING 1)"
                          + " SELECT count(*) FROM ins");
              ps.setArray(1, con.createArrayOf("text", sites));
              ps.setArray(2, con.createArrayOf("text", types));
              ps.setArray(3, con.createArrayOf("text", rids));
              ps.setArray(4, con.createArrayOf("bigint", raw));
              ps.setArray(5, con.createArrayOf("text", versions));
              ps.setArray(6, con.createArrayOf("text", updated));
              ps.setArray(7, con.createArrayOf("text", hashes));
              ps.setArray(8, con.createArrayOf("text", outcomes));
              return ps;
            },
            rs -> rs.next() ? rs.getInt(1) : 0);
    if (inserted == null || inserted < n) {
      throw new SourceHeadRaceException(n - (inserted == null ? 0 : inserted));
    }
  }
}
