package org.shockreg.server.fhir;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Timestamp;
import java.time.ZoneId;
import java.util.function.Function;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.registry.curated.TimePrecision;
import org.springframework.jdbc.core.RowMapper;

/**
 * Renders curated rows as FHIR R4 resources per data-dictionary.md: the registry coding first, then
 * the source codings; UCUM quantities; flags in {@code meta.tag}; times in UTC, except a time the
 * source sent only as a year, month or date, which is served as that FHIR date (the calendar date
 * of the site's time zone, as sent).
 *
 * <p>One row mapper per resource kind ({@link PatientRows}, {@link ObservationRows}, {@link
 * ProcedureRows}, {@link ConditionRows}, {@link EncounterRows}); each {@code *_COLUMNS} is what its
 * mapper reads.
 */
public final class CuratedResourceMapper {

  public static final String PATIENT_COLUMNS = PatientRows.COLUMNS;

  /** Columns of the view {@code curated_observation}: measurements and derived facts. */
  public static final String OBSERVATION_COLUMNS = ObservationRows.COLUMNS;

  public static final String PROCEDURE_COLUMNS = ProcedureRows.COLUMNS;
  public static final String CONDITION_COLUMNS = ConditionRows.COLUMNS;
  public static final String ENCOUNTER_COLUMNS = EncounterRows.COLUMNS;

  private final RuleSet rules;
  private final CuratedRowValues values;
  private final PatientRows patients;
  private final ObservationRows observations;
  private final ProcedureRows procedures;
  private final ConditionRows conditions;
  private final EncounterRows encounters;

  public CuratedResourceMapper(RuleSet rules, ObjectMapper json) {
    this(rules, json, rules::timeZone);
  }

  /**
   * @param siteZones the time zone of a site's mapping file (the rules in force), for dates
   */
  public CuratedResourceMapper(
      RuleSet rules, ObjectMapper json, Function<String, ZoneId> siteZones) {
    this.rules = rules;
    this.values = new CuratedRowValues(json, siteZones);
    this.patients = new PatientRows(values);
    this.observations = new ObservationRows(rules, values);
    this.procedures = new ProcedureRows(rules, values);
    this.conditions = new ConditionRows(rules, values);
    this.encounters = new EncounterRows(values);
  }

  public RowMapper<Patient> patient() {
    return patients.rows();
  }

  public RowMapper<Observation> observation() {
    return observations.rows();
  }

  public RowMapper<Procedure> procedure() {
    return procedures.rows();
  }

  public RowMapper<Condition> condition() {
    return conditions.rows();
  }

  public RowMapper<Encounter> encounter() {
    return encounters.rows();
  }

  /** The FHIR date of a year, month or date precision time (see {@link CuratedRowValues#time}). */
  String dateText(Timestamp ts, TimePrecision p, String siteId) {
    return values.dateText(ts, p, siteId);
  }

  RuleSet rules() {
    return rules;
  }

  ObjectMapper json() {
    return values.json();
  }
}
