package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.RegistryCodeSystems.ENCOUNTER_CLASS;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.server.profile.RegistryProfiles;
import org.springframework.jdbc.core.RowMapper;

/**
 * Encounter rows ({@code encounter}) as FHIR Encounter: status, class, types as received, period.
 */
final class EncounterRows {

  static final String COLUMNS =
      "encounter_id, patient_id, status, encounter_class, intensive_care, period_start, period_end,"
          + " types::text AS types, flags, last_updated, site_id, period_start_precision,"
          + " period_end_precision";

  private final CuratedRowValues values;

  EncounterRows(CuratedRowValues values) {
    this.values = values;
  }

  RowMapper<Encounter> rows() {
    return (rs, i) -> {
      Encounter e = new Encounter();
      e.setId(rs.getString("encounter_id"));
      CuratedRowValues.meta(e, rs, rs.getArray("flags"));
      e.getMeta().addProfile(RegistryProfiles.ENCOUNTER);
      String status = rs.getString("status");
      e.setStatus(
          status == null
              ? Encounter.EncounterStatus.UNKNOWN
              : Encounter.EncounterStatus.fromCode(status));
      String cls = rs.getString("encounter_class");
      e.setClass_(
          new org.hl7.fhir.r4.model.Coding(ENCOUNTER_CLASS, cls == null ? "IMP" : cls, null));
      CodeableConcept type = new CodeableConcept();
      values.addCodings(type, rs.getString("types"));
      if (type.hasCoding()) {
        e.addType(type);
      }
      e.setSubject(new Reference("Patient/" + rs.getString("patient_id")));
      DateTimeType start = values.time(rs, "period_start", "period_start_precision");
      DateTimeType end = values.time(rs, "period_end", "period_end_precision");
      if (start != null) {
        e.getPeriod().setStartElement(start);
      }
      if (end != null) {
        e.getPeriod().setEndElement(end);
      }
      return e;
    };
  }
}
