package org.shockreg.registry.derive;

import static org.shockreg.registry.db.JdbcValues.instant;
import static org.shockreg.registry.db.JdbcValues.ts;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.shockreg.registry.curated.TimePrecision;
import org.shockreg.registry.db.JdbcValues;
import org.shockreg.registry.db.TransactionLocks;
import org.shockreg.registry.derive.EpisodeDerivation.DerivedFactValue;
import org.shockreg.registry.derive.PatientClinicalRecord.DiagnosisRow;
import org.shockreg.registry.derive.PatientClinicalRecord.EncounterRow;
import org.shockreg.registry.derive.PatientClinicalRecord.MeasurementRow;
import org.shockreg.registry.derive.PatientClinicalRecord.TherapyRow;
import org.shockreg.registry.notify.SubscriptionOutbox;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Loads what derivations need for a set of patients and stores what they derived: episodes, derived
 * facts, and which episode each measurement, therapy and diagnosis belongs to. Runs in the caller's
 * transaction (the intake batch), so derived facts never lag the facts they rest on.
 */
public class DerivationStore {

  /** Measurements derivations read (SCAI staging, trial screening). */
  private static final String[] DRIVING_VARIABLES = {"lactate", "sbp", "map", "lvef"};

  private final JdbcTemplate jdbc;
  private final ObjectMapper json;

  public DerivationStore(JdbcTemplate jdbc, ObjectMapper json) {
    this.jdbc = jdbc;
    this.json = json;
  }

  /**
   * Takes a transaction-level lock per patient, in sorted order (no deadlocks between two
   * transactions locking overlapping sets), so derivations for one patient never interleave. The
   * subscriptions' shared lock comes first, before any patient lock (see {@link
   * SubscriptionOutbox#SHARED_LOCK_SQL}): a subscription being created then never waits in a cycle.
   */
  public void lockPatients(Collection<String> patientIds) {
    SubscriptionOutbox.lockShared(jdbc);
    // a batch locks its patients before applying their facts and again before deriving
    List<String> toLock =
        TransactionLocks.toTake(patientIds.stream().map(p -> "patient:" + p).toList());
    if (toLock.isEmpty()) {
      return;
    }
    String[] sorted = toLock.stream().map(k -> k.substring(8)).sorted().toArray(String[]::new);
    jdbc.query(
        con -> {
          PreparedStatement ps =
              con.prepareStatement(
                  "SELECT pg_advisory_xact_lock(hashtextextended('patient:' || p, 0))"
                      + " FROM unnest(?::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n");
          ps.setArray(1, con.createArrayOf("text", sorted));
          return ps;
        },
        rs -> {});
  }

