package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.JsonText.*;
import static org.shockreg.server.fhir.RegistryCodeSystems.*;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Observation;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.TimePrecision;
import org.shockreg.server.profile.RegistryProfiles;

/**
 * Writes curated rows straight as FHIR JSON text, for Bulk export: building HAPI objects and
 * encoding them with HAPI's parser cost several times the database's share per resource. Each shape
 * is the one {@link CuratedResourceMapper} builds from the same {@code *_COLUMNS} (same rules,
 * profiles, code systems, displays and time rendering, taken from the mapper), written in HAPI's
 * element order, so the line is the one HAPI writes: Observation here, Procedure, Condition,
 * Encounter and Patient in {@link CuratedJsonResources}. A row with anything unusual (a blank
 * string, an id or reference HAPI would rewrite, an unknown code) is not written: the method
 * answers false and the caller falls back to the mapper and HAPI. Equivalence over every curated
 * variant: CuratedJsonWriterIT (and the golden corpus).
 *
 * <p>One instance per export thread: it caches rendered fragments (per variable and per stored
 * codings text, bounded) and is not thread safe.
 */
public final class CuratedJsonWriter {

  private static final int MAX_CACHED = 4096;
  private static final TypeReference<List<Coding>> CODINGS = new TypeReference<>() {};
  private static final String[] OBSERVATION_NAMES = {
    "observation_id",
    "patient_id",
    "variable",
    "status",
    "effective_at",
    "value",
    "unit",
    "comparator",
    "range_low",
    "range_high",
    "original_value",
    "original_unit",
    "original_comparator",
    "codings",
    "flags",
    "last_updated",
    "kind",
    "value_code",
    "value_boolean",
    "evidence",
    "focus",
    "detail",
    "site_id",
    "effective_precision",
    "encounter_id"
  };
  private static final int ID = 0,
      PATIENT = 1,
      VARIABLE = 2,
      STATUS = 3,
      EFFECTIVE = 4,
      VALUE = 5,
      UNIT = 6,
      COMPARATOR = 7,
      RANGE_LOW = 8,
      RANGE_HIGH = 9,
      ORIGINAL_VALUE = 10,
      ORIGINAL_UNIT = 11,
      ORIGINAL_COMPARATOR = 12,
      CODINGS_TEXT = 13,
      FLAGS = 14,
      LAST_UPDATED = 15,
      KIND = 16,
      VALUE_CODE = 17,
      VALUE_BOOLEAN = 18,
      EVIDENCE = 19,
      FOCUS = 20,
      DETAIL = 21,
      SITE = 22,
      EFFECTIVE_PRECISION = 23,
      ENCOUNTER = 24;

  private final CuratedResourceMapper mapper;
  private final Map<String, VariableParts> variables = new HashMap<>();
  private String lastPatient;
  private String lastEncounter;
  private final Map<String, String> codings = new HashMap<>();
  private ResultSet columnsOf;
  private final int[] col = new int[OBSERVATION_NAMES.length];
  private long lastUpdatedMillis = Long.MIN_VALUE;
  private String lastUpdatedText;

  private final CuratedJsonResources resources;
  private final DerivedFactJson derived;

  public CuratedJsonWriter(CuratedResourceMapper mapper) {
    this.mapper = mapper;
    this.resources = new CuratedJsonResources(this, mapper);
    this.derived = new DerivedFactJson(mapper.json());
  }

  /**
   * Appends the Observation of the current row ({@link CuratedResourceMapper#OBSERVATION_COLUMNS})
   * to {@code out} (no line end) and answers true, or leaves {@code out} as it was and answers
   * false when the row is not covered. The other types alike, from their {@code *_COLUMNS}.
   */
  public boolean observation(ResultSet rs, StringBuilder out) throws SQLException {
    return covered(this::writeObservation, rs, out);
  }

  public boolean procedure(ResultSet rs, StringBuilder out) throws SQLException {
    return covered(resources::procedure, rs, out);
  }

  public boolean condition(ResultSet rs, StringBuilder out) throws SQLException {
    return covered(resources::condition, rs, out);
  }

  public boolean encounter(ResultSet rs, StringBuilder out) throws SQLException {
    return covered(resources::encounter, rs, out);
  }

  public boolean patient(ResultSet rs, StringBuilder out) throws SQLException {
    return covered(resources::patient, rs, out);
  }

  interface RowWriter {
    void write(ResultSet rs, StringBuilder out) throws SQLException, NotCovered;
  }

