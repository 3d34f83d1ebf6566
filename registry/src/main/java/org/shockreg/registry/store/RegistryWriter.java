package org.shockreg.registry.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.shockreg.registry.curated.CuratedFact;
import org.shockreg.registry.curated.CurationBatch;
import org.shockreg.registry.curated.DeviceRemovalFact;
import org.shockreg.registry.curated.DeviceTherapyFact;
import org.shockreg.registry.curated.DiagnosisFact;
import org.shockreg.registry.curated.EncounterFact;
import org.shockreg.registry.curated.MeasurementFact;
import org.shockreg.registry.curated.PatientFact;
import org.shockreg.registry.curated.RandomizationFact;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.shockreg.registry.intake.DeadLetter;
import org.shockreg.registry.intake.RawResource;
import org.shockreg.registry.intake.SourceHead;
import org.shockreg.registry.intake.UnmappedCode;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Writes intake batches: raw resources, source heads, curated facts, unmapped codes and dead
 * letters. Hot paths are batched JDBC; callers own the transaction (one per intake batch). The
 * facade of the store: each table family has its own writer ({@link PatientRows}, {@link
 * EncounterRows}, {@link MeasurementRows}, {@link DeviceTherapyRows}, {@link DiagnosisRows}, {@link
 * RandomizationRows}, {@link StaleFacts}, {@link UnmappedCodeRows}).
 */
public class RegistryWriter {

  private final JdbcTemplate jdbc;
  private final NamedParameterJdbcTemplate named;
  private final ObjectMapper json;
  private final PatientMerges merges;
  private final SourceHeads heads;
  private final RawStore raw;

  public RegistryWriter(JdbcTemplate jdbc, ObjectMapper json) {
    this.jdbc = jdbc;
    this.named = new NamedParameterJdbcTemplate(jdbc);
    this.json = json;
    this.merges = new PatientMerges(jdbc);
    this.heads = new SourceHeads(jdbc);
    this.raw = new RawStore(jdbc, named, heads);
  }

  /** Patient merges (Patient.link, placeholders), in the caller's transaction. */
  public PatientMerges merges() {
    return merges;
  }

  /** Registers a site the first time it is named; returns true when it was new. */
  public boolean ensureSite(String siteId, String origin) {
    return named.update(
            "INSERT INTO site (site_id, origin) VALUES (:site, :origin) ON CONFLICT DO NOTHING",
            new MapSqlParameterSource("site", siteId).addValue("origin", origin))
        > 0;
  }

  public boolean siteExists(String siteId) {
    Integer n =
        named.queryForObject(
            "SELECT count(*) FROM site WHERE site_id = :site",
            new MapSqlParameterSource("site", siteId),
            Integer.class);
    return n != null && n > 0;
  }

  /** The newest stored version of each of these source resources that has been seen before. */
  public Map<SourceKey, SourceHead> findHeads(String siteId, Collection<SourceKey> keys) {
    return heads.read(siteId, keys, false);
  }

  /**
   * As {@link #findHeads}, and row-locks the heads (in key order, so two batches never deadlock on
   * them) until the caller's transaction ends: a concurrent delivery of the same resource compares
   * with what this one commits. Heads that do not exist yet are guarded by {@link #insertRaw(List,
   * long[], Set)}.
   */
  public Map<SourceKey, SourceHead> lockHeads(String siteId, Collection<SourceKey> keys) {
    return heads.read(siteId, keys, true);
  }

  /**
   * Reserves raw-store ids in one round trip, so facts can point at their raw row before it is
   * written and the insert needs no generated-key handling.
   */
  public long[] allocateRawIds(int n) {
    return raw.allocateRawIds(n);
  }

  /**
   * Appends raw resources (with ids from {@link #allocateRawIds}) and moves their heads to them.
   * The caller has made sure none is older than its current head.
   */
  public void insertRaw(List<RawResource> resources, long[] ids) {
    insertRaw(resources, ids, Set.of());
  }

  /**
   * As {@link #insertRaw(List, long[])}; {@code firstVersions} are the resources the caller found
   * no head for. Their heads are inserted only if still absent: when a concurrent delivery created
   * one meanwhile, {@link SourceHeadRaceException} rolls the batch back to be compared again.
   */
  public void insertRaw(List<RawResource> resources, long[] ids, Set<SourceKey> firstVersions) {
    raw.insertRaw(resources, ids, firstVersions);
  }

  /**
   * Appends versions that are older than their source's head to the raw store only: every version
   * received is kept, but the head and the curated facts stay with the newer version. A version
   * stored before with the same content (a history Bundle sent again) is not stored twice.
   */
  public void insertOlderVersions(List<RawResource> resources, long[] ids) {
    raw.insertOlderVersions(resources, ids);
  }

