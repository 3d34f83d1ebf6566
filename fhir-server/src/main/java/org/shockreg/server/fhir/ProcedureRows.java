package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.RegistryCodeSystems.TMCS_DEVICE;

import java.sql.Timestamp;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.server.profile.RegistryProfiles;
import org.springframework.jdbc.core.RowMapper;

/**
 * Device therapy rows ({@code device_therapy}) as FHIR Procedure: the device coding first,
 * performed time or period.
 */
final class ProcedureRows {

  static final String COLUMNS =
      "procedure_id, patient_id, device, status, started_at, ended_at, performed_at,"
          + " codings::text AS codings, flags, last_updated, site_id, started_precision,"
          + " ended_precision, performed_precision";

  private final RuleSet rules;
  private final CuratedRowValues values;

  ProcedureRows(RuleSet rules, CuratedRowValues values) {
    this.rules = rules;
    this.values = values;
  }

  RowMapper<Procedure> rows() {
    return (rs, i) -> {
      Procedure p = new Procedure();
      p.setId(rs.getString("procedure_id"));
      CuratedRowValues.meta(p, rs, rs.getArray("flags"));
      p.getMeta().addProfile(RegistryProfiles.DEVICE_THERAPY);
      p.setStatus(Procedure.ProcedureStatus.fromCode(rs.getString("status")));
      String device = rs.getString("device");
      DeviceRule rule = rules.devices().get(device);
      p.getCode()
          .addCoding(
              CuratedRowValues.coding(TMCS_DEVICE, device, rule == null ? null : rule.display()));
      values.addCodings(p.getCode(), rs.getString("codings"));
      p.setSubject(new Reference("Patient/" + rs.getString("patient_id")));
      Timestamp started = rs.getTimestamp("started_at");
      Timestamp ended = rs.getTimestamp("ended_at");
      Timestamp performed = rs.getTimestamp("performed_at");
      if (performed != null && ended == null) {
        p.setPerformed(values.time(rs, "performed_at", "performed_precision"));
      } else if (started != null || ended != null) {
        Period period = new Period();
        if (started != null) {
          period.setStartElement(values.time(rs, "started_at", "started_precision"));
        }
        if (ended != null) {
          period.setEndElement(values.time(rs, "ended_at", "ended_precision"));
        }
        p.setPerformed(period);
      }
      return p;
    };
  }
}