  private static boolean covered(RowWriter writer, ResultSet rs, StringBuilder out)
      throws SQLException {
    int start = out.length();
    try {
      writer.write(rs, out);
      return true;
    } catch (NotCovered | RuntimeException e) {
      // a runtime failure here (odd stored JSON, say) is the mapper's to report, as it always was
      out.setLength(start);
      return false;
    }
  }

  private void writeObservation(ResultSet rs, StringBuilder out) throws SQLException, NotCovered {
    if (columnsOf != rs) {
      for (int i = 0; i < OBSERVATION_NAMES.length; i++) {
        col[i] = rs.findColumn(OBSERVATION_NAMES[i]);
      }
      columnsOf = rs;
    }
    String variable = rs.getString(col[VARIABLE]);
    String kind = rs.getString(col[KIND]);
    VariableParts parts = variableParts(variable);
    out.append("{\"resourceType\":\"Observation\",\"id\":");
    id(out, rs.getString(col[ID]));
    out.append(",\"meta\":{\"lastUpdated\":\"")
        .append(lastUpdated(timestamp(rs, col[LAST_UPDATED])))
        .append('"');
    out.append(parts.profile());
    tags(out, rs, col[FLAGS]);
    out.append('}');

    String unit = rs.getString(col[UNIT]);
    BigDecimal low = rs.getBigDecimal(col[RANGE_LOW]);
    BigDecimal high = rs.getBigDecimal(col[RANGE_HIGH]);
    BigDecimal original = rs.getBigDecimal(col[ORIGINAL_VALUE]);
    if (low != null || high != null || original != null) {
      out.append(",\"extension\":[");
      if (low != null || high != null) {
        out.append("{\"url\":\"").append(SOURCE_RANGE).append("\",\"valueRange\":{");
        if (low != null) {
          out.append("\"low\":");
          quantity(out, low, null, unit, true);
        }
        if (high != null) {
          out.append(low != null ? ",\"high\":" : "\"high\":");
          quantity(out, high, null, unit, true);
        }
        out.append("}}");
        if (original != null) {
          out.append(',');
        }
      }
      if (original != null) {
        out.append("{\"url\":\"").append(ORIGINAL_QUANTITY).append("\",\"valueQuantity\":");
        quantity(
            out,
            original,
            comparator(rs.getString(col[ORIGINAL_COMPARATOR])),
            rs.getString(col[ORIGINAL_UNIT]),
            false);
        out.append('}');
      }
      out.append(']');
    }
    String status = rs.getString(col[STATUS]);
    if (status != null) {
      out.append(",\"status\":\"")
          .append(Observation.ObservationStatus.fromCode(status).toCode())
          .append('"');
    }
    out.append(parts.head());
    codingsTail(out, rs.getString(col[CODINGS_TEXT]));
    String text = kind == null ? null : ObservationRows.KIND_TEXT.get(kind);
    if (text != null) {
      out.append(",\"text\":");
      str(out, text);
    }
    out.append("},\"subject\":");
    String patient = rs.getString(col[PATIENT]);
    // consecutive rows mostly share patient and stay: checked once, then copied
    if (!patient.equals(lastPatient)) {
      checkId(patient);
      lastPatient = patient;
    }
    out.append("{\"reference\":\"Patient/").append(patient).append("\"}");
    if (kind != null) {
      String focus = rs.getString(col[FOCUS]);
      if (focus != null) {
        out.append(",\"focus\":[");
        reference(out, "", focus);
        out.append(']');
      }
    }
    String encounter = rs.getString(col[ENCOUNTER]);
    if (encounter != null) {
      if (!encounter.equals(lastEncounter)) {
        checkId(encounter);
        lastEncounter = encounter;
      }
      out.append(",\"encounter\":{\"reference\":\"Encounter/").append(encounter).append("\"}");
    }
    Timestamp effective = timestamp(rs, col[EFFECTIVE]);
    if (effective != null) {
      out.append(",\"effectiveDateTime\":\"");
      time(out, effective, rs.getString(col[EFFECTIVE_PRECISION]), rs.getString(col[SITE]));
      out.append('"');
    }
    BigDecimal value = rs.getBigDecimal(col[VALUE]);
    if (value != null) {
      // a number wins over a derived code or boolean, as in the mapper
      out.append(",\"valueQuantity\":");
      quantity(out, value, comparator(rs.getString(col[COMPARATOR])), unit, true);
    } else if (kind != null) {
      derivedValue(out, rs, variable);
    }
    if (kind != null) {
      derived.derivedFrom(out, rs.getString(col[EVIDENCE]));
      String detail = rs.getString(col[DETAIL]);
      if (detail != null) {
        derived.components(out, detail);
      }
    }
    out.append('}');
  }

