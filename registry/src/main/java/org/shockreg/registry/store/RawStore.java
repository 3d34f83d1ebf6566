package org.shockreg.registry.store;

import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.shockreg.registry.intake.RawResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The raw store ({@code raw_resource}, every version as received) and the source heads that move
 * with it; {@link RegistryWriter} delegates here. Callers own the transaction.
 */
final class RawStore {

  private final JdbcTemplate jdbc;
  private final NamedParameterJdbcTemplate named;
  private final SourceHeads heads;

  RawStore(JdbcTemplate jdbc, NamedParameterJdbcTemplate named, SourceHeads heads) {
    this.jdbc = jdbc;
    this.named = named;
    this.heads = heads;
  }

  /**
   * Reserves raw-store ids in one round trip, so facts can point at their raw row before it is
   * written and the insert needs no generated-key handling.
   */
  long[] allocateRawIds(int n) {
    long[] ids = new long[n];
    if (n == 0) {
      return ids;
    }
    List<Long> seq =
        jdbc.queryForList(
            "SELECT nextval('raw_resource_raw_id_seq') FROM generate_series(1, ?)", Long.class, n);
    for (int i = 0; i < n; i++) {
      ids[i] = seq.get(i);
    }
    return ids;
  }

  /**
   * Appends raw resources (ids from {@link #allocateRawIds}) and moves their heads to them; {@code
   * firstVersions} are the resources the caller found no head for. Their heads are inserted only if
   * still absent: when a concurrent delivery created one meanwhile, {@link SourceHeadRaceException}
   * rolls the batch back to be compared again.
   */
  void insertRaw(List<RawResource> resources, long[] ids, Set<SourceKey> firstVersions) {
    if (resources.isEmpty()) {
      return;
    }
    List<Integer> positions = new ArrayList<>(ids.length);
    for (int i = 0; i < ids.length; i++) {
      positions.add(i);
    }
    if (!copyRaw(resources, ids)) {
      insertRawRows(resources, ids, positions);
    }
    insertHeads(resources, ids, firstVersions, positions);
  }

  /** The raw rows in one COPY stream (the raw store is most of an intake batch's bytes). */
  private boolean copyRaw(List<RawResource> resources, long[] ids) {
    CopyRows rows = new CopyRows();
    for (int i = 0; i < ids.length; i++) {
      RawResource r = resources.get(i);
      rows.number(ids[i])
          .text(r.siteId())
          .text(r.resourceType())
          .text(r.resourceId())
          .text(r.versionId())
          .bytes(r.contentHash())
          .text(r.json())
          .text(r.channel())
          .endRow();
    }
    return rows.copyInto(
        jdbc,
        "raw_resource (raw_id, site_id, resource_type, resource_id, version_id, content_hash,"
            + " content, channel)");
  }

  /** Batched INSERTs, for a connection that cannot COPY. */
  private void insertRawRows(List<RawResource> resources, long[] ids, List<Integer> positions) {
    jdbc.batchUpdate(
        "INSERT INTO raw_resource (raw_id, site_id, resource_type, resource_id, version_id,"
            + " content_hash, content, channel) VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?)",
        positions,
        500,
        (ps, i) -> {
          RawResource r = resources.get(i);
          ps.setLong(1, ids[i]);
          ps.setString(2, r.siteId());
          ps.setString(3, r.resourceType());
          ps.setString(4, r.resourceId());
          ps.setString(5, r.versionId());
          ps.setBytes(6, r.contentHash());
          ps.setString(7, r.json());
          ps.setString(8, r.channel());
        });
  }

  private void insertHeads(
      List<RawResource> resources,
      long[] ids,
      Set<SourceKey> firstVersions,
      List<Integer> positions) {
    List<Integer> firsts = new ArrayList<>();
    if (!firstVersions.isEmpty()) {
      positions = new ArrayList<>();
      for (int i = 0; i < ids.length; i++) {
        RawResource r = resources.get(i);
        boolean first =
            firstVersions.contains(new SourceKey(r.siteId(), r.resourceType(), r.resourceId()));
        (first ? firsts : positions).add(i);
      }
      heads.insertFirst(resources, ids, firsts);
    }
    // Bound with explicit types, so a missing versionId or lastUpdated is a typed NULL.
    jdbc.batchUpdate(
        "INSERT INTO source_resource_head (site_id, resource_type, resource_id, raw_id,"
            + " version_id, source_last_updated, content_hash, outcome)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (site_id, resource_type, resource_id) DO UPDATE SET"
            + " raw_id = EXCLUDED.raw_id, version_id = EXCLUDED.version_id,"
            + " source_last_updated = EXCLUDED.source_last_updated,"
            + " content_hash = EXCLUDED.content_hash, outcome = EXCLUDED.outcome,"
            + " last_seen = now()",
        positions,
        500,
        (ps, i) -> {
          RawResource r = resources.get(i);
          ps.setString(1, r.siteId());
          ps.setString(2, r.resourceType());
          ps.setString(3, r.resourceId());
          ps.setLong(4, ids[i]);
          ps.setString(5, r.versionId());
          ps.setTimestamp(6, FactColumns.ts(r.lastUpdated()));
          ps.setBytes(7, r.contentHash());
          ps.setString(8, r.outcome());
        });
  }

  /**
   * Appends versions that are older than their source's head to the raw store only: every version
   * received is kept, but the head and the curated facts stay with the newer version. A version
   * stored before with the same content (a history Bundle sent again) is not stored twice.
   */
  void insertOlderVersions(List<RawResource> resources, long[] ids) {
    if (resources.isEmpty()) {
      return;
    }
    MapSqlParameterSource[] rows = new MapSqlParameterSource[resources.size()];
    for (int i = 0; i < rows.length; i++) {
      RawResource r = resources.get(i);
      rows[i] =
          new MapSqlParameterSource("rawId", ids[i])
              .addValue("site", r.siteId())
              .addValue("type", r.resourceType())
              .addValue("id", r.resourceId())
              .addValue("version", r.versionId(), Types.VARCHAR)
              .addValue("hash", r.contentHash(), Types.BINARY)
              .addValue("content", r.json())
              .addValue("channel", r.channel());
    }
    named.batchUpdate(
        "INSERT INTO raw_resource (raw_id, site_id, resource_type, resource_id, version_id,"
            + " content_hash, content, channel)"
            + " SELECT :rawId, :site, :type, :id, :version, :hash, CAST(:content AS jsonb), :channel"
            + " WHERE NOT EXISTS (SELECT 1 FROM raw_resource r WHERE r.site_id = :site"
            + " AND r.resource_type = :type AND r.resource_id = :id"
            + " AND r.version_id IS NOT DISTINCT FROM :version AND r.content_hash = :hash)",
        rows);
  }
}