  public Map<String, PatientClinicalRecord> load(Collection<String> patientIds) {
    Map<String, PatientClinicalRecord> out = new HashMap<>();
    if (patientIds.isEmpty()) {
      return out;
    }
    String[] ids = patientIds.toArray(String[]::new);
    Map<String, java.time.LocalDate> birth = new HashMap<>();
    query(
        "SELECT patient_id, min(birth_date) FROM patient_source_link WHERE patient_id = ANY(?)"
            + " GROUP BY patient_id",
        ids,
        rs -> {
          Date d = rs.getDate(2);
          if (d != null) {
            birth.put(rs.getString(1), d.toLocalDate());
          }
        });
    Map<String, List<DiagnosisRow>> diagnoses =
        byPatient(
            "SELECT patient_id, condition_id, site_id, category, onset_at, recorded_at,"
                + " onset_precision, recorded_precision FROM diagnosis WHERE patient_id = ANY(?)",
            ids,
            rs ->
                new DiagnosisRow(
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    instant(rs, 5),
                    instant(rs, 6),
                    TimePrecision.ofColumn(rs.getString(7)),
                    TimePrecision.ofColumn(rs.getString(8))));
    Map<String, List<EncounterRow>> encounters =
        byPatient(
            "SELECT patient_id, encounter_id, site_id, intensive_care, period_start, period_end,"
                + " period_start_precision IN ('year', 'month', 'day') FROM encounter WHERE patient_id = ANY(?)",
            ids,
            rs ->
                new EncounterRow(
                    rs.getString(2),
                    rs.getString(3),
                    rs.getBoolean(4),
                    instant(rs, 5),
                    instant(rs, 6),
                    rs.getBoolean(7)));
    Map<String, List<MeasurementRow>> measurements = new HashMap<>();
    jdbc.query(
        con -> {
          PreparedStatement ps =
              con.prepareStatement(
                  "SELECT patient_id, observation_id, variable, effective_at, value,"
                      + " 'implausible' = ANY(flags), effective_precision FROM measurement"
                      + " WHERE patient_id = ANY(?) AND variable = ANY(?) AND effective_at IS NOT NULL");
          ps.setArray(1, con.createArrayOf("text", ids));
          ps.setArray(2, con.createArrayOf("text", DRIVING_VARIABLES));
          return ps;
        },
        rs -> {
          measurements
              .computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
              .add(
                  new MeasurementRow(
                      rs.getString(2),
                      rs.getString(3),
                      instant(rs, 4),
                      rs.getBigDecimal(5),
                      rs.getBoolean(6),
                      TimePrecision.ofColumn(rs.getString(7))));
        });
    Map<String, List<TherapyRow>> therapies =
        byPatient(
            "SELECT patient_id, procedure_id, device, COALESCE(started_at, performed_at), ended_at,"
                + " COALESCE(started_precision, performed_precision) IN ('year', 'month', 'day')"
                + " FROM device_therapy WHERE patient_id = ANY(?)",
            ids,
            rs ->
                new TherapyRow(
                    rs.getString(2),
                    rs.getString(3),
                    instant(rs, 4),
                    instant(rs, 5),
                    rs.getBoolean(6)));
    for (String p : ids) {
      out.put(
          p,
          new PatientClinicalRecord(
              p,
              birth.get(p),
              diagnoses.getOrDefault(p, List.of()),
              encounters.getOrDefault(p, List.of()),
              measurements.getOrDefault(p, List.of()),
              therapies.getOrDefault(p, List.of())));
    }
    return out;
  }

