package org.shockreg.registry.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.CuratedFact;
import org.shockreg.registry.curated.CuratedFact.DeviceRemovalFact;
import org.shockreg.registry.curated.CuratedFact.DeviceTherapyFact;
import org.shockreg.registry.curated.CuratedFact.DiagnosisFact;
import org.shockreg.registry.curated.CuratedFact.EncounterFact;
import org.shockreg.registry.curated.CuratedFact.MeasurementFact;
import org.shockreg.registry.curated.CuratedFact.PatientFact;
import org.shockreg.registry.curated.CuratedFact.RandomizationFact;
import org.shockreg.registry.curated.CurationBatch;
import org.shockreg.registry.curated.SourceRef;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.shockreg.registry.curated.TimePrecision;
import org.shockreg.registry.intake.DeadLetter;
import org.shockreg.registry.intake.RawResource;
import org.shockreg.registry.intake.SourceHead;
import org.shockreg.registry.intake.UnmappedCode;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Writes intake batches: raw resources, source heads, curated facts, unmapped codes and dead
 * letters. Hot paths are batched JDBC; callers own the transaction (one per intake batch).
 */
public class RegistryWriter {

  private static final int MAX_COPY_RUNS = 4;

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
   * As {@link #findHeads}, and row-locks the heads (in key order, so two batches never deadlock
   * on them) until the caller's transaction ends: a concurrent delivery of the same resource
   * compares with what this one commits. Heads that do not exist yet are guarded by {@link
   * #insertRaw(List, long[], Set)}.
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
    ensurePatients(batch.facts());
    // Arrival order (row ids are the API's default order); a deadlock between two batches is
    // retried by the pipeline.
    upsertPatients(batch.factsOf(PatientFact.class));
    upsertEncounters(batch.factsOf(EncounterFact.class));
    writeMeasurements(batch.factsOf(MeasurementFact.class), batch.replacedSources());
    upsertDeviceTherapies(batch.factsOf(DeviceTherapyFact.class));
    upsertDeviceRemovals(batch.factsOf(DeviceRemovalFact.class));
    upsertDiagnoses(batch.factsOf(DiagnosisFact.class));
    upsertRandomizations(batch.factsOf(RandomizationFact.class));
    affected.addAll(removeStaleFacts(batch));
    closeTherapiesByRemovals(batch);
    return affected;
  }

  /** Randomizations from source ResearchSubjects: a newer version replaces arm and time. */
  private void upsertRandomizations(List<RandomizationFact> facts) {
    if (facts.isEmpty()) {
      return;
    }
    jdbc.batchUpdate(
        "INSERT INTO randomization (randomization_id, study_id, patient_id, arm, randomized_at, origin,"
            + " site_id, source_type, source_id, source_version, raw_id, randomized_precision)"
            + " VALUES (?, ?, ?, ?, ?, 'intake', ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (randomization_id) DO UPDATE SET study_id = EXCLUDED.study_id,"
            + " patient_id = EXCLUDED.patient_id, arm = EXCLUDED.arm, randomized_at = EXCLUDED.randomized_at,"
            + " randomized_precision = EXCLUDED.randomized_precision,"
            + " source_version = EXCLUDED.source_version, raw_id = EXCLUDED.raw_id",
        facts,
        500,
        (ps, r) -> {
          ps.setString(1, r.randomizationId());
          ps.setString(2, r.studyId());
          ps.setString(3, r.patientId());
          ps.setString(4, r.arm());
          ps.setTimestamp(5, ts(r.randomizedAt()));
          ps.setString(6, r.source().siteId());
          setSource(ps, 7, r.source());
          precision(ps, 11, r.randomizedPrecision());
        });
  }

  private void ensurePatients(List<CuratedFact> facts) {
    Map<String, String> patientSites = new LinkedHashMap<>();
    for (CuratedFact f : facts) {
      patientSites.putIfAbsent(f.patientId(), f.source().siteId());
    }
    if (patientSites.isEmpty()) {
      return;
    }
    List<Object[]> rows = new ArrayList<>();
    patientSites.forEach((p, s) -> rows.add(new Object[] {p, s}));
    // Facts can arrive before their Patient: a placeholder row keeps the foreign keys whole.
    jdbc.batchUpdate(
        "INSERT INTO patient (patient_id, site_id) VALUES (?, ?) ON CONFLICT DO NOTHING", rows);
  }

