package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.JsonText.*;
import static org.shockreg.server.fhir.RegistryCodeSystems.*;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.HashMap;
import java.util.Map;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Procedure;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleFiles.DiagnosisCategoryRule;
import org.shockreg.server.profile.RegistryProfiles;

/**
 * The streaming writer's Procedure, Condition, Encounter and Patient: the shapes of {@link
 * CuratedResourceMapper#procedure()}, {@code condition()}, {@code encounter()} and {@code
 * patient()} from their {@code *_COLUMNS}, in HAPI's element order. Shares the Observation writer's
 * caches (codings, last updated) and time rendering.
 */
final class CuratedJsonResources {

  private static final String CONDITION_CLINICAL =
      "http://terminology.hl7.org/CodeSystem/condition-clinical";
  private static final String CONDITION_VERIFICATION =
      "http://terminology.hl7.org/CodeSystem/condition-ver-status";

  /** Column indexes by name, resolved once per result set. */
  private static final class Columns {
    private final String[] names;
    private final int[] index;
    private ResultSet of;

    Columns(String... names) {
      this.names = names;
      this.index = new int[names.length];
    }

    int[] of(ResultSet rs) throws SQLException {
      if (of != rs) {
        for (int i = 0; i < names.length; i++) {
          index[i] = rs.findColumn(names[i]);
        }
        of = rs;
      }
      return index;
    }
  }

  // indexes into each Columns, in the order named
  private static final int ID = 0, PATIENT = 1, FLAGS = 2, LAST_UPDATED = 3, SITE = 4, CODINGS = 5;

  private final Columns procedureColumns =
      new Columns(
          "procedure_id",
          "patient_id",
          "flags",
          "last_updated",
          "site_id",
          "codings",
          "device",
          "status",
          "started_at",
          "ended_at",
          "performed_at",
          "started_precision",
          "ended_precision",
          "performed_precision");
  private final Columns conditionColumns =
      new Columns(
          "condition_id",
          "patient_id",
          "flags",
          "last_updated",
          "site_id",
          "codings",
          "category",
          "clinical_status",
          "verification_status",
          "onset_at",
          "recorded_at",
          "abated_at",
          "onset_precision",
          "recorded_precision",
          "abated_precision");
  private final Columns encounterColumns =
      new Columns(
          "encounter_id",
          "patient_id",
          "flags",
          "last_updated",
          "site_id",
          "types",
          "status",
          "encounter_class",
          "period_start",
          "period_end",
          "period_start_precision",
          "period_end_precision");
  // Patient: no flags or codings columns (those slots repeat the id, unused)
  private final Columns patientColumns =
      new Columns(
          "patient_id",
          "patient_id",
          "patient_id",
          "last_updated",
          "site_id",
          "patient_id",
          "sex",
          "birth_year",
          "deceased",
          "deceased_at",
          "deceased_precision",
          "heart_replacement");

  /** Bound of each fragment cache: constant memory whatever the data. */
  private static final int MAX_CACHED = 1024;

  private final CuratedJsonWriter shared;
  private final CuratedResourceMapper mapper;
  private final Map<String, String> deviceHeads = new HashMap<>();
  private final Map<String, String> categoryHeads = new HashMap<>();

  CuratedJsonResources(CuratedJsonWriter shared, CuratedResourceMapper mapper) {
    this.shared = shared;
    this.mapper = mapper;
  }

