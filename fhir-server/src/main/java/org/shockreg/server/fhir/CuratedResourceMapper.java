package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.RegistryCodeSystems.*;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.function.Function;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleFiles.DiagnosisCategoryRule;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.TimePrecision;
import org.shockreg.server.profile.RegistryProfiles;
import org.springframework.jdbc.core.RowMapper;

/**
 * Renders curated rows as FHIR R4 resources per data-dictionary.md: the registry coding first,
 * then the source codings; UCUM quantities; flags in {@code meta.tag}; times in UTC, except a time
 * the source sent only as a year, month or date, which is served as that FHIR date (the calendar
 * date of the site's time zone, as sent).
 */
public final class CuratedResourceMapper {

  private static final TimeZone UTC = TimeZone.getTimeZone("UTC");
  private static final TypeReference<List<Coding>> CODINGS = new TypeReference<>() {};
  static final Map<String, String> CATEGORY_DISPLAY =
      Map.of("vital-signs", "Vital Signs", "laboratory", "Laboratory", "exam", "Exam");

  private final RuleSet rules;
  private final ObjectMapper json;
  private final Function<String, ZoneId> siteZones;

  public CuratedResourceMapper(RuleSet rules, ObjectMapper json) {
    this(rules, json, rules::timeZone);
  }

  /** @param siteZones the time zone of a site's mapping file (the rules in force), for dates */
  public CuratedResourceMapper(RuleSet rules, ObjectMapper json, Function<String, ZoneId> siteZones) {
    this.rules = rules;
    this.json = json;
    this.siteZones = siteZones;
  }

  public static final String PATIENT_COLUMNS =
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

