package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.RegistryCodeSystems.CRITERION_EVIDENCE;
import static org.shockreg.server.fhir.RegistryCodeSystems.CRITERION_STATUS;
import static org.shockreg.server.fhir.RegistryCodeSystems.ELIGIBILITY_CRITERION;
import static org.shockreg.server.fhir.RegistryCodeSystems.OBSERVATION_CATEGORY;
import static org.shockreg.server.fhir.RegistryCodeSystems.ORIGINAL_QUANTITY;
import static org.shockreg.server.fhir.RegistryCodeSystems.REGISTRY_VARIABLE;
import static org.shockreg.server.fhir.RegistryCodeSystems.SOURCE_RANGE;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.server.profile.RegistryProfiles;
import org.springframework.jdbc.core.RowMapper;

/**
 * Rows of the view {@code curated_observation} as FHIR Observation: measurements (UCUM quantity,
 * the source's range and original quantity) and derived facts (coded or boolean value, focus,
 * eligibility components, the facts they rest on).
 */
final class ObservationRows {

  static final Map<String, String> CATEGORY_DISPLAY =
      Map.of("vital-signs", "Vital Signs", "laboratory", "Laboratory", "exam", "Exam");

  /** Columns of the view {@code curated_observation}: measurements and derived facts. */
  static final String COLUMNS =
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

  private static final TypeReference<List<Map<String, Object>>> COMPONENTS =
      new TypeReference<>() {};
  static final Map<String, String> KIND_TEXT =
      Map.of(
          "scai-stage-at-diagnosis", "SCAI stage at shock diagnosis",
          "scai-stage-worst-24h", "Worst SCAI stage in the first 24 h");
  private static final TypeReference<List<String>> REFERENCES = new TypeReference<>() {};

  private final RuleSet rules;
  private final CuratedRowValues values;

  ObservationRows(RuleSet rules, CuratedRowValues values) {
    this.rules = rules;
    this.values = values;
  }

  RowMapper<Observation> rows() {
    return (rs, i) -> {
      Observation o = new Observation();
      o.setId(rs.getString("observation_id"));
      CuratedRowValues.meta(o, rs, rs.getArray("flags"));
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
              : RegistryProfiles.derived(variable)
                  .map(RegistryProfiles.DerivedVariable::display)
                  .orElse(null);
      code.addCoding(CuratedRowValues.coding(REGISTRY_VARIABLE, variable, display));
      values.addCodings(code, rs.getString("codings"));
      o.setSubject(new Reference("Patient/" + rs.getString("patient_id")));
      String encounter = rs.getString("encounter_id");
      if (encounter != null) {
        o.setEncounter(new Reference("Encounter/" + encounter));
      }
      if (kind != null) {
        derived(o, rs, kind, variable);
      }
      DateTimeType effective = values.time(rs, "effective_at", "effective_precision");
      if (effective != null) {
        o.setEffective(effective);
      }
      BigDecimal value = rs.getBigDecimal("value");
      if (value != null) {
        Quantity q =
            CuratedRowValues.quantity(value, rs.getString("unit"), rs.getString("comparator"));
        o.setValue(q);
      }
      BigDecimal low = rs.getBigDecimal("range_low");
      BigDecimal high = rs.getBigDecimal("range_high");
      if (low != null || high != null) {
        Range range = new Range();
        if (low != null) {
          range.setLow(CuratedRowValues.quantity(low, rs.getString("unit"), null));
        }
        if (high != null) {
          range.setHigh(CuratedRowValues.quantity(high, rs.getString("unit"), null));
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
  private void derived(Observation o, ResultSet rs, String kind, String variable)
      throws SQLException {
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
      o.setValue(new CodeableConcept().addCoding(CuratedRowValues.coding(system, valueCode, null)));
    } else {
      boolean b = rs.getBoolean("value_boolean");
      if (!rs.wasNull()) {
        o.setValue(new org.hl7.fhir.r4.model.BooleanType(b));
      }
    }
    String evidence = rs.getString("evidence");
    if (evidence != null) {
      try {
        for (String ref : values.json().readValue(evidence, REFERENCES)) {
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
      parts = values.json().readValue(detail, COMPONENTS);
    } catch (IOException e) {
      throw new IllegalStateException("stored detail is not valid JSON", e);
    }
    for (Map<String, Object> part : parts) {
      Observation.ObservationComponentComponent c = o.addComponent();
      c.getCode()
          .addCoding(
              CuratedRowValues.coding(ELIGIBILITY_CRITERION, (String) part.get("key"), null));
      Object status = part.get("status");
      if (status != null) {
        c.setValue(
            new CodeableConcept()
                .addCoding(CuratedRowValues.coding(CRITERION_STATUS, (String) status, null)));
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
    return new DateTimeType(
        Date.from(java.time.Instant.parse(iso)),
        TemporalPrecisionEnum.SECOND,
        CuratedRowValues.UTC);
  }
}