  private void derivedValue(StringBuilder out, ResultSet rs, String variable)
      throws SQLException, NotCovered {
    String valueCode = rs.getString(col[VALUE_CODE]);
    if (valueCode != null) {
      String system =
          RegistryProfiles.derived(variable)
              .filter(d -> d.value() == RegistryProfiles.ValueKind.CODED)
              .map(RegistryProfiles.DerivedVariable::valueSystem)
              .orElse(REGISTRY_VARIABLE);
      out.append(",\"valueCodeableConcept\":{\"coding\":[");
      coding(out, system, valueCode, null);
      out.append("]}");
    } else {
      boolean b = rs.getBoolean(col[VALUE_BOOLEAN]);
      if (!rs.wasNull()) {
        out.append(",\"valueBoolean\":").append(b);
      }
    }
  }

  /** Per variable: the {@code meta.profile} member, and category plus the start of code. */
  private record VariableParts(String profile, String head) {}

  /** Profile, category and registry coding of a variable: rules and displays as the mapper's. */
  private VariableParts variableParts(String variable) throws NotCovered {
    String key = variable == null ? "" : variable;
    VariableParts parts = variables.get(key);
    if (parts != null) {
      return parts;
    }
    VariableRule rule = variable == null ? null : mapper.rules().variables().get(variable);
    StringBuilder profile = new StringBuilder();
    if (rule != null || (variable != null && RegistryProfiles.derived(variable).isPresent())) {
      profile.append(",\"profile\":[");
      str(profile, RegistryProfiles.observation(variable));
      profile.append(']');
    }
    StringBuilder b = new StringBuilder();
    if (rule != null && rule.category() != null) {
      b.append(",\"category\":[{\"coding\":[");
      coding(
          b,
          OBSERVATION_CATEGORY,
          rule.category(),
          ObservationRows.CATEGORY_DISPLAY.get(rule.category()));
      b.append("]}]");
    }
    String display =
        rule != null
            ? rule.display()
            : RegistryProfiles.derived(variable)
                .map(RegistryProfiles.DerivedVariable::display)
                .orElse(null);
    b.append(",\"code\":{\"coding\":[");
    coding(b, REGISTRY_VARIABLE, variable, display);
    parts = new VariableParts(profile.toString(), b.toString());
    if (variables.size() < MAX_CACHED) {
      variables.put(key, parts);
    }
    return parts;
  }

  /** The stored source codings after the registry coding, then the end of the coding array. */
  void codingsTail(StringBuilder out, String codingsJson) throws NotCovered {
    if (codingsJson == null) {
      out.append(']');
      return;
    }
    String tail = codings.get(codingsJson);
    if (tail == null) {
      List<Coding> list;
      try {
        list = mapper.json().readValue(codingsJson, CODINGS);
      } catch (IOException e) {
        throw NOT_COVERED;
      }
      StringBuilder b = new StringBuilder();
      for (Coding c : list) {
        if (c == null || (c.system() == null && c.code() == null && c.display() == null)) {
          throw NOT_COVERED; // HAPI would drop an empty coding
        }
        b.append(',');
        coding(b, c.system(), c.code(), c.display());
      }
      tail = b.append(']').toString();
      if (codings.size() < MAX_CACHED) {
        codings.put(codingsJson, tail);
      }
    }
    out.append(tail);
  }

  /** {@code meta.lastUpdated} as HAPI renders it (rows written together share it: one cached). */
  String lastUpdated(Timestamp ts) throws NotCovered {
    if (ts == null) {
      throw NOT_COVERED;
    }
    if (ts.getTime() != lastUpdatedMillis) {
      lastUpdatedText = new Meta().setLastUpdated(ts).getLastUpdatedElement().getValueAsString();
      lastUpdatedMillis = ts.getTime();
    }
    return lastUpdatedText;
  }

  /** A stored time as the mapper renders it: a FHIR date for a date precision, else UTC seconds. */
  void time(StringBuilder out, Timestamp ts, String precision, String siteId) {
    TimePrecision p = TimePrecision.ofColumn(precision);
    if (p.isDate()) {
      out.append(mapper.dateText(ts, p, siteId));
    } else {
      instant(out, ts);
    }
  }
}