  /** Replaces the episodes and derived facts of these patients by what was derived now. */
  public void store(Collection<String> patientIds, List<EpisodeDerivation> episodes) {
    if (patientIds.isEmpty()) {
      return;
    }
    String[] ids = patientIds.toArray(String[]::new);
    String[] keep = episodes.stream().map(EpisodeDerivation::episodeId).toArray(String[]::new);

    // Episodes that no longer exist go (their derived facts cascade).
    update(
        "DELETE FROM shock_episode WHERE patient_id = ANY(?) AND NOT (episode_id = ANY(?))",
        ids,
        keep);

    jdbc.batchUpdate(
        "INSERT INTO shock_episode (episode_id, patient_id, site_id, encounter_id, cicu_arrival_at,"
            + " shock_diagnosis_at, age_at_diagnosis, window_start, window_end)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (episode_id) DO UPDATE SET encounter_id = EXCLUDED.encounter_id,"
            + " cicu_arrival_at = EXCLUDED.cicu_arrival_at,"
            + " shock_diagnosis_at = EXCLUDED.shock_diagnosis_at,"
            + " age_at_diagnosis = EXCLUDED.age_at_diagnosis, window_start = EXCLUDED.window_start,"
            + " window_end = EXCLUDED.window_end, last_updated = now()"
            + " WHERE (shock_episode.encounter_id, shock_episode.cicu_arrival_at,"
            + " shock_episode.shock_diagnosis_at, shock_episode.age_at_diagnosis,"
            + " shock_episode.window_start, shock_episode.window_end) IS DISTINCT FROM"
            + " (EXCLUDED.encounter_id, EXCLUDED.cicu_arrival_at, EXCLUDED.shock_diagnosis_at,"
            + " EXCLUDED.age_at_diagnosis, EXCLUDED.window_start, EXCLUDED.window_end)",
        episodes,
        200,
        (ps, e) -> {
          ps.setString(1, e.episodeId());
          ps.setString(2, e.patientId());
          ps.setString(3, e.siteId());
          ps.setString(4, e.encounterId());
          ps.setTimestamp(5, ts(e.cicuArrivalAt()));
          ps.setTimestamp(6, ts(e.shockDiagnosisAt()));
          if (e.ageAtDiagnosis() == null) {
            ps.setNull(7, java.sql.Types.INTEGER);
          } else {
            ps.setInt(7, e.ageAtDiagnosis());
          }
          ps.setTimestamp(8, ts(e.windowStart()));
          ps.setTimestamp(9, ts(e.windowEnd()));
        });

    List<Object[]> facts = new ArrayList<>();
    List<String> keepFacts = new ArrayList<>();
    for (EpisodeDerivation e : episodes) {
      for (DerivedFactValue f : e.facts()) {
        keepFacts.add(f.factId());
        facts.add(
            new Object[] {
              f.factId(),
              e.episodeId(),
              e.patientId(),
              e.siteId(),
              f.kind(),
              f.variable(),
              f.valueCode(),
              f.valueBoolean(),
              ts(f.effectiveAt()),
              toJson(f.evidence()),
              f.valueNumber(),
              f.unit(),
              f.focus(),
              f.detail(),
              f.flags().toArray(String[]::new)
            });
      }
    }
    update(
        "DELETE FROM derived_fact WHERE patient_id = ANY(?) AND NOT (fact_id = ANY(?))",
        ids,
        keepFacts.toArray(String[]::new));
    // Only a changed value touches a derived fact, so its lastUpdated means something.
    jdbc.batchUpdate(
        "INSERT INTO derived_fact (fact_id, episode_id, patient_id, site_id, kind, variable,"
            + " value_code, value_boolean, effective_at, evidence, value_number, unit, focus, detail, flags)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?::jsonb, ?)"
            + " ON CONFLICT (fact_id) DO UPDATE SET episode_id = EXCLUDED.episode_id,"
            + " value_code = EXCLUDED.value_code,"
            + " value_boolean = EXCLUDED.value_boolean, effective_at = EXCLUDED.effective_at,"
            + " evidence = EXCLUDED.evidence, value_number = EXCLUDED.value_number, unit = EXCLUDED.unit,"
            + " focus = EXCLUDED.focus, detail = EXCLUDED.detail, flags = EXCLUDED.flags, computed_at = now()"
            + " WHERE (derived_fact.episode_id, derived_fact.value_code, derived_fact.value_boolean,"
            + " derived_fact.effective_at, derived_fact.evidence, derived_fact.value_number,"
            + " derived_fact.unit, derived_fact.focus, derived_fact.detail, derived_fact.flags)"
            + " IS DISTINCT FROM"
            + " (EXCLUDED.episode_id, EXCLUDED.value_code, EXCLUDED.value_boolean, EXCLUDED.effective_at,"
            + " EXCLUDED.evidence, EXCLUDED.value_number, EXCLUDED.unit, EXCLUDED.focus, EXCLUDED.detail,"
            + " EXCLUDED.flags)",
        facts);
  }

  private interface RowHandler {
    void handle(ResultSet rs) throws SQLException;
  }

  private interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** The rows of these patients, by patient id (the first column), in the order read. */
  private <T> Map<String, List<T>> byPatient(String sql, String[] ids, RowReader<T> row) {
    Map<String, List<T>> out = new HashMap<>();
    query(
        sql,
        ids,
        rs -> out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(row.read(rs)));
    return out;
  }

  private void query(String sql, String[] ids, RowHandler handler) {
    jdbc.query(
        con -> {
          PreparedStatement ps = con.prepareStatement(sql);
          ps.setArray(1, con.createArrayOf("text", ids));
          return ps;
        },
        rs -> {
          handler.handle(rs);
        });
  }

  private void update(String sql, String[] first, String[] second) {
    jdbc.update(
        con -> {
          PreparedStatement ps = con.prepareStatement(sql);
          ps.setArray(1, con.createArrayOf("text", first));
          ps.setArray(2, con.createArrayOf("text", second));
          return ps;
        });
  }

  private String toJson(Object value) {
    return JdbcValues.json(json, value);
  }
}