  public RowMapper<Patient> patient() {
    return (rs, i) -> {
      Patient p = new Patient();
      p.setId(rs.getString("patient_id"));
      meta(p, rs, null);
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
        e.addExtension("device", coding(TMCS_DEVICE, parts[0], null));
        e.addExtension("procedure", new Reference("Procedure/" + parts[1]));
        e.addExtension(
            "date",
            time(Timestamp.from(java.time.Instant.parse(parts[2])), "-".equals(parts[4]) ? null : parts[4], parts[3]));
      }
      Timestamp deceasedAt = rs.getTimestamp("deceased_at");
      if (deceasedAt != null) {
        p.setDeceased(time(rs, "deceased_at", "deceased_precision"));
      } else {
        boolean deceased = rs.getBoolean("deceased");
        if (!rs.wasNull()) {
          p.setDeceased(new org.hl7.fhir.r4.model.BooleanType(deceased));
        }
      }
      return p;
    };
  }

  /** Columns of the view {@code curated_observation}: measurements and derived facts. */
  public static final String OBSERVATION_COLUMNS =
      "observation_id, patient_id, episode_id, variable, status, effective_at, value, unit,"
          + " comparator, range_low, range_high, original_value, original_unit,"
          + " original_comparator, codings::text AS codings, flags, last_updated, kind,"
          + " value_code, value_boolean, evidence::text AS evidence, focus, detail::text AS detail,"
          + " site_id, effective_precision,"
          // the stay of the episode: named by a derived fact, found by time for a measurement
          + " COALESCE((SELECT e.encounter_id FROM shock_episode e"
          + " WHERE e.episode_id = curated_observation.episode_id),"
          + " (SELECT e.encounter_id FROM shock_episode e"
          + " WHERE e.patient_id = curated_observation.patient_id"
          + " AND curated_observation.effective_at BETWEEN e.window_start AND e.window_end"
          + " ORDER BY e.shock_diagnosis_at LIMIT 1)) AS encounter_id";

  private static final TypeReference<List<Map<String, Object>>> COMPONENTS = new TypeReference<>() {};
  static final Map<String, String> KIND_TEXT =
      Map.of(
          "scai-stage-at-diagnosis", "SCAI stage at shock diagnosis",
          "scai-stage-worst-24h", "Worst SCAI stage in the first 24 h");
  private static final TypeReference<List<String>> REFERENCES = new TypeReference<>() {};

  public RowMapper<Observation> observation() {
    return (rs, i) -> {
      Observation o = new Observation();
      o.setId(rs.getString("observation_id"));
      meta(o, rs, rs.getArray("flags"));
      o.setStatus(Observation.ObservationStatus.fromCode(rs.getString("status")));
      String variable = rs.getString("variable");
      VariableRule rule = rules.variables().get(variable);
      if (rule != null || RegistryProfiles.derived(variable).isPresent()) {
        o.getMeta().addProfile(RegistryProfiles.observation(variable));
      }
      if (rule != null && rule.category() != null) {
        o.addCategory()
            .addCoding(
                new org.hl7.fhir.r4.model.Coding(
                    OBSERVATION_CATEGORY, rule.category(), CATEGORY_DISPLAY.get(rule.category())));
      }
      String kind = rs.getString("kind");
      CodeableConcept code = o.getCode();
      String display =
          rule != null
              ? rule.display()
              : RegistryProfiles.derived(variable).map(RegistryProfiles.DerivedVariable::display).orElse(null);
      code.addCoding(coding(REGISTRY_VARIABLE, variable, display));
      addCodings(code, rs.getString("codings"));
      o.setSubject(new Reference("Patient/" + rs.getString("patient_id")));
      String encounter = rs.getString("encounter_id");
      if (encounter != null) {
        o.setEncounter(new Reference("Encounter/" + encounter));
      }
      if (kind != null) {
        derived(o, rs, kind, variable);
      }
      DateTimeType effective = time(rs, "effective_at", "effective_precision");
      if (effective != null) {
        o.setEffective(effective);
      }
      BigDecimal value = rs.getBigDecimal("value");
      if (value != null) {
        Quantity q = quantity(value, rs.getString("unit"), rs.getString("comparator"));
        o.setValue(q);
      }
      BigDecimal low = rs.getBigDecimal("range_low");
      BigDecimal high = rs.getBigDecimal("range_high");
      if (low != null || high != null) {
        Range range = new Range();
        if (low != null) {
          range.setLow(quantity(low, rs.getString("unit"), null));
        }
        if (high != null) {
          range.setHigh(quantity(high, rs.getString("unit"), null));
        }
        o.addExtension(SOURCE_RANGE, range);
      }
      BigDecimal original = rs.getBigDecimal("original_value");
      if (original != null) {
        Quantity q = new Quantity().setValue(original).setUnit(rs.getString("original_unit"));
        String comparator = rs.getString("original_comparator");
        if (comparator != null) {
          q.setComparator(Quantity.QuantityComparator.fromCode(comparator));
        }
        o.addExtension(ORIGINAL_QUANTITY, q);
      }
      return o;
    };
  }

  /** A derived fact: coded or boolean value, the facts it rests on, the kind as code text. */
  private void derived(Observation o, ResultSet rs, String kind, String variable) throws SQLException {
    String text = KIND_TEXT.get(kind);
    if (text != null) {
      o.getCode().setText(text);
    }
    String valueCode = rs.getString("value_code");
    String focus = rs.getString("focus");
    if (focus != null) {
      o.addFocus(new Reference(focus));
    }
    String detail = rs.getString("detail");
    if (detail != null) {
      components(o, detail);
    }
    if (valueCode != null) {
      String system =
          RegistryProfiles.derived(variable)
              .filter(d -> d.value() == RegistryProfiles.ValueKind.CODED)
              .map(RegistryProfiles.DerivedVariable::valueSystem)
              .orElse(REGISTRY_VARIABLE);
      o.setValue(new CodeableConcept().addCoding(coding(system, valueCode, null)));
    } else {
      boolean b = rs.getBoolean("value_boolean");
      if (!rs.wasNull()) {
        o.setValue(new org.hl7.fhir.r4.model.BooleanType(b));
      }
    }
    String evidence = rs.getString("evidence");
    if (evidence != null) {
      try {
        for (String ref : json.readValue(evidence, REFERENCES)) {
          o.addDerivedFrom(new Reference(ref));
        }
      } catch (IOException e) {
        throw new IllegalStateException("stored evidence is not valid JSON", e);
      }
    }
  }

  /** Eligibility: one component per criterion (status and evidence, or the window as a Period). */
  private void components(Observation o, String detail) {
    List<Map<String, Object>> parts;
    try {
      parts = json.readValue(detail, COMPONENTS);
    } catch (IOException e) {
      throw new IllegalStateException("stored detail is not valid JSON", e);
    }
    for (Map<String, Object> part : parts) {
      Observation.ObservationComponentComponent c = o.addComponent();
      c.getCode().addCoding(coding(ELIGIBILITY_CRITERION, (String) part.get("key"), null));
      Object status = part.get("status");
      if (status != null) {
        c.setValue(new CodeableConcept().addCoding(coding(CRITERION_STATUS, (String) status, null)));
      } else if (part.get("end") != null) {
        org.hl7.fhir.r4.model.Period window = new org.hl7.fhir.r4.model.Period();
        window.setStartElement(instant((String) part.get("start")));
        window.setEndElement(instant((String) part.get("end")));
        c.setValue(window);
      }
      Object evidence = part.get("evidence");
      if (evidence instanceof List<?> refs) {
        for (Object ref : refs) {
          c.addExtension(CRITERION_EVIDENCE, new Reference((String) ref));
        }
      }
    }
  }

  private static DateTimeType instant(String iso) {
    return new DateTimeType(Date.from(java.time.Instant.parse(iso)), TemporalPrecisionEnum.SECOND, UTC);
  }

  public static final String PROCEDURE_COLUMNS =
      "procedure_id, patient_id, device, status, started_at, ended_at, performed_at,"
          + " codings::text AS codings, flags, last_updated, site_id, started_precision,"
          + " ended_precision, performed_precision";

  public RowMapper<Procedure> procedure() {
    return (rs, i) -> {
      Procedure p = new Procedure();
      p.setId(rs.getString("procedure_id"));
      meta(p, rs, rs.getArray("flags"));
      p.getMeta().addProfile(RegistryProfiles.DEVICE_THERAPY);
      p.setStatus(Procedure.ProcedureStatus.fromCode(rs.getString("status")));
      String device = rs.getString("device");
      DeviceRule rule = rules.devices().get(device);
      p.getCode().addCoding(coding(TMCS_DEVICE, device, rule == null ? null : rule.display()));
      addCodings(p.getCode(), rs.getString("codings"));
      p.setSubject(new Reference("Patient/" + rs.getString("patient_id")));
      Timestamp started = rs.getTimestamp("started_at");
      Timestamp ended = rs.getTimestamp("ended_at");
      Timestamp performed = rs.getTimestamp("performed_at");
      if (performed != null && ended == null) {
        p.setPerformed(time(rs, "performed_at", "performed_precision"));
      } else if (started != null || ended != null) {
        Period period = new Period();
        if (started != null) {
          period.setStartElement(time(rs, "started_at", "started_precision"));
        }
        if (ended != null) {
          period.setEndElement(time(rs, "ended_at", "ended_precision"));
        }
        p.setPerformed(period);
      }
      return p;
    };
  }

  public static final String CONDITION_COLUMNS =
      "condition_id, patient_id, category, clinical_status, verification_status,"
          + " onset_at, recorded_at, abated_at, codings::text AS codings, flags, last_updated,"
          + " site_id, onset_precision, recorded_precision, abated_precision";

  public RowMapper<Condition> condition() {
    return (rs, i) -> {
      Condition c = new Condition();
      c.setId(rs.getString("condition_id"));
      meta(c, rs, rs.getArray("flags"));
      c.getMeta().addProfile(RegistryProfiles.DIAGNOSIS);
      String clinical = rs.getString("clinical_status");
      if (clinical != null) {
        c.getClinicalStatus()
            .addCoding(coding("http://terminology.hl7.org/CodeSystem/condition-clinical", clinical, null));
      }
      String verification = rs.getString("verification_status");
      if (verification != null) {
        c.getVerificationStatus()
            .addCoding(coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", verification, null));
      }
      String category = rs.getString("category");
      String display =
          rules.diagnosisCategories().stream()
              .filter(r -> r.category().equals(category))
              .map(DiagnosisCategoryRule::display)
              .findFirst()
              .orElse(null);
      c.getCode().addCoding(coding(DIAGNOSIS_CATEGORY, category, display));
      addCodings(c.getCode(), rs.getString("codings"));
      c.setSubject(new Reference("Patient/" + rs.getString("patient_id")));
      DateTimeType onset = time(rs, "onset_at", "onset_precision");
      if (onset != null) {
        c.setOnset(onset);
      }
      DateTimeType recorded = time(rs, "recorded_at", "recorded_precision");
      if (recorded != null) {
        c.setRecordedDateElement(recorded);
      }
      DateTimeType abated = time(rs, "abated_at", "abated_precision");
      if (abated != null) {
        c.setAbatement(abated);
      }
      return c;
    };
  }

  public static final String ENCOUNTER_COLUMNS =
      "encounter_id, patient_id, status, encounter_class, intensive_care, period_start, period_end,"
          + " types::text AS types, flags, last_updated, site_id, period_start_precision,"
          + " period_end_precision";

  public RowMapper<Encounter> encounter() {
    return (rs, i) -> {
      Encounter e = new Encounter();
      e.setId(rs.getString("encounter_id"));
      meta(e, rs, rs.getArray("flags"));
      e.getMeta().addProfile(RegistryProfiles.ENCOUNTER);
      String status = rs.getString("status");
      e.setStatus(
          status == null ? Encounter.EncounterStatus.UNKNOWN : Encounter.EncounterStatus.fromCode(status));
      String cls = rs.getString("encounter_class");
      e.setClass_(new org.hl7.fhir.r4.model.Coding(ENCOUNTER_CLASS, cls == null ? "IMP" : cls, null));
      CodeableConcept type = new CodeableConcept();
      addCodings(type, rs.getString("types"));
      if (type.hasCoding()) {
        e.addType(type);
      }
      e.setSubject(new Reference("Patient/" + rs.getString("patient_id")));
      DateTimeType start = time(rs, "period_start", "period_start_precision");
      DateTimeType end = time(rs, "period_end", "period_end_precision");
      if (start != null) {
        e.getPeriod().setStartElement(start);
      }
      if (end != null) {
        e.getPeriod().setEndElement(end);
      }
      return e;
    };
  }

  private static void meta(Resource r, ResultSet rs, Array flags) throws SQLException {
    r.getMeta().setLastUpdated(rs.getTimestamp("last_updated"));
    if (flags != null) {
      for (Object flag : (Object[]) flags.getArray()) {
        r.getMeta().addTag(DATA_FLAG, flag.toString(), null);
      }
    }
  }

  private void addCodings(CodeableConcept code, String codingsJson) {
    if (codingsJson == null) {
      return;
    }
    try {
      for (Coding c : json.readValue(codingsJson, CODINGS)) {
        code.addCoding(coding(c.system(), c.code(), c.display()));
      }
    } catch (IOException e) {
      throw new IllegalStateException("stored codings are not valid JSON", e);
    }
  }

  private static org.hl7.fhir.r4.model.Coding coding(String system, String code, String display) {
    return new org.hl7.fhir.r4.model.Coding(system, code, display);
  }

  private static Quantity quantity(BigDecimal value, String unit, String comparator) {
    Quantity q = new Quantity().setValue(value).setUnit(unit).setSystem(UCUM).setCode(unit);
    if (comparator != null) {
      q.setComparator(Quantity.QuantityComparator.fromCode(comparator));
    }
    return q;
  }

  private static DateTimeType dateTime(Timestamp ts) {
    DateTimeType dt = new DateTimeType(Date.from(ts.toInstant()), TemporalPrecisionEnum.SECOND, UTC);
    return dt;
  }

  /** A stored time at its stored precision (see {@link #time(Timestamp, String, String)}), or null. */
  private DateTimeType time(ResultSet rs, String column, String precisionColumn) throws SQLException {
    Timestamp ts = rs.getTimestamp(column);
    return ts == null ? null : time(ts, rs.getString(precisionColumn), rs.getString("site_id"));
  }

  /**
   * A year, month or date as the FHIR date the source sent: the stored instant is the start of that
   * period in the site's time zone, so its calendar date there is the date as sent (not shifted to
   * UTC). Anything finer is an instant in UTC, as always.
   */
  private DateTimeType time(Timestamp ts, String precision, String siteId) {
    TimePrecision p = TimePrecision.ofColumn(precision);
    if (!p.isDate()) {
      return dateTime(ts);
    }
    return new DateTimeType(dateText(ts, p, siteId));
  }

  /** The FHIR date of a year, month or date precision time (see {@link #time(Timestamp, String, String)}). */
  String dateText(Timestamp ts, TimePrecision p, String siteId) {
    ZoneId zone = siteId == null ? ZoneOffset.UTC : siteZones.apply(siteId);
    LocalDate local = ts.toInstant().atZone(zone).toLocalDate();
    return switch (p) {
          case YEAR -> String.format("%04d", local.getYear());
          case MONTH -> String.format("%04d-%02d", local.getYear(), local.getMonthValue());
          default -> local.toString();
        };
  }

  RuleSet rules() {
    return rules;
  }

  ObjectMapper json() {
    return json;
  }
}