  private void upsertPatients(List<PatientFact> patients) {
    if (patients.isEmpty()) {
      return;
    }
    // The link first: it says whether this source record is the patient's own or a merged one.
    jdbc.batchUpdate(
        "INSERT INTO patient_source_link (site_id, source_patient_id, patient_id, birth_date, deceased,"
            + " deceased_at, deceased_precision) VALUES (?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (site_id, source_patient_id) DO UPDATE SET"
            + " patient_id = EXCLUDED.patient_id, birth_date = EXCLUDED.birth_date,"
            + " deceased = EXCLUDED.deceased, deceased_at = EXCLUDED.deceased_at,"
            + " deceased_precision = EXCLUDED.deceased_precision",
        patients,
        500,
        (ps, p) -> {
          ps.setString(1, p.siteId());
          ps.setString(2, p.sourcePatientId());
          ps.setString(3, p.patientId());
          ps.setObject(4, p.birthDate());
          setBoolean(ps, 5, p.deceased());
          ps.setTimestamp(6, ts(p.deceasedAt()));
          precision(ps, 7, p.deceasedPrecision());
        });
    // The survivor's own record sets the demographics; a merged record (Patient.link) only fills
    // gaps, and its death is kept by keepDeaths below.
    jdbc.batchUpdate(
        "UPDATE patient SET sex = ?, birth_year = ?, deceased = ?, deceased_at = ?,"
            + " source_type = ?, source_id = ?, source_version = ?, raw_id = ?, last_updated = now(),"
            + " deceased_precision = ?"
            + " WHERE patient_id = ? AND NOT EXISTS (SELECT 1 FROM patient_source_link l"
            + " WHERE l.site_id = ? AND l.source_patient_id = ? AND l.merged)",
        patients,
        500,
        (ps, p) -> {
          ps.setString(1, p.sex());
          setInt(ps, 2, p.birthYear());
          setBoolean(ps, 3, p.deceased());
          ps.setTimestamp(4, ts(p.deceasedAt()));
          setSource(ps, 5, p.source());
          precision(ps, 9, p.deceasedPrecision());
          ps.setString(10, p.patientId());
          ps.setString(11, p.siteId());
          ps.setString(12, p.sourcePatientId());
        });
    jdbc.batchUpdate(
        "UPDATE patient SET sex = COALESCE(sex, ?), birth_year = COALESCE(birth_year, ?), last_updated = now()"
            + " WHERE patient_id = ? AND (sex IS NULL OR birth_year IS NULL) AND EXISTS (SELECT 1"
            + " FROM patient_source_link l WHERE l.site_id = ? AND l.source_patient_id = ? AND l.merged)",
        patients,
        500,
        (ps, p) -> {
          ps.setString(1, p.sex());
          setInt(ps, 2, p.birthYear());
          ps.setString(3, p.patientId());
          ps.setString(4, p.siteId());
          ps.setString(5, p.sourcePatientId());
        });
    Set<String> ids = new HashSet<>();
    for (PatientFact p : patients) {
      ids.add(p.patientId());
      if (p.replacesPatientId() != null && !p.replacesPatientId().equals(p.patientId())) {
        // Facts filed before their Patient came (under its logical id's pseudonym, or a site
        // pseudonym now linked across sites) move to it.
        merges.merge(p.siteId(), p.replacesPatientId(), p.patientId(), "placeholder", false);
      }
    }
    merges.keepDeaths(ids);
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
   * The stored JSON of up to {@code limit} source resources of a site whose latest version no
   * rule mapped, after raw id {@code afterRawId} (keyset), for mapping them again.
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

  private void upsertEncounters(List<EncounterFact> encounters) {
    if (encounters.isEmpty()) {
      return;
    }
    jdbc.batchUpdate(
        "INSERT INTO encounter (encounter_id, patient_id, site_id, status, encounter_class,"
            + " intensive_care, period_start, period_end, types, flags, source_type, source_id,"
            + " source_version, raw_id, period_start_precision, period_end_precision)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (encounter_id) DO UPDATE SET patient_id = EXCLUDED.patient_id,"
            + " status = EXCLUDED.status, encounter_class = EXCLUDED.encounter_class,"
            + " intensive_care = EXCLUDED.intensive_care, period_start = EXCLUDED.period_start,"
            + " period_end = EXCLUDED.period_end, types = EXCLUDED.types, flags = EXCLUDED.flags,"
            + " period_start_precision = EXCLUDED.period_start_precision,"
            + " period_end_precision = EXCLUDED.period_end_precision,"
            + " source_version = EXCLUDED.source_version, raw_id = EXCLUDED.raw_id,"
            + " last_updated = now()",
        encounters,
        500,
        (ps, e) -> {
          Connection con = ps.getConnection();
          ps.setString(1, e.encounterId());
          ps.setString(2, e.patientId());
          ps.setString(3, e.source().siteId());
          ps.setString(4, e.status());
          ps.setString(5, e.encounterClass());
          ps.setBoolean(6, e.intensiveCare());
          ps.setTimestamp(7, ts(e.periodStart()));
          ps.setTimestamp(8, ts(e.periodEnd()));
          ps.setString(9, toJson(e.types()));
          ps.setArray(10, flags(con, e.flags()));
          setSource(ps, 11, e.source());
          precision(ps, 15, e.startPrecision());
          precision(ps, 16, e.endPrecision());
        });
  }

  /**
   * Measurements of sources seen for the first time are copied (they cannot exist yet), those of
   * replaced sources upserted; in runs, so rows keep their arrival order.
   */
  private void writeMeasurements(List<MeasurementFact> facts, Set<SourceKey> replaced) {
    List<Integer> runStarts = new ArrayList<>();
    for (int i = 0; i < facts.size(); i++) {
      if (i == 0 || fresh(facts.get(i), replaced) != fresh(facts.get(i - 1), replaced)) {
        runStarts.add(i);
      }
    }
    // Each COPY takes a savepoint: a batch that mixes new and replaced sources in many runs is
    // upserted whole, as before.
    if (runStarts.size() > MAX_COPY_RUNS) {
      upsertMeasurements(facts);
      return;
    }
    for (int r = 0; r < runStarts.size(); r++) {
      int start = runStarts.get(r);
      List<MeasurementFact> run =
          facts.subList(start, r + 1 < runStarts.size() ? runStarts.get(r + 1) : facts.size());
      if (!fresh(run.get(0), replaced) || !MeasurementCopy.copy(jdbc, json, run)) {
        upsertMeasurements(run);
      }
    }
  }

  private static boolean fresh(MeasurementFact f, Set<SourceKey> replaced) {
    return !replaced.contains(f.source().key());
  }

  private void upsertMeasurements(List<MeasurementFact> measurements) {
    if (measurements.isEmpty()) {
      return;
    }
    jdbc.batchUpdate(
        "INSERT INTO measurement (observation_id, patient_id, site_id, variable, status,"
            + " effective_at, value, unit, comparator, range_low, range_high, original_value,"
            + " original_unit, original_comparator, codings, flags, source_type, source_id,"
            + " source_version, raw_id, effective_precision)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (observation_id) DO UPDATE SET patient_id = EXCLUDED.patient_id,"
            + " status = EXCLUDED.status, effective_at = EXCLUDED.effective_at,"
            + " effective_precision = EXCLUDED.effective_precision,"
            + " value = EXCLUDED.value, unit = EXCLUDED.unit, comparator = EXCLUDED.comparator,"
            + " range_low = EXCLUDED.range_low, range_high = EXCLUDED.range_high,"
            + " original_value = EXCLUDED.original_value, original_unit = EXCLUDED.original_unit,"
            + " original_comparator = EXCLUDED.original_comparator, codings = EXCLUDED.codings,"
            + " flags = EXCLUDED.flags, source_version = EXCLUDED.source_version,"
            + " raw_id = EXCLUDED.raw_id, last_updated = now()",
        measurements,
        500,
        (ps, m) -> {
          Connection con = ps.getConnection();
          ps.setString(1, m.observationId());
          ps.setString(2, m.patientId());
          ps.setString(3, m.source().siteId());
          ps.setString(4, m.variable());
          ps.setString(5, m.status());
          ps.setTimestamp(6, ts(m.effectiveAt()));
          ps.setBigDecimal(7, m.value());
          ps.setString(8, m.unit());
          ps.setString(9, m.comparator());
          ps.setBigDecimal(10, m.rangeLow());
          ps.setBigDecimal(11, m.rangeHigh());
          ps.setBigDecimal(12, m.originalValue());
          ps.setString(13, m.originalUnit());
          ps.setString(14, m.originalComparator());
          ps.setString(15, toJson(m.codings()));
          ps.setArray(16, flags(con, m.flags()));
          setSource(ps, 17, m.source());
          precision(ps, 21, m.effectivePrecision());
        });
  }

  private void upsertDeviceTherapies(List<DeviceTherapyFact> therapies) {
    if (therapies.isEmpty()) {
      return;
    }
    jdbc.batchUpdate(
        "INSERT INTO device_therapy (procedure_id, patient_id, site_id, device, status,"
            + " started_at, ended_at, performed_at, codings, flags, source_type, source_id,"
            + " source_version, raw_id, started_precision, ended_precision, performed_precision)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (procedure_id) DO UPDATE SET patient_id = EXCLUDED.patient_id,"
            + " device = EXCLUDED.device, status = EXCLUDED.status,"
            + " started_at = EXCLUDED.started_at, started_precision = EXCLUDED.started_precision,"
            // A removal may have closed the therapy; a new version without an end keeps that close.
            + " ended_at = COALESCE(EXCLUDED.ended_at, CASE WHEN device_therapy.removal_source_id"
            + " IS NOT NULL THEN device_therapy.ended_at END),"
            + " ended_precision = CASE WHEN EXCLUDED.ended_at IS NOT NULL THEN EXCLUDED.ended_precision"
            + " WHEN device_therapy.removal_source_id IS NOT NULL THEN device_therapy.ended_precision END,"
            + " performed_at = EXCLUDED.performed_at, performed_precision = EXCLUDED.performed_precision,"
            + " codings = EXCLUDED.codings,"
            + " flags = EXCLUDED.flags, source_version = EXCLUDED.source_version,"
            + " raw_id = EXCLUDED.raw_id, last_updated = now()",
        therapies,
        500,
        (ps, d) -> {
          Connection con = ps.getConnection();
          ps.setString(1, d.procedureId());
          ps.setString(2, d.patientId());
          ps.setString(3, d.source().siteId());
          ps.setString(4, d.device());
          ps.setString(5, d.status());
          ps.setTimestamp(6, ts(d.startedAt()));
          ps.setTimestamp(7, ts(d.endedAt()));
          ps.setTimestamp(8, ts(d.performedAt()));
          ps.setString(9, toJson(d.codings()));
          ps.setArray(10, flags(con, d.flags()));
          setSource(ps, 11, d.source());
          precision(ps, 15, d.startedPrecision());
          precision(ps, 16, d.endedPrecision());
          precision(ps, 17, d.performedPrecision());
        });
  }

  private void upsertDeviceRemovals(List<DeviceRemovalFact> removals) {
    if (removals.isEmpty()) {
      return;
    }
    jdbc.batchUpdate(
        "INSERT INTO device_removal (site_id, source_type, source_id, source_version, raw_id,"
            + " patient_id, device, removed_at, removed_precision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (site_id, source_type, source_id) DO UPDATE SET"
            + " source_version = EXCLUDED.source_version, raw_id = EXCLUDED.raw_id,"
            + " patient_id = EXCLUDED.patient_id, device = EXCLUDED.device,"
            + " removed_at = EXCLUDED.removed_at, removed_precision = EXCLUDED.removed_precision,"
            + " last_updated = now()",
        removals,
        500,
        (ps, r) -> {
          ps.setString(1, r.source().siteId());
          ps.setString(2, r.source().resourceType());
          ps.setString(3, r.source().resourceId());
          ps.setString(4, r.source().versionId());
          setLong(ps, 5, r.source().rawId());
          ps.setString(6, r.patientId());
          ps.setString(7, r.device());
          ps.setTimestamp(8, ts(r.removedAt()));
          precision(ps, 9, r.removedPrecision());
        });
  }

  private void upsertDiagnoses(List<DiagnosisFact> diagnoses) {
    if (diagnoses.isEmpty()) {
      return;
    }
    jdbc.batchUpdate(
        "INSERT INTO diagnosis (condition_id, patient_id, site_id, category, clinical_status,"
            + " verification_status, onset_at, recorded_at, abated_at, codings, flags,"
            + " source_type, source_id, source_version, raw_id, onset_precision, recorded_precision,"
            + " abated_precision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (condition_id) DO UPDATE SET patient_id = EXCLUDED.patient_id,"
            + " category = EXCLUDED.category, clinical_status = EXCLUDED.clinical_status,"
            + " verification_status = EXCLUDED.verification_status,"
            + " onset_at = EXCLUDED.onset_at, recorded_at = EXCLUDED.recorded_at,"
            + " abated_at = EXCLUDED.abated_at, onset_precision = EXCLUDED.onset_precision,"
            + " recorded_precision = EXCLUDED.recorded_precision,"
            + " abated_precision = EXCLUDED.abated_precision, codings = EXCLUDED.codings,"
            + " flags = EXCLUDED.flags, source_version = EXCLUDED.source_version,"
            + " raw_id = EXCLUDED.raw_id, last_updated = now()",
        diagnoses,
        500,
        (ps, d) -> {
          Connection con = ps.getConnection();
          ps.setString(1, d.conditionId());
          ps.setString(2, d.patientId());
          ps.setString(3, d.source().siteId());
          ps.setString(4, d.category());
          ps.setString(5, d.clinicalStatus());
          ps.setString(6, d.verificationStatus());
          ps.setTimestamp(7, ts(d.onsetAt()));
          ps.setTimestamp(8, ts(d.recordedAt()));
          ps.setTimestamp(9, ts(d.abatedAt()));
          ps.setString(10, toJson(d.codings()));
          ps.setArray(11, flags(con, d.flags()));
          setSource(ps, 12, d.source());
          precision(ps, 16, d.onsetPrecision());
          precision(ps, 17, d.recordedPrecision());
          precision(ps, 18, d.abatedPrecision());
        });
  }

  /** Facts of a replaced source that the new version no longer yields are removed. */
  private Set<String> removeStaleFacts(CurationBatch batch) {
    Set<String> patients = new HashSet<>();
    if (batch.replacedSources().isEmpty()) {
      return patients;
    }
    Map<SourceKey, Set<String>> kept = new HashMap<>();
    for (SourceKey k : batch.replacedSources()) {
      kept.put(k, new HashSet<>());
    }
    for (CuratedFact f : batch.facts()) {
      Set<String> ids = kept.get(f.source().key());
      if (ids != null) {
        ids.add(factId(f));
      }
    }
    patients.addAll(deleteStale("measurement", "observation_id", kept));
    patients.addAll(deleteStale("device_therapy", "procedure_id", kept));
    patients.addAll(deleteStale("diagnosis", "condition_id", kept));
    patients.addAll(deleteStale("encounter", "encounter_id", kept));
    patients.addAll(deleteStale("device_removal", "source_id", kept));
    patients.addAll(deleteStale("randomization", "randomization_id", kept));
    return patients;
  }

  /** Deletes the facts of replaced sources not kept; returns their patients. Updates are rare. */
  private Set<String> deleteStale(String table, String idColumn, Map<SourceKey, Set<String>> kept) {
    List<Map.Entry<SourceKey, Set<String>>> rows = new ArrayList<>(kept.entrySet());
    Set<String> patients = new HashSet<>();
    for (Map.Entry<SourceKey, Set<String>> e : rows) {
      jdbc.query(
          con -> {
            PreparedStatement ps =
                con.prepareStatement(
                    "DELETE FROM " + table + " WHERE site_id = ? AND source_type = ? AND source_id = ?"
                        + " AND NOT (" + idColumn + " = ANY(?)) RETURNING patient_id");
            ps.setString(1, e.getKey().siteId());
            ps.setString(2, e.getKey().resourceType());
            ps.setString(3, e.getKey().resourceId());
            ps.setArray(4, con.createArrayOf("text", e.getValue().toArray()));
            return ps;
          },
          rs -> {
            patients.add(rs.getString(1));
          });
    }
    if (table.equals("device_removal")) {
      // A retracted removal reopens the therapy it had closed.
      jdbc.batchUpdate(
          "UPDATE device_therapy SET ended_at = NULL, ended_precision = NULL, removal_source_id = NULL,"
              + " last_updated = now() WHERE site_id = ? AND removal_source_id = ?"
              + " AND NOT (? = ANY(?))",
          rows,
          500,
          (ps, e) -> {
            ps.setString(1, e.getKey().siteId());
            ps.setString(2, e.getKey().resourceId());
            ps.setString(3, e.getKey().resourceId());
            ps.setArray(4, ps.getConnection().createArrayOf("text", e.getValue().toArray()));
          });
    }
    return patients;
  }

  /**
   * Closes open therapies with the earliest removal of the same device at or after their start,
   * whichever of the two arrived first.
   */
  private void closeTherapiesByRemovals(CurationBatch batch) {
    Set<String> patients = new HashSet<>();
    for (DeviceRemovalFact r : batch.factsOf(DeviceRemovalFact.class)) {
      patients.add(r.patientId());
    }
    for (DeviceTherapyFact t : batch.factsOf(DeviceTherapyFact.class)) {
      if (t.endedAt() == null) {
        patients.add(t.patientId());
      }
    }
    if (patients.isEmpty()) {
      return;
    }
    jdbc.update(
        con -> {
          PreparedStatement ps =
              con.prepareStatement(
                  "UPDATE device_therapy t SET ended_at = r.removed_at, ended_precision = r.removed_precision,"
                      + " removal_source_id = r.source_id, last_updated = now()"
                      + " FROM device_removal r"
                      + " WHERE t.patient_id = ANY(?) AND t.ended_at IS NULL"
                      + " AND r.patient_id = t.patient_id AND r.device = t.device"
                      + " AND r.removed_at >= COALESCE(t.started_at, t.performed_at)"
                      + " AND r.removed_at = (SELECT min(r2.removed_at) FROM device_removal r2"
                      + "   WHERE r2.patient_id = t.patient_id AND r2.device = t.device"
                      + "   AND r2.removed_at >= COALESCE(t.started_at, t.performed_at))");
          ps.setArray(1, con.createArrayOf("text", patients.toArray()));
          return ps;
        });
  }

  private static String factId(CuratedFact f) {
    if (f instanceof MeasurementFact m) {
      return m.observationId();
    } else if (f instanceof DeviceTherapyFact d) {
      return d.procedureId();
    } else if (f instanceof DiagnosisFact d) {
      return d.conditionId();
    } else if (f instanceof EncounterFact e) {
      return e.encounterId();
    } else if (f instanceof DeviceRemovalFact r) {
      return r.source().resourceId();
    } else if (f instanceof RandomizationFact r) {
      return r.randomizationId();
    }
    return f.patientId();
  }

  /** Adds to the per-site count of codes no rule knows. */
  public void recordUnmapped(Map<UnmappedCode, Integer> counts) {
    if (counts.isEmpty()) {
      return;
    }
    // One row per key: the same code seen with two displays would hit its row twice in one
    // (rewritten, multi-row) INSERT, which PostgreSQL refuses (found by fuzzing).
    Map<List<String>, UnmappedCode> codes = new LinkedHashMap<>();
    Map<List<String>, Integer> seen = new HashMap<>();
    counts.forEach(
        (c, n) -> {
          List<String> key = java.util.Arrays.asList(c.siteId(), c.resourceType(), c.system(), c.code());
          codes.merge(key, c, (was, now) -> now.display() != null ? now : was);
          seen.merge(key, n, Integer::sum);
        });
    List<Map.Entry<UnmappedCode, Integer>> rows = new ArrayList<>();
    codes.forEach((key, c) -> rows.add(Map.entry(c, seen.get(key))));
    // Sorted, so concurrent batches lock rows in the same order.
    rows.sort(
        (a, b) ->
            (a.getKey().siteId() + a.getKey().resourceType() + a.getKey().system() + a.getKey().code())
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

  private String toJson(List<Coding> codings) {
    try {
      return json.writeValueAsString(codings == null ? List.of() : codings);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("codings not serialisable", e);
    }
  }

  private static Array flags(Connection con, Set<String> flags) throws SQLException {
    return con.createArrayOf(
        "text", flags == null ? new Object[0] : flags.stream().sorted().toArray());
  }

  private static void setSource(PreparedStatement ps, int at, SourceRef s) throws SQLException {
    ps.setString(at, s.resourceType());
    ps.setString(at + 1, s.resourceId());
    ps.setString(at + 2, s.versionId());
    setLong(ps, at + 3, s.rawId());
  }

  /** A time's precision column: null for seconds or finer (and for facts that do not know it). */
  private static void precision(PreparedStatement ps, int at, TimePrecision p) throws SQLException {
    ps.setString(at, TimePrecision.column(p));
  }

  private static void setLong(PreparedStatement ps, int at, Long v) throws SQLException {
    if (v == null) {
      ps.setNull(at, Types.BIGINT);
    } else {
      ps.setLong(at, v);
    }
  }

  private static void setBoolean(PreparedStatement ps, int at, Boolean v) throws SQLException {
    if (v == null) {
      ps.setNull(at, Types.BOOLEAN);
    } else {
      ps.setBoolean(at, v);
    }
  }

  private static void setInt(PreparedStatement ps, int at, Integer v) throws SQLException {
    if (v == null) {
      ps.setNull(at, Types.INTEGER);
    } else {
      ps.setInt(at, v);
    }
  }

  static Timestamp ts(Instant i) {
    return i == null ? null : Timestamp.from(i);
  }
}
