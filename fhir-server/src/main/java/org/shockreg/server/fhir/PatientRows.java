package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.RegistryCodeSystems.HEART_REPLACEMENT_THERAPY;
import static org.shockreg.server.fhir.RegistryCodeSystems.TMCS_DEVICE;

import java.sql.Timestamp;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.server.profile.RegistryProfiles;
import org.springframework.jdbc.core.RowMapper;

/**
 * Patient rows ({@code patient}) as FHIR Patient: pseudonym, sex, birth year, death, first heart
 * replacement therapy.
 */
final class PatientRows {

  static final String COLUMNS =
      "patient_id, sex, birth_year, deceased, deceased_at, last_updated, site_id, deceased_precision,"
          // outcome: the first heart replacement therapy (durable LVAD or transplant), if any
          + " (SELECT t.device || ' ' || t.procedure_id || ' '"
          + " || to_char(COALESCE(t.started_at, t.performed_at) AT TIME ZONE 'UTC',"
          + " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') || ' ' || t.site_id || ' '"
          + " || COALESCE(CASE WHEN t.started_at IS NOT NULL THEN t.started_precision"
          + " ELSE t.performed_precision END, '-')"
          + " FROM device_therapy t WHERE t.patient_id = patient.patient_id"
          + " AND t.device IN ('durable-lvad', 'heart-transplant')"
          + " AND COALESCE(t.started_at, t.performed_at) IS NOT NULL"
          + " ORDER BY COALESCE(t.started_at, t.performed_at) LIMIT 1) AS heart_replacement";

  private final CuratedRowValues values;

  PatientRows(CuratedRowValues values) {
    this.values = values;
  }

  RowMapper<Patient> rows() {
    return (rs, i) -> {
      Patient p = new Patient();
      p.setId(rs.getString("patient_id"));
      CuratedRowValues.meta(p, rs, null);
      p.getMeta().addProfile(RegistryProfiles.PATIENT);
      String sex = rs.getString("sex");
      if (sex != null) {
        p.setGender(AdministrativeGender.fromCode(sex));
      }
      int year = rs.getInt("birth_year");
      if (!rs.wasNull()) {
        // Only the year is kept: the exact birth date never enters curated data.
        p.setBirthDateElement(new DateType(String.format("%04d", year)));
      }
      String hrt = rs.getString("heart_replacement");
      if (hrt != null) {
        // "<device> <procedure id> <instant> <site> <precision or ->"
        String[] parts = hrt.split(" ");
        org.hl7.fhir.r4.model.Extension e = p.addExtension();
        e.setUrl(HEART_REPLACEMENT_THERAPY);
        e.addExtension("device", CuratedRowValues.coding(TMCS_DEVICE, parts[0], null));
        e.addExtension("procedure", new Reference("Procedure/" + parts[1]));
        e.addExtension(
            "date",
            values.time(
                Timestamp.from(java.time.Instant.parse(parts[2])),
                "-".equals(parts[4]) ? null : parts[4],
                parts[3]));
      }
      Timestamp deceasedAt = rs.getTimestamp("deceased_at");
      if (deceasedAt != null) {
        p.setDeceased(values.time(rs, "deceased_at", "deceased_precision"));
      } else {
        boolean deceased = rs.getBoolean("deceased");
        if (!rs.wasNull()) {
          p.setDeceased(new org.hl7.fhir.r4.model.BooleanType(deceased));
        }
      }
      return p;
    };
  }
}