  /**
   * Applies curated facts: upserts them and removes the stale facts of replaced sources. Returns
   * the patients whose facts changed, for recomputing their derived facts.
   */
  public Set<String> apply(CurationBatch batch) {
    Set<String> affected = new HashSet<>();
    for (CuratedFact f : batch.facts()) {
      affected.add(f.patientId());
    }
    PatientRows.ensurePatients(jdbc, batch.facts());
    // Arrival order (row ids are the API's default order); a deadlock between two batches is
    // retried by the pipeline.
    PatientRows.upsert(jdbc, merges, batch.factsOf(PatientFact.class));
    EncounterRows.upsert(jdbc, json, batch.factsOf(EncounterFact.class));
    MeasurementRows.write(
        jdbc, json, batch.factsOf(MeasurementFact.class), batch.replacedSources());
    DeviceTherapyRows.upsertTherapies(jdbc, json, batch.factsOf(DeviceTherapyFact.class));
    DeviceTherapyRows.upsertRemovals(jdbc, batch.factsOf(DeviceRemovalFact.class));
    DiagnosisRows.upsert(jdbc, json, batch.factsOf(DiagnosisFact.class));
    RandomizationRows.upsert(jdbc, batch.factsOf(RandomizationFact.class));
    affected.addAll(StaleFacts.remove(jdbc, batch));
    DeviceTherapyRows.closeTherapiesByRemovals(jdbc, batch);
    return affected;
  }

  /** Records what mapping made of stored source resources mapped again ({type, id, outcome}). */
  public void updateOutcomes(String siteId, List<String[]> outcomes) {
    if (outcomes.isEmpty()) {
      return;
    }
    jdbc.batchUpdate(
        "UPDATE source_resource_head SET outcome = ? WHERE site_id = ? AND resource_type = ?"
            + " AND resource_id = ?",
        outcomes,
        500,
        (ps, o) -> {
          ps.setString(1, o[2]);
          ps.setString(2, siteId);
          ps.setString(3, o[0]);
          ps.setString(4, o[1]);
        });
  }

  /**
   * The stored JSON of up to {@code limit} source resources of a site whose latest version no rule
   * mapped, after raw id {@code afterRawId} (keyset), for mapping them again.
   */
  public List<Map.Entry<Long, String>> unmappedSources(String siteId, long afterRawId, int limit) {
    return jdbc.query(
        "SELECT h.raw_id, r.content::text FROM source_resource_head h"
            + " JOIN raw_resource r ON r.raw_id = h.raw_id"
            + " WHERE h.site_id = ? AND h.outcome = 'unmapped' AND h.raw_id > ?"
            + " ORDER BY h.raw_id LIMIT ?",
        (rs, i) -> Map.entry(rs.getLong(1), rs.getString(2)),
        siteId,
        afterRawId,
        limit);
  }

  public List<String> sitesWithUnmappedSources() {
    return jdbc.queryForList(
        "SELECT DISTINCT site_id FROM source_resource_head WHERE outcome = 'unmapped' ORDER BY 1",
        String.class);
  }

  /** The curated patient a source patient of a site is filed under, or null when never seen. */
  public String curatedPatientId(String siteId, String sourcePatientId) {
    List<String> ids =
        jdbc.queryForList(
            "SELECT patient_id FROM patient_source_link WHERE site_id = ? AND source_patient_id = ?",
            String.class,
            siteId,
            sourcePatientId);
    return ids.isEmpty() ? null : ids.get(0);
  }

  /** Adds to the per-site count of codes no rule knows. */
  public void recordUnmapped(Map<UnmappedCode, Integer> counts) {
    UnmappedCodeRows.record(jdbc, counts);
  }

  /** Parks input in the dead-letter store; returns its id. */
  public long deadLetter(DeadLetter d) {
    return jdbc.queryForObject(
        "INSERT INTO dead_letter (site_id, channel, origin, content_type, payload, reason_code,"
            + " reason, resource_type, resource_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " RETURNING dead_letter_id",
        Long.class,
        d.siteId(),
        d.channel(),
        d.origin(),
        d.contentType(),
        d.payload(),
        d.reasonCode(),
        d.reason(),
        d.resourceType(),
        d.resourceId());
  }

  public void markReplayed(long deadLetterId, boolean resolved) {
    jdbc.update(
        "UPDATE dead_letter SET replay_count = replay_count + 1, replayed_at = now(),"
            + " status = ? WHERE dead_letter_id = ?",
        resolved ? "replayed" : "open",
        deadLetterId);
  }
}
