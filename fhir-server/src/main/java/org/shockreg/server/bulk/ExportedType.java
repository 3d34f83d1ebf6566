package org.shockreg.server.bulk;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.shockreg.server.fhir.CuratedJsonWriter;
import org.shockreg.server.fhir.CuratedResourceMapper;
import org.springframework.jdbc.core.RowMapper;

/**
 * The curated resource types an export writes, each read from the table (or view) the search API
 * reads and rendered by the same {@link CuratedResourceMapper} row mapper and columns, so an
 * exported resource is the one a search returns. Every type is in the Patient compartment ({@code
 * patient_id}), has a {@code row_id} (the export's range key) and {@code last_updated}.
 */
public enum ExportedType {
  PATIENT(
      "Patient",
      "patient",
      CuratedResourceMapper.PATIENT_COLUMNS,
      CuratedResourceMapper::patient,
      "EXISTS (SELECT 1 FROM patient x WHERE x.patient_id = d.resource_id)"),
  ENCOUNTER(
      "Encounter",
      "encounter",
      CuratedResourceMapper.ENCOUNTER_COLUMNS,
      CuratedResourceMapper::encounter,
      "EXISTS (SELECT 1 FROM encounter x WHERE x.encounter_id = d.resource_id)"),
  CONDITION(
      "Condition",
      "diagnosis",
      CuratedResourceMapper.CONDITION_COLUMNS,
      CuratedResourceMapper::condition,
      "EXISTS (SELECT 1 FROM diagnosis x WHERE x.condition_id = d.resource_id)"),
  PROCEDURE(
      "Procedure",
      "device_therapy",
      CuratedResourceMapper.PROCEDURE_COLUMNS,
      CuratedResourceMapper::procedure,
      "EXISTS (SELECT 1 FROM device_therapy x WHERE x.procedure_id = d.resource_id)"),
  // the two tables behind the view, each by its primary key (cheaper than probing the union view)
  OBSERVATION(
      "Observation",
      "curated_observation",
      CuratedResourceMapper.OBSERVATION_COLUMNS,
      CuratedResourceMapper::observation,
      "(EXISTS (SELECT 1 FROM measurement x WHERE x.observation_id = d.resource_id)"
          + " OR EXISTS (SELECT 1 FROM derived_fact x WHERE x.fact_id = d.resource_id))");

  private final String resourceType;
  private final String table;
  private final String columns;
  private final Function<CuratedResourceMapper, RowMapper<? extends IBaseResource>> mapper;
  private final String exists;

  ExportedType(
      String resourceType,
      String table,
      String columns,
      Function<CuratedResourceMapper, RowMapper<? extends IBaseResource>> mapper,
      String exists) {
    this.resourceType = resourceType;
    this.table = table;
    this.columns = columns;
    this.mapper = mapper;
    this.exists = exists;
  }

  public String resourceType() {
    return resourceType;
  }

  /** A table or view name from this enum, never from a request. */
  String table() {
    return table;
  }

  RowMapper<? extends IBaseResource> mapper(CuratedResourceMapper m) {
    return mapper.apply(m);
  }

  /**
   * Appends the current row's resource as JSON when the streaming writer covers it (the same
   * resource {@link #mapper} gives, encoded by HAPI); false: use the mapper.
   */
  boolean writeJson(CuratedJsonWriter writer, ResultSet rs, StringBuilder out) throws SQLException {
    return switch (this) {
      case OBSERVATION -> writer.observation(rs, out);
      case PROCEDURE -> writer.procedure(rs, out);
      case CONDITION -> writer.condition(rs, out);
      case ENCOUNTER -> writer.encounter(rs, out);
      case PATIENT -> writer.patient(rs, out);
    };
  }

  /**
   * The rows of one row-id range, oldest first; optional filters by {@code last_updated} (strictly
   * after {@code _since}) and by patient (a Group's members). Values are always bound parameters.
   */
  String rangeSql(boolean since, boolean patients) {
    StringBuilder sql =
        new StringBuilder("SELECT ")
            .append(columns)
            .append(" FROM ")
            .append(table)
            .append(" WHERE row_id > ? AND row_id <= ?");
    if (since) {
      sql.append(" AND last_updated > ?");
    }
    if (patients) {
      sql.append(" AND patient_id = ANY(?)");
    }
    return sql.append(" ORDER BY row_id").toString();
  }

  /**
   * The ids of this type deleted after {@code _since} (first parameter) and absent now, each once;
   * optionally only those of some patients (second parameter). A deletion row of an id that was
   * created again and still exists is not listed: the resource is current, the deletion is history
   * (it is in the export's output when it changed after {@code _since}). Read in the export's
   * snapshot, so output and deletions agree.
   */
  String deletedSql(boolean patients) {
    return "SELECT DISTINCT d.resource_id FROM curated_deletion d"
        + " WHERE d.resource_type = '"
        + resourceType
        + "' AND d.deleted_at > ?"
        + (patients ? " AND d.patient_id = ANY(?)" : "")
        + " AND NOT "
        + exists
        + " ORDER BY d.resource_id";
  }

  /** All exported types, in the order a manifest lists them. */
  public static List<ExportedType> all() {
    return List.of(values());
  }

  public static Optional<ExportedType> byResourceType(String resourceType) {
    return Arrays.stream(values()).filter(t -> t.resourceType.equals(resourceType)).findFirst();
  }
}