  void procedure(ResultSet rs, StringBuilder out) throws SQLException, NotCovered {
    int[] c = procedureColumns.of(rs);
    head(out, "Procedure", rs, c, RegistryProfiles.DEVICE_THERAPY, true);
    Procedure.ProcedureStatus status = Procedure.ProcedureStatus.fromCode(rs.getString(c[7]));
    if (status != null) {
      out.append(",\"status\":\"").append(status.toCode()).append('"');
    }
    String device = rs.getString(c[6]);
    String head = deviceHeads.get(device == null ? "" : device);
    if (head == null) {
      DeviceRule rule = mapper.rules().devices().get(device);
      StringBuilder b = new StringBuilder(",\"code\":{\"coding\":[");
      coding(b, TMCS_DEVICE, device, rule == null ? null : rule.display());
      head = b.toString();
      if (deviceHeads.size() < MAX_CACHED) {
        deviceHeads.put(device == null ? "" : device, head);
      }
    }
    out.append(head);
    shared.codingsTail(out, rs.getString(c[CODINGS]));
    out.append("},\"subject\":");
    reference(out, "Patient/", rs.getString(c[PATIENT]));
    Timestamp started = timestamp(rs, c[8]);
    Timestamp ended = timestamp(rs, c[9]);
    Timestamp performed = timestamp(rs, c[10]);
    String site = rs.getString(c[SITE]);
    if (performed != null && ended == null) {
      out.append(",\"performedDateTime\":\"");
      shared.time(out, performed, rs.getString(c[13]), site);
      out.append('"');
    } else if (started != null || ended != null) {
      period(
          out, "performedPeriod", started, rs.getString(c[11]), ended, rs.getString(c[12]), site);
    }
    out.append('}');
  }

  void condition(ResultSet rs, StringBuilder out) throws SQLException, NotCovered {
    int[] c = conditionColumns.of(rs);
    head(out, "Condition", rs, c, RegistryProfiles.DIAGNOSIS, true);
    String clinical = rs.getString(c[7]);
    if (clinical != null) {
      out.append(",\"clinicalStatus\":{\"coding\":[");
      coding(out, CONDITION_CLINICAL, clinical, null);
      out.append("]}");
    }
    String verification = rs.getString(c[8]);
    if (verification != null) {
      out.append(",\"verificationStatus\":{\"coding\":[");
      coding(out, CONDITION_VERIFICATION, verification, null);
      out.append("]}");
    }
    String category = rs.getString(c[6]);
    String head = categoryHeads.get(category == null ? "" : category);
    if (head == null) {
      String display =
          mapper.rules().diagnosisCategories().stream()
              .filter(r -> r.category().equals(category))
              .map(DiagnosisCategoryRule::display)
              .findFirst()
              .orElse(null);
      StringBuilder b = new StringBuilder(",\"code\":{\"coding\":[");
      coding(b, DIAGNOSIS_CATEGORY, category, display);
      head = b.toString();
      if (categoryHeads.size() < MAX_CACHED) {
        categoryHeads.put(category == null ? "" : category, head);
      }
    }
    out.append(head);
    shared.codingsTail(out, rs.getString(c[CODINGS]));
    out.append("},\"subject\":");
    reference(out, "Patient/", rs.getString(c[PATIENT]));
    String site = rs.getString(c[SITE]);
    time(out, "onsetDateTime", timestamp(rs, c[9]), rs.getString(c[12]), site);
    time(out, "abatementDateTime", timestamp(rs, c[11]), rs.getString(c[14]), site);
    time(out, "recordedDate", timestamp(rs, c[10]), rs.getString(c[13]), site);
    out.append('}');
  }

  void encounter(ResultSet rs, StringBuilder out) throws SQLException, NotCovered {
    int[] c = encounterColumns.of(rs);
    head(out, "Encounter", rs, c, RegistryProfiles.ENCOUNTER, true);
    String status = rs.getString(c[6]);
    out.append(",\"status\":\"")
        .append(
            status == null
                ? Encounter.EncounterStatus.UNKNOWN.toCode()
                : Encounter.EncounterStatus.fromCode(status).toCode())
        .append("\",\"class\":");
    String cls = rs.getString(c[7]);
    coding(out, ENCOUNTER_CLASS, cls == null ? "IMP" : cls, null);
    String types = rs.getString(c[CODINGS]);
    if (types != null) {
      StringBuilder tail = new StringBuilder();
      shared.codingsTail(tail, types);
      if (tail.length() > 1) { // more than the closing bracket: at least one coding
        out.append(",\"type\":[{\"coding\":[").append(tail, 1, tail.length()).append("}]");
      }
    }
    out.append(",\"subject\":");
    reference(out, "Patient/", rs.getString(c[PATIENT]));
    Timestamp start = timestamp(rs, c[8]);
    Timestamp end = timestamp(rs, c[9]);
    if (start != null || end != null) {
      period(
          out,
          "period",
          start,
          rs.getString(c[10]),
          end,
          rs.getString(c[11]),
          rs.getString(c[SITE]));
    }
    out.append('}');
  }

  void patient(ResultSet rs, StringBuilder out) throws SQLException, NotCovered {
    int[] c = patientColumns.of(rs);
    head(out, "Patient", rs, c, RegistryProfiles.PATIENT, false);
    String hrt = rs.getString(c[11]);
    if (hrt != null) {
      // "<device> <procedure id> <instant> <site> <precision or ->", as the mapper reads it
      String[] parts = hrt.split(" ");
      out.append(",\"extension\":[{\"url\":\"")
          .append(HEART_REPLACEMENT_THERAPY)
          .append("\",\"extension\":[");
      out.append("{\"url\":\"device\",\"valueCoding\":");
      coding(out, TMCS_DEVICE, parts[0], null);
      out.append("},{\"url\":\"procedure\",\"valueReference\":");
      reference(out, "Procedure/", parts[1]);
      out.append("},{\"url\":\"date\",\"valueDateTime\":\"");
      shared.time(
          out,
          Timestamp.from(java.time.Instant.parse(parts[2])),
          "-".equals(parts[4]) ? null : parts[4],
          parts[3]);
      out.append("\"}]}]");
    }
    String sex = rs.getString(c[6]);
    if (sex != null) {
      out.append(",\"gender\":\"").append(AdministrativeGender.fromCode(sex).toCode()).append('"');
    }
    int year = rs.getInt(c[7]);
    if (!rs.wasNull()) {
      if (year < 1000 || year > 9999) {
        throw NOT_COVERED;
      }
      out.append(",\"birthDate\":\"").append(year).append('"');
    }
    Timestamp deceasedAt = timestamp(rs, c[9]);
    if (deceasedAt != null) {
      out.append(",\"deceasedDateTime\":\"");
      shared.time(out, deceasedAt, rs.getString(c[10]), rs.getString(c[SITE]));
      out.append('"');
    } else {
      boolean deceased = rs.getBoolean(c[8]);
      if (!rs.wasNull()) {
        out.append(",\"deceasedBoolean\":").append(deceased);
      }
    }
    out.append('}');
  }

  /** Resource type, id and meta (last updated, the profile, flags as tags). */
  private void head(
      StringBuilder out, String type, ResultSet rs, int[] c, String profile, boolean flags)
      throws SQLException, NotCovered {
    out.append("{\"resourceType\":\"").append(type).append("\",\"id\":");
    id(out, rs.getString(c[ID]));
    out.append(",\"meta\":{\"lastUpdated\":\"")
        .append(shared.lastUpdated(timestamp(rs, c[LAST_UPDATED])))
        .append("\",\"profile\":[\"")
        .append(profile)
        .append("\"]");
    if (flags) {
      tags(out, rs, c[FLAGS]);
    }
    out.append('}');
  }

  private void time(StringBuilder out, String name, Timestamp ts, String precision, String site) {
    if (ts != null) {
      out.append(",\"").append(name).append("\":\"");
      shared.time(out, ts, precision, site);
      out.append('"');
    }
  }

  private void period(
      StringBuilder out,
      String name,
      Timestamp start,
      String startPrecision,
      Timestamp end,
      String endPrecision,
      String site) {
    out.append(",\"").append(name).append("\":{");
    if (start != null) {
      out.append("\"start\":\"");
      shared.time(out, start, startPrecision, site);
      out.append('"');
    }
    if (end != null) {
      out.append(start != null ? ",\"end\":\"" : "\"end\":\"");
      shared.time(out, end, endPrecision, site);
      out.append('"');
    }
    out.append('}');
  }
}
