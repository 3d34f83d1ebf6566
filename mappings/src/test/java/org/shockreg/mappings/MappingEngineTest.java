package org.shockreg.mappings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.shockreg.mappings.MappingOutcome.Kind;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.RuleSetLoader;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.CuratedFact;
import org.shockreg.registry.curated.DeviceRemovalFact;
import org.shockreg.registry.curated.DeviceTherapyFact;
import org.shockreg.registry.curated.DiagnosisFact;
import org.shockreg.registry.curated.EncounterFact;
import org.shockreg.registry.curated.MeasurementFact;
import org.shockreg.registry.curated.PatientFact;
import org.shockreg.registry.curated.SourceRef;

/** The mapping engine against the clinical contract (data-dictionary.md sections 1, 2, 3, 5). */
class MappingEngineTest {

  static final String LOINC = "http://loinc.org";
  static final String SNOMED = "http://snomed.info/sct";
  static final String UCUM = "http://unitsofmeasure.org";
  static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
  static final String ICD10PCS = "http://www.cms.gov/Medicare/Coding/ICD10";
  static final String CPT = "http://www.ama-assn.org/go/cpt";
  static final String ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
  static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

  static final RuleSet RULES = new RuleSetLoader().loadBuiltIn();
  static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes();
  static final IParser JSON = FhirContext.forR4Cached().newJsonParser();

  static final SourceRef OBS_SOURCE = new SourceRef("site-a", "Observation", "obs-1", "1", 1L);
  static final SourceRef PROC_SOURCE = new SourceRef("site-a", "Procedure", "proc-1", "1", 2L);
  static final SourceRef COND_SOURCE = new SourceRef("site-a", "Condition", "cond-1", "1", 3L);
  static final SourceRef ENC_SOURCE = new SourceRef("site-a", "Encounter", "enc-1", "1", 4L);
  static final SourceRef PAT_SOURCE = new SourceRef("site-a", "Patient", "p1", "1", 5L);

  final MappingEngine engine = new MappingEngine(RULES, new Pseudonymizer(KEY));

  // ---- helpers ------------------------------------------------------------------------------

  MappingOutcome map(Resource r, SourceRef source) {
    return engine.map(r, source, SourcePatientResolver.plain());
  }

  MappingOutcome map(Observation o) {
    return map(o, OBS_SOURCE);
  }

  static <T extends Resource> T parse(Class<T> type, String json) {
    return JSON.parseResource(type, json);
  }

  static Quantity ucum(String value, String unit) {
    return new Quantity()
        .setValue(new BigDecimal(value))
        .setUnit(unit)
        .setSystem(UCUM)
        .setCode(unit);
  }

  static Observation observation(String system, String code, Type value) {
    Observation o = new Observation();
    o.setId("obs-1");
    o.setStatus(Observation.ObservationStatus.FINAL);
    o.getCode().addCoding().setSystem(system).setCode(code);
    o.setSubject(new Reference("Patient/p1"));
    o.setEffective(new DateTimeType("2025-03-01T10:00:00+01:00"));
    o.setValue(value);
    return o;
  }

  static Observation lvef(Type value) {
    return observation(LOINC, "10230-1", value);
  }

  static MeasurementFact singleMeasurement(MappingOutcome outcome) {
    assertThat(outcome.kind()).as("outcome %s", outcome).isEqualTo(Kind.CURATED);
    assertThat(outcome.facts()).hasSize(1);
    assertThat(outcome.facts().get(0)).isInstanceOf(MeasurementFact.class);
    return (MeasurementFact) outcome.facts().get(0);
  }

  static void assertRejected(MappingOutcome outcome, String reasonCode) {
    assertThat(outcome.kind()).as("outcome %s", outcome).isEqualTo(Kind.REJECTED);
    assertThat(outcome.reasonCode()).isEqualTo(reasonCode);
    assertThat(outcome.reason()).isNotBlank();
    assertThat(outcome.facts()).isEmpty();
  }

  static Procedure procedure(String system, String code) {
    Procedure p = new Procedure();
    p.setId("proc-1");
    p.setStatus(Procedure.ProcedureStatus.COMPLETED);
    p.getCode().addCoding().setSystem(system).setCode(code);
    p.setSubject(new Reference("Patient/p1"));
    p.setPerformed(
        new Period()
            .setStartElement(new DateTimeType("2025-03-01T12:00:00Z"))
            .setEndElement(new DateTimeType("2025-03-04T08:30:00Z")));
    return p;
  }

  DeviceTherapyFact singleTherapy(Procedure p) {
    MappingOutcome outcome = map(p, PROC_SOURCE);
    assertThat(outcome.kind()).as("outcome %s", outcome).isEqualTo(Kind.CURATED);
    assertThat(outcome.facts()).hasSize(1).first().isInstanceOf(DeviceTherapyFact.class);
    return (DeviceTherapyFact) outcome.facts().get(0);
  }

  static Condition condition(String system, String code) {
    Condition c = new Condition();
    c.setId("cond-1");
    c.getCode().addCoding().setSystem(system).setCode(code);
    c.setSubject(new Reference("Patient/p1"));
    c.getClinicalStatus()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-clinical")
        .setCode("active");
    c.getVerificationStatus()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-ver-status")
        .setCode("confirmed");
    c.setOnset(new DateTimeType("2025-03-01T08:15:00+01:00"));
    return c;
  }

  DiagnosisFact singleDiagnosis(Condition c) {
    MappingOutcome outcome = map(c, COND_SOURCE);
    assertThat(outcome.kind()).as("outcome %s", outcome).isEqualTo(Kind.CURATED);
    assertThat(outcome.facts()).hasSize(1).first().isInstanceOf(DiagnosisFact.class);
    return (DiagnosisFact) outcome.facts().get(0);
  }

  String pseudonymOf(String site, String sourcePatientId) {
    return new Pseudonymizer(KEY).patientId(site, sourcePatientId);
  }

  // ---- measurements: units -----------------------------------------------------------------

  @Nested
  class Lactate {

    @Test
    void lactateInMgPerDl_isStoredInMmolPerL_withTwinCodeAndOriginalQuantity() {
      Observation o =
          parse(
              Observation.class,
              """
              {
                "resourceType": "Observation",
                "id": "obs-1",
                "status": "final",
                "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
                "code": {"coding": [{"system": "http://loinc.org", "code": "14118-4", "display": "Lactate [Mass/volume] in Serum or Plasma"}], "text": "Lactate"},
                "subject": {"reference": "Patient/p1"},
                "effectiveDateTime": "2025-03-01T10:00:00+01:00",
                "issued": "2025-03-01T10:20:00+01:00",
                "valueQuantity": {"value": 18, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}
              }
              """);

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.variable()).isEqualTo("lactate");
      assertThat(m.unit()).isEqualTo("mmol/L");
      assertThat(m.value()).isEqualByComparingTo("1.9982");
      assertThat(m.value().scale()).isLessThanOrEqualTo(4);
      assertThat(m.originalValue()).isEqualByComparingTo("18");
      assertThat(m.originalUnit()).isEqualTo("mg/dL");
      assertThat(m.codings())
          .extracting(Coding::system, Coding::code)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(LOINC, "2524-7"));
      assertThat(m.flags()).isEmpty();
      assertThat(m.status()).isEqualTo("final");
      assertThat(m.patientId()).isEqualTo(pseudonymOf("site-a", "p1"));
      assertThat(m.source()).isEqualTo(OBS_SOURCE);
    }

    @Test
    void lactateInMmolPerL_isStoredUnchanged_withoutOriginalQuantity() {
      Observation o = observation(LOINC, "2524-7", ucum("2.1", "mmol/L"));

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.variable()).isEqualTo("lactate");
      assertThat(m.value()).isEqualByComparingTo("2.1");
      assertThat(m.unit()).isEqualTo("mmol/L");
      assertThat(m.originalValue()).isNull();
      assertThat(m.originalUnit()).isNull();
      assertThat(m.originalComparator()).isNull();
      assertThat(m.codings()).extracting(Coding::code).containsExactly("2524-7");
    }

    @Test
    void lactateUnitSpelledLowerCaseMmolPerL_isAccepted_withoutRecordedConversion() {
      Observation o =
          parse(
              Observation.class,
              """
              {
                "resourceType": "Observation",
                "id": "obs-1",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "2524-7"}]},
                "subject": {"reference": "Patient/p1"},
                "effectiveDateTime": "2025-03-01T10:00:00Z",
                "valueQuantity": {"value": 2.1, "unit": "mmol/l"}
              }
              """);

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.value()).isEqualByComparingTo("2.1");
      assertThat(m.unit()).isEqualTo("mmol/L");
      assertThat(m.originalValue()).isNull();
      assertThat(m.originalUnit()).isNull();
      assertThat(m.flags()).isEmpty();
    }

    /**
     * units.yaml: aliases match "exact first, then case-insensitive". "Mmol/L" is the alias mmol/l
     * in another case; read as strict UCUM it is megamole per litre and the lactate becomes 2.1E+9.
     */
    @Test
    void lactateUnitWrittenMmolWithCapitalM_isReadAsMillimole_notMegamole() {
      Observation o =
          observation(
              LOINC, "2524-7", new Quantity().setValue(new BigDecimal("2.1")).setUnit("Mmol/L"));

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.value()).isEqualByComparingTo("2.1");
      assertThat(m.flags()).doesNotContain(MappingEngine.FLAG_IMPLAUSIBLE);
    }

    @Test
    void lactateInGramPerLitre_isConvertedWithMolarMass() {
      MeasurementFact m = singleMeasurement(map(observation(LOINC, "2524-7", ucum("0.18", "g/L"))));

      assertThat(m.value()).isEqualByComparingTo("1.9982");
      assertThat(m.originalUnit()).isEqualTo("g/L");
      // 2524-7 is already the molar code: no twin, kept as received
      assertThat(m.codings()).extracting(Coding::code).containsExactly("2524-7");
    }

    @Test
    void lactateInMgPerDl_withComparator_keepsComparatorOnBothQuantities() {
      Quantity q = ucum("9", "mg/dL").setComparator(Quantity.QuantityComparator.LESS_THAN);

      MeasurementFact m = singleMeasurement(map(observation(LOINC, "14118-4", q)));

      assertThat(m.value()).isEqualByComparingTo("0.9991");
      assertThat(m.comparator()).isEqualTo("<");
      assertThat(m.originalComparator()).isEqualTo("<");
    }

    @Test
    void lactateWithLocalCodingBesideLoinc_keepsBothSourceCodings_andTwinReplacesOnlyTheLoinc() {
      Observation o = observation(LOINC, "14118-4", ucum("18", "mg/dL"));
      o.getCode().addCoding().setSystem("urn:oid:1.2.3.4").setCode("LACT").setDisplay("Laktat");

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.codings())
          .containsExactly(
              new Coding(LOINC, "2524-7", null), new Coding("urn:oid:1.2.3.4", "LACT", "Laktat"));
    }
  }

  @Nested
  class Creatinine {

    @Test
    void creatinineInUmolPerL_isStoredInMgPerDl_withTwinCode() {
      Observation o = observation(LOINC, "14682-9", ucum("88.4", "umol/L"));

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.variable()).isEqualTo("creatinine");
      assertThat(m.unit()).isEqualTo("mg/dL");
      assertThat(m.value()).isEqualByComparingTo("1");
      assertThat(m.originalValue()).isEqualByComparingTo("88.4");
      assertThat(m.originalUnit()).isEqualTo("umol/L");
      assertThat(m.codings()).extracting(Coding::code).containsExactly("2160-0");
    }
  }

  @Nested
  class Lvef {

    @Test
    void lvefAsQuantityInPercent_isStoredAsIs() {
      MeasurementFact m = singleMeasurement(map(lvef(ucum("25", "%"))));

      assertThat(m.variable()).isEqualTo("lvef");
      assertThat(m.value()).isEqualByComparingTo("25");
      assertThat(m.unit()).isEqualTo("%");
      assertThat(m.comparator()).isNull();
      assertThat(m.rangeLow()).isNull();
      assertThat(m.rangeHigh()).isNull();
      assertThat(m.originalValue()).isNull();
      assertThat(m.flags()).isEmpty();
    }

    @Test
    void lvefAsRange_isStoredAsMidpoint_withRangeKept() {
      Observation o =
          parse(
              Observation.class,
              """
              {
                "resourceType": "Observation",
                "id": "obs-1",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "10230-1"}]},
                "subject": {"reference": "Patient/p1"},
                "effectiveDateTime": "2025-03-01T10:00:00Z",
                "valueRange": {
                  "low": {"value": 30, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"},
                  "high": {"value": 35, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}
                }
              }
              """);

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.value()).isEqualByComparingTo("32.5");
      assertThat(m.rangeLow()).isEqualByComparingTo("30");
      assertThat(m.rangeHigh()).isEqualByComparingTo("35");
      assertThat(m.unit()).isEqualTo("%");
      assertThat(m.comparator()).isNull();
      assertThat(m.flags()).isEmpty();
    }

    @Test
    void lvefWithComparator_storesTheBound_andKeepsTheComparator() {
      Quantity q = ucum("20", "%").setComparator(Quantity.QuantityComparator.LESS_THAN);

      MeasurementFact m = singleMeasurement(map(lvef(q)));

      assertThat(m.value()).isEqualByComparingTo("20");
      assertThat(m.comparator()).isEqualTo("<");
      assertThat(m.originalComparator()).isNull();
    }

    @Test
    void lvefAsText_withSingleNumber_isParsed() {
      MeasurementFact m = singleMeasurement(map(lvef(new StringType("EF 25%"))));

      assertThat(m.value()).isEqualByComparingTo("25");
      assertThat(m.unit()).isEqualTo("%");
      assertThat(m.flags()).doesNotContain(MappingEngine.FLAG_UNIT_ASSUMED);
    }

    @Test
    void lvefAsText_withRange_isParsedToMidpoint_withRangeKept() {
      MeasurementFact m = singleMeasurement(map(lvef(new StringType("25-30 %"))));

      assertThat(m.value()).isEqualByComparingTo("27.5");
      assertThat(m.rangeLow()).isEqualByComparingTo("25");
      assertThat(m.rangeHigh()).isEqualByComparingTo("30");
      assertThat(m.unit()).isEqualTo("%");
    }

    @Test
    void lvefAsText_withComparator_keepsTheComparator() {
      MeasurementFact m = singleMeasurement(map(lvef(new StringType("<20%"))));

      assertThat(m.value()).isEqualByComparingTo("20");
      assertThat(m.comparator()).isEqualTo("<");
    }

    /**
     * "30%-35%" is a range as EHR free text writes it; the contract says the numbers are parsed.
     */
    @Test
    void lvefAsText_withPercentSignOnBothBounds_isParsedAsRange() {
      MeasurementFact m = singleMeasurement(map(lvef(new StringType("30%-35%"))));

      assertThat(m.value()).isEqualByComparingTo("32.5");
      assertThat(m.rangeLow()).isEqualByComparingTo("30");
      assertThat(m.rangeHigh()).isEqualByComparingTo("35");
    }

    /** "≤20%" must not be stored as exactly 20: the comparator is kept (as FHIR's "<="). */
    @Test
    void lvefAsText_withUnicodeComparator_keepsTheComparator() {
      MeasurementFact m = singleMeasurement(map(lvef(new StringType("≤20%"))));

      assertThat(m.value()).isEqualByComparingTo("20");
      assertThat(m.comparator()).isEqualTo("<=");
    }

    @Test
    void lvefAsUnparseableText_isRejected_notSilentlyDropped() {
      assertRejected(map(lvef(new StringType("normal"))), "unparseable-text");
    }

    @Test
    void lvefWithoutUnit_keepsValue_andIsFlaggedUnitAssumed() {
      Observation o =
          parse(
              Observation.class,
              """
              {
                "resourceType": "Observation",
                "id": "obs-1",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "18043-0"}]},
                "subject": {"reference": "Patient/p1"},
                "effectiveDateTime": "2025-03-01T10:00:00Z",
                "valueQuantity": {"value": 40}
              }
              """);

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.value()).isEqualByComparingTo("40");
      assertThat(m.unit()).isEqualTo("%");
      assertThat(m.flags()).containsExactly(MappingEngine.FLAG_UNIT_ASSUMED);
      assertThat(m.originalValue()).isNull();
    }

    @Test
    void lvefOutsidePlausibleRange_isKept_andFlaggedImplausible() {
      MeasurementFact m = singleMeasurement(map(lvef(ucum("90", "%"))));

      assertThat(m.value()).isEqualByComparingTo("90");
      assertThat(m.flags()).containsExactly(MappingEngine.FLAG_IMPLAUSIBLE);
    }

    @Test
    void lvefAtPlausibleBounds_isNotFlagged() {
      assertThat(singleMeasurement(map(lvef(ucum("5", "%")))).flags()).isEmpty();
      assertThat(singleMeasurement(map(lvef(ucum("85", "%")))).flags()).isEmpty();
    }

    @Test
    void lvefBySnomedCode_isMapped() {
      MeasurementFact m = singleMeasurement(map(observation(SNOMED, "250908004", ucum("35", "%"))));
      assertThat(m.variable()).isEqualTo("lvef");
    }
  }

  @Nested
  class VitalSigns {

    @Test
    void sbpWithoutUnit_isRejectedMissingUnit() {
      Observation o = observation(LOINC, "8480-6", new Quantity().setValue(120));
      assertRejected(map(o), "missing-unit");
    }

    @Test
    void sbpWithUnknownUnit_isRejectedUnknownUnit() {
      Observation o =
          observation(LOINC, "8480-6", new Quantity().setValue(120).setUnit("furlongs"));
      assertRejected(map(o), "unknown-unit");
    }

    @Test
    void sbpInIncommensurableUnit_isRejected_neverGuessed() {
      Observation o = observation(LOINC, "8480-6", ucum("120", "mmol/L"));
      assertRejected(map(o), "unconvertible-unit");
    }

    @Test
    void sbpInKilopascal_isConvertedToMmHg_withOriginalKept() {
      Observation o = observation(LOINC, "8480-6", ucum("16", "kPa"));

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.variable()).isEqualTo("sbp");
      assertThat(m.unit()).isEqualTo("mm[Hg]");
      assertThat(m.value().doubleValue()).isCloseTo(120.0, within(0.05));
      assertThat(m.originalValue()).isEqualByComparingTo("16");
      assertThat(m.originalUnit()).isEqualTo("kPa");
      // commensurable conversion: the source LOINC is kept, no twin involved
      assertThat(m.codings()).extracting(Coding::code).containsExactly("8480-6");
    }

    @Test
    void sbpSpelledMmHg_isAccepted_withoutConversion() {
      Observation o = observation(LOINC, "8480-6", new Quantity().setValue(118).setUnit("mmHg"));

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.value()).isEqualByComparingTo("118");
      assertThat(m.unit()).isEqualTo("mm[Hg]");
      assertThat(m.originalValue()).isNull();
      assertThat(m.originalUnit()).isNull();
    }

    @Test
    void heartRateInBpm_isStoredPerMinute() {
      Observation o = observation(LOINC, "8867-4", new Quantity().setValue(96).setUnit("bpm"));

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.variable()).isEqualTo("hr");
      assertThat(m.unit()).isEqualTo("/min");
      assertThat(m.value()).isEqualByComparingTo("96");
      assertThat(m.originalUnit()).isNull();
    }

    @Test
    void ucumCodeWinsOverDisplayUnit() {
      Quantity q =
          new Quantity().setValue(88).setUnit("beats/minute").setSystem(UCUM).setCode("/min");
      MeasurementFact m = singleMeasurement(map(observation(LOINC, "8867-4", q)));
      assertThat(m.value()).isEqualByComparingTo("88");
      assertThat(m.unit()).isEqualTo("/min");
    }
  }

  @Nested
  class BloodPressurePanel {

    static final String PANEL =
        """
        {
          "resourceType": "Observation",
          "id": "bp-1",
          "status": "final",
          "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
          "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure panel with all children optional"}]},
          "subject": {"reference": "Patient/p1"},
          "effectiveDateTime": "2025-03-01T10:00:00+01:00",
          "component": [
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic blood pressure"}]},
             "valueQuantity": {"value": 85, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4", "display": "Diastolic blood pressure"}]},
             "valueQuantity": {"value": 50, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}
          ]
        }
        """;

    final SourceRef source = new SourceRef("site-a", "Observation", "bp-1", "1", 7L);

    @Test
    void bpPanel_yieldsOneMeasurementPerComponent_withDistinctIds() {
      MappingOutcome outcome = map(parse(Observation.class, PANEL), source);

      assertThat(outcome.kind()).isEqualTo(Kind.CURATED);
      List<MeasurementFact> facts =
          outcome.facts().stream().map(MeasurementFact.class::cast).toList();
      assertThat(facts)
          .extracting(MeasurementFact::variable)
          .containsExactlyInAnyOrder("sbp", "dbp");
      MeasurementFact sbp =
          facts.stream().filter(f -> f.variable().equals("sbp")).findFirst().orElseThrow();
      MeasurementFact dbp =
          facts.stream().filter(f -> f.variable().equals("dbp")).findFirst().orElseThrow();
      assertThat(sbp.value()).isEqualByComparingTo("85");
      assertThat(dbp.value()).isEqualByComparingTo("50");
      assertThat(sbp.unit()).isEqualTo("mm[Hg]");
      assertThat(sbp.observationId()).isNotEqualTo(dbp.observationId());
      assertThat(sbp.effectiveAt()).isEqualTo(Instant.parse("2025-03-01T09:00:00Z"));
      assertThat(sbp.codings()).extracting(Coding::code).contains("8480-6");
      assertThat(dbp.codings()).extracting(Coding::code).contains("8462-4");
    }

    @Test
    void bpPanel_idsAreStableAcrossCalls_andVersions() {
      MappingOutcome first = map(parse(Observation.class, PANEL), source);
      MappingOutcome second =
          map(
              parse(Observation.class, PANEL),
              new SourceRef("site-a", "Observation", "bp-1", "2", 8L));

      assertThat(ids(second)).containsExactlyInAnyOrderElementsOf(ids(first));
    }

    @Test
    void bpPanel_ofAnotherSourceResource_getsOtherIds() {
      MappingOutcome first = map(parse(Observation.class, PANEL), source);
      MappingOutcome other =
          map(
              parse(Observation.class, PANEL),
              new SourceRef("site-a", "Observation", "bp-2", "1", 9L));

      assertThat(ids(other)).doesNotContainAnyElementsOf(ids(first));
    }

    /**
     * measurements.yaml lists 85354-9 under "panels": "not unmapped even though they carry no
     * value". A panel whose components use codes no rule knows must report those component codes
     * (so hospital IT sees what it is not sending), not the known panel code.
     */
    @Test
    void bpPanelWithUnknownComponentCodes_reportsTheComponentCodes_notThePanelCode() {
      Observation o = parse(Observation.class, PANEL);
      o.getComponent().get(0).getCode().getCodingFirstRep().setSystem(SNOMED).setCode("271649006");
      o.getComponent().get(1).getCode().getCodingFirstRep().setSystem(SNOMED).setCode("271650006");

      MappingOutcome outcome = map(o, source);

      assertThat(outcome.kind()).isEqualTo(Kind.UNMAPPED);
      assertThat(outcome.unmappedCodes()).extracting(Coding::code).doesNotContain("85354-9");
      assertThat(outcome.unmappedCodes())
          .extracting(Coding::code)
          .containsExactlyInAnyOrder("271649006", "271650006");
    }

    private List<String> ids(MappingOutcome o) {
      return o.facts().stream().map(f -> ((MeasurementFact) f).observationId()).toList();
    }
  }

  @Nested
  class Status {

    @Test
    void preliminary_isCurated_andFlaggedPreliminary() {
      Observation o = observation(LOINC, "2524-7", ucum("2.1", "mmol/L"));
      o.setStatus(Observation.ObservationStatus.PRELIMINARY);

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.flags()).containsExactly(MappingEngine.FLAG_PRELIMINARY);
      assertThat(m.status()).isEqualTo("preliminary");
    }

    @ParameterizedTest
    @ValueSource(strings = {"final", "amended", "corrected"})
    void finalAmendedCorrected_areCurated_withoutFlags(String status) {
      Observation o = observation(LOINC, "2524-7", ucum("2.1", "mmol/L"));
      o.setStatus(Observation.ObservationStatus.fromCode(status));

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.status()).isEqualTo(status);
      assertThat(m.flags()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"entered-in-error", "cancelled"})
    void enteredInErrorOrCancelled_isRetracted(String status) {
      Observation o = observation(LOINC, "2524-7", ucum("2.1", "mmol/L"));
      o.setStatus(Observation.ObservationStatus.fromCode(status));

      MappingOutcome outcome = map(o);

      assertThat(outcome.kind()).isEqualTo(Kind.RETRACTED);
      assertThat(outcome.facts()).isEmpty();
    }

    @Test
    void registered_isSkipped() {
      Observation o = observation(LOINC, "2524-7", ucum("2.1", "mmol/L"));
      o.setStatus(Observation.ObservationStatus.REGISTERED);

      MappingOutcome outcome = map(o);

      assertThat(outcome.kind()).isEqualTo(Kind.SKIPPED);
      assertThat(outcome.facts()).isEmpty();
    }
  }

  @Nested
  class EffectiveTime {

    Observation withoutTime() {
      Observation o = observation(LOINC, "2524-7", ucum("2.1", "mmol/L"));
      o.setEffective(null);
      return o;
    }

    @Test
    void effectiveDateTimeWithOffset_isStoredAsUtcInstant() {
      MeasurementFact m =
          singleMeasurement(map(observation(LOINC, "2524-7", ucum("2.1", "mmol/L"))));
      assertThat(m.effectiveAt()).isEqualTo(Instant.parse("2025-03-01T09:00:00Z"));
    }

    @Test
    void effectiveDateTimeWithOffset_fromJson_isStoredAsUtcInstant() {
      Observation o =
          parse(
              Observation.class,
              """
              {"resourceType": "Observation", "id": "obs-1", "status": "final",
               "code": {"coding": [{"system": "http://loinc.org", "code": "2524-7"}]},
               "subject": {"reference": "Patient/p1"},
               "effectiveDateTime": "2025-03-01T10:00:00-05:00",
               "valueQuantity": {"value": 2.1, "system": "http://unitsofmeasure.org", "code": "mmol/L"}}
              """);
      assertThat(singleMeasurement(map(o)).effectiveAt())
          .isEqualTo(Instant.parse("2025-03-01T15:00:00Z"));
    }

    @Test
    void effectivePeriodStart_isUsed_whenNoEffectiveDateTime() {
      Observation o = withoutTime();
      o.setEffective(
          new Period()
              .setStartElement(new DateTimeType("2025-03-01T07:30:00+01:00"))
              .setEndElement(new DateTimeType("2025-03-01T08:30:00+01:00")));
      o.setIssuedElement(new InstantType("2025-03-02T00:00:00Z"));

      assertThat(singleMeasurement(map(o)).effectiveAt())
          .isEqualTo(Instant.parse("2025-03-01T06:30:00Z"));
    }

    @Test
    void issued_isUsedLast() {
      Observation o = withoutTime();
      o.setIssuedElement(new InstantType("2025-03-01T11:45:00+01:00"));

      MeasurementFact m = singleMeasurement(map(o));

      assertThat(m.effectiveAt()).isEqualTo(Instant.parse("2025-03-01T10:45:00Z"));
      assertThat(m.flags()).doesNotContain(MappingEngine.FLAG_NEEDS_REVIEW);
    }

    @Test
    void effectiveDateTimeWins_overIssued() {
      Observation o = observation(LOINC, "2524-7", ucum("2.1", "mmol/L"));
      o.setIssuedElement(new InstantType("2025-03-05T00:00:00Z"));
      assertThat(singleMeasurement(map(o)).effectiveAt())
          .isEqualTo(Instant.parse("2025-03-01T09:00:00Z"));
    }

    @Test
    void dateOnly_isStartOfDayUtc() {
      Observation o = withoutTime();
      o.setEffective(new DateTimeType("2025-03-01"));
      assertThat(singleMeasurement(map(o)).effectiveAt())
          .isEqualTo(Instant.parse("2025-03-01T00:00:00Z"));
    }

    @Test
    void noTimeAtAll_isKept_andFlaggedNeedsReview() {
      MeasurementFact m = singleMeasurement(map(withoutTime()));
      assertThat(m.effectiveAt()).isNull();
      assertThat(m.flags()).contains(MappingEngine.FLAG_NEEDS_REVIEW);
    }
  }

  @Nested
  class UnmappedAndUnresolved {

    @Test
    void unknownLoinc_isUnmapped_withThatCoding() {
      Observation o = observation(LOINC, "2708-6", ucum("97", "%"));

      MappingOutcome outcome = map(o);

      assertThat(outcome.kind()).isEqualTo(Kind.UNMAPPED);
      assertThat(outcome.facts()).isEmpty();
      assertThat(outcome.unmappedCodes())
          .extracting(Coding::system, Coding::code)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(LOINC, "2708-6"));
    }

    @Test
    void ldh_isNotLactate() {
      Observation o = observation(LOINC, "14804-9", ucum("250", "U/L"));

      MappingOutcome outcome = map(o);

      assertThat(outcome.kind()).isEqualTo(Kind.UNMAPPED);
      assertThat(outcome.unmappedCodes()).extracting(Coding::code).containsExactly("14804-9");
    }

    @Test
    void conditionalSubjectReference_withPlainResolver_isRejectedUnresolvedSubject() {
      Observation o = observation(LOINC, "2524-7", ucum("2.1", "mmol/L"));
      o.setSubject(new Reference("Patient?identifier=x|y"));

      assertRejected(map(o), "unresolved-subject");
    }

    @Test
    void missingSubject_isRejectedUnresolvedSubject() {
      Observation o = observation(LOINC, "2524-7", ucum("2.1", "mmol/L"));
      o.setSubject(null);

      assertRejected(map(o), "unresolved-subject");
    }

    @Test
    void absoluteAndVersionedSubjectReferences_resolveToTheSamePatient() {
      Observation a = observation(LOINC, "2524-7", ucum("2.1", "mmol/L"));
      Observation b = observation(LOINC, "2524-7", ucum("2.1", "mmol/L"));
      b.setSubject(new Reference("https://ehr.example.org/fhir/Patient/p1/_history/4"));

      assertThat(singleMeasurement(map(b)).patientId())
          .isEqualTo(singleMeasurement(map(a)).patientId());
    }

    @Test
    void resourceTypeNotCurated_isSkipped() {
      MappingOutcome outcome = map(new org.hl7.fhir.r4.model.MedicationRequest(), OBS_SOURCE);
      assertThat(outcome.kind()).isEqualTo(Kind.SKIPPED);
    }
  }

  // ---- procedures ---------------------------------------------------------------------------

  @Nested
  class Procedures {

    @ParameterizedTest(name = "{0}|{1} -> {2}")
    @CsvSource({
      "http://snomed.info/sct,                      442807006, iabp",
      "http://snomed.info/sct,                      399217008, iabp",
      "http://www.ama-assn.org/go/cpt,              33967,     iabp",
      "http://www.cms.gov/Medicare/Coding/ICD10,    5A02210,   iabp",
      "http://www.cms.gov/Medicare/Coding/ICD10,    5A0221D,   impella",
      "http://www.cms.gov/Medicare/Coding/ICD10,    5A1522G,   va-ecmo",
      "http://snomed.info/sct,                      233573008, va-ecmo",
      "http://www.cms.gov/Medicare/Coding/ICD10,    5A1522H,   vv-ecmo",
      "http://www.ama-assn.org/go/cpt,              33946,     vv-ecmo",
      "http://www.ama-assn.org/go/cpt,              33991,     tandemheart",
      "http://snomed.info/sct,                      232967006, durable-lvad",
      "http://snomed.info/sct,                      32413006,  heart-transplant",
    })
    void procedureCode_mapsToDevice(String system, String code, String device) {
      DeviceTherapyFact f = singleTherapy(procedure(system, code));

      assertThat(f.device()).isEqualTo(device);
      assertThat(f.status()).isEqualTo("completed");
      assertThat(f.codings()).extracting(Coding::code).containsExactly(code);
      assertThat(f.patientId()).isEqualTo(pseudonymOf("site-a", "p1"));
      assertThat(f.flags()).doesNotContain(MappingEngine.FLAG_NEEDS_REVIEW);
    }

    @Test
    void genericEcmoCode_withVenoVenousText_isVvEcmo() {
      Procedure p = procedure(SNOMED, "233573008");
      p.getCode().setText("Veno-venous ECMO");

      assertThat(singleTherapy(p).device()).isEqualTo("vv-ecmo");
    }

    @Test
    void genericEcmoCode_withVenoVenousDisplay_isVvEcmo() {
      Procedure p = procedure(SNOMED, "233573008");
      p.getCode().getCodingFirstRep().setDisplay("Extracorporeal membrane oxygenation (VV-ECMO)");

      assertThat(singleTherapy(p).device()).isEqualTo("vv-ecmo");
    }

    @Test
    void genericEcmoCode_withVenoArterialText_staysVaEcmo() {
      Procedure p = procedure(SNOMED, "233573008");
      p.getCode().setText("Veno-arterial ECMO");

      assertThat(singleTherapy(p).device()).isEqualTo("va-ecmo");
    }

    @Test
    void heartAssistDeviceOfUnstatedType_isVadUnspecified_flaggedNeedsReview() {
      DeviceTherapyFact f = singleTherapy(procedure(SNOMED, "232965003"));

      assertThat(f.device()).isEqualTo("vad-unspecified");
      assertThat(f.flags()).contains(MappingEngine.FLAG_NEEDS_REVIEW);
    }

    @Test
    void iabpRemovalCode_yieldsRemovalFact_notANewTherapy() {
      Procedure p = procedure(CPT, "33968");
      p.setPerformed(new DateTimeType("2025-03-04T08:30:00+01:00"));

      MappingOutcome outcome = map(p, PROC_SOURCE);

      assertThat(outcome.kind()).isEqualTo(Kind.CURATED);
      assertThat(outcome.facts()).hasSize(1);
      CuratedFact f = outcome.facts().get(0);
      assertThat(f).isInstanceOf(DeviceRemovalFact.class);
      DeviceRemovalFact r = (DeviceRemovalFact) f;
      assertThat(r.device()).isEqualTo("iabp");
      assertThat(r.removedAt()).isEqualTo(Instant.parse("2025-03-04T07:30:00Z"));
      assertThat(r.patientId()).isEqualTo(pseudonymOf("site-a", "p1"));
    }

    @Test
    void iabpRemovalWithPeriod_isRemovedAtPeriodEnd() {
      DeviceRemovalFact r =
          (DeviceRemovalFact) map(procedure(CPT, "33968"), PROC_SOURCE).facts().get(0);
      assertThat(r.removedAt()).isEqualTo(Instant.parse("2025-03-04T08:30:00Z"));
    }

    @Test
    void removalWithoutTime_isRejected() {
      Procedure p = procedure(CPT, "33968");
      p.setPerformed(null);
      assertRejected(map(p, PROC_SOURCE), "missing-time");
    }

    @Test
    void performedPeriod_givesStartAndEnd() {
      DeviceTherapyFact f = singleTherapy(procedure(ICD10PCS, "5A02210"));

      assertThat(f.startedAt()).isEqualTo(Instant.parse("2025-03-01T12:00:00Z"));
      assertThat(f.endedAt()).isEqualTo(Instant.parse("2025-03-04T08:30:00Z"));
      assertThat(f.performedAt()).isNull();
    }

    @Test
    void performedDateTime_isStartAndPerformedAt() {
      Procedure p = procedure(ICD10PCS, "5A0221D");
      p.setPerformed(new DateTimeType("2025-03-01T13:10:00+01:00"));

      DeviceTherapyFact f = singleTherapy(p);

      assertThat(f.performedAt()).isEqualTo(Instant.parse("2025-03-01T12:10:00Z"));
      assertThat(f.startedAt()).isEqualTo(f.performedAt());
      assertThat(f.endedAt()).isNull();
    }

    @Test
    void procedureWithoutTime_isCurated_flaggedNeedsReview() {
      Procedure p = procedure(ICD10PCS, "5A0221D");
      p.setPerformed(null);
      DeviceTherapyFact f = singleTherapy(p);
      assertThat(f.startedAt()).isNull();
      assertThat(f.flags()).contains(MappingEngine.FLAG_NEEDS_REVIEW);
    }

    @ParameterizedTest
    @ValueSource(strings = {"entered-in-error", "not-done"})
    void enteredInErrorOrNotDone_isRetracted(String status) {
      Procedure p = procedure(SNOMED, "442807006");
      p.setStatus(Procedure.ProcedureStatus.fromCode(status));

      MappingOutcome outcome = map(p, PROC_SOURCE);

      assertThat(outcome.kind()).isEqualTo(Kind.RETRACTED);
      assertThat(outcome.facts()).isEmpty();
    }

    @Test
    void unmappedProcedure_pci_isUnmapped() {
      MappingOutcome outcome = map(procedure(SNOMED, "415070008"), PROC_SOURCE);

      assertThat(outcome.kind()).isEqualTo(Kind.UNMAPPED);
      assertThat(outcome.unmappedCodes()).extracting(Coding::code).containsExactly("415070008");
    }

    @Test
    void procedureIdIsStable_acrossVersions() {
      DeviceTherapyFact v1 = singleTherapy(procedure(SNOMED, "442807006"));
      MappingOutcome v2 =
          map(
              procedure(SNOMED, "442807006"),
              new SourceRef("site-a", "Procedure", "proc-1", "2", 99L));
      assertThat(((DeviceTherapyFact) v2.facts().get(0)).procedureId()).isEqualTo(v1.procedureId());
    }

    @Test
    void syntheaStyleJsonProcedure_isMapped() {
      Procedure p =
          parse(
              Procedure.class,
              """
              {
                "resourceType": "Procedure",
                "id": "proc-1",
                "status": "completed",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "399217008",
                  "display": "Insertion of intra-aortic balloon pump"}], "text": "Insertion of intra-aortic balloon pump"},
                "subject": {"reference": "Patient/p1"},
                "encounter": {"reference": "Encounter/enc-1"},
                "performedPeriod": {"start": "2025-03-01T12:00:00+01:00", "end": "2025-03-01T12:45:00+01:00"}
              }
              """);

      DeviceTherapyFact f = singleTherapy(p);

      assertThat(f.device()).isEqualTo("iabp");
      assertThat(f.startedAt()).isEqualTo(Instant.parse("2025-03-01T11:00:00Z"));
      assertThat(f.endedAt()).isEqualTo(Instant.parse("2025-03-01T11:45:00Z"));
    }
  }

  // ---- conditions ---------------------------------------------------------------------------

  @Nested
  class Conditions {

    @ParameterizedTest(name = "{0}|{1} -> {2}")
    @CsvSource({
      "http://snomed.info/sct,           89138009, cardiogenic-shock",
      "http://hl7.org/fhir/sid/icd-10-cm, R57.0,   cardiogenic-shock",
      "http://hl7.org/fhir/sid/icd-10,    R57.0,   cardiogenic-shock",
      "http://hl7.org/fhir/sid/icd-10-cm, I21.4,   acute-mi",
      "http://hl7.org/fhir/sid/icd-10-cm, I214,    acute-mi",
      "http://hl7.org/fhir/sid/icd-10-cm, I22.0,   acute-mi",
      "http://snomed.info/sct,           22298006, acute-mi",
      "http://hl7.org/fhir/sid/icd-10-cm, I50.23,  heart-failure",
      "http://hl7.org/fhir/sid/icd-10-cm, I25.5,   ischemic-cardiomyopathy",
      "http://hl7.org/fhir/sid/icd-10-cm, I25.2,   prior-mi",
      "http://hl7.org/fhir/sid/icd-10-cm, I42.0,   cardiomyopathy",
      "http://hl7.org/fhir/sid/icd-10-cm, R65.21,  septic-shock",
      "http://snomed.info/sct,           76571007, septic-shock",
      "http://hl7.org/fhir/sid/icd-10-cm, I40.9,   myocarditis",
      "http://hl7.org/fhir/sid/icd-10-cm, I51.4,   myocarditis",
      "http://hl7.org/fhir/sid/icd-10-cm, I26.99,  pulmonary-embolism",
      "http://hl7.org/fhir/sid/icd-10-cm, O24.4,   pregnancy",
      "http://hl7.org/fhir/sid/icd-10-cm, Z33.1,   pregnancy",
    })
    void diagnosisCode_mapsToCategory(String system, String code, String category) {
      DiagnosisFact d = singleDiagnosis(condition(system, code));

      assertThat(d.category()).isEqualTo(category);
      assertThat(d.codings()).extracting(Coding::code).containsExactly(code);
      assertThat(d.patientId()).isEqualTo(pseudonymOf("site-a", "p1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"I25.10", "I51.81", "R57.1", "I2"})
    void nearbyCodes_areNotMistakenForRegistryCategories(String code) {
      MappingOutcome outcome = map(condition(ICD10CM, code), COND_SOURCE);
      assertThat(outcome.kind()).as("%s -> %s", code, outcome).isEqualTo(Kind.UNMAPPED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"refuted", "entered-in-error"})
    void refutedOrEnteredInError_isRetracted(String verification) {
      Condition c = condition(SNOMED, "89138009");
      c.getVerificationStatus().getCodingFirstRep().setCode(verification);

      MappingOutcome outcome = map(c, COND_SOURCE);

      assertThat(outcome.kind()).isEqualTo(Kind.RETRACTED);
      assertThat(outcome.facts()).isEmpty();
    }

    @Test
    void onsetDateTime_isKeptAsInstant_withStatuses() {
      Condition c = condition(ICD10CM, "R57.0");
      c.setRecordedDateElement(new DateTimeType("2025-03-01T09:00:00+01:00"));

      DiagnosisFact d = singleDiagnosis(c);

      assertThat(d.onsetAt()).isEqualTo(Instant.parse("2025-03-01T07:15:00Z"));
      assertThat(d.recordedAt()).isEqualTo(Instant.parse("2025-03-01T08:00:00Z"));
      assertThat(d.clinicalStatus()).isEqualTo("active");
      assertThat(d.verificationStatus()).isEqualTo("confirmed");
      assertThat(d.flags()).isEmpty();
    }

    @Test
    void conditionWithoutAnyTime_isFlaggedNeedsReview() {
      Condition c = condition(ICD10CM, "R57.0");
      c.setOnset(null);
      DiagnosisFact d = singleDiagnosis(c);
      assertThat(d.onsetAt()).isNull();
      assertThat(d.flags()).contains(MappingEngine.FLAG_NEEDS_REVIEW);
    }

    @Test
    void unmappedDiagnosis_isUnmapped() {
      MappingOutcome outcome = map(condition(ICD10CM, "E11.9"), COND_SOURCE);
      assertThat(outcome.kind()).isEqualTo(Kind.UNMAPPED);
      assertThat(outcome.unmappedCodes()).extracting(Coding::code).containsExactly("E11.9");
    }
  }

  // ---- encounters ---------------------------------------------------------------------------

  @Nested
  class Encounters {

    Encounter encounter(String classCode) {
      Encounter e = new Encounter();
      e.setId("enc-1");
      e.setStatus(Encounter.EncounterStatus.FINISHED);
      e.setClass_(new org.hl7.fhir.r4.model.Coding(ACT_CODE, classCode, null));
      e.setSubject(new Reference("Patient/p1"));
      e.setPeriod(
          new Period()
              .setStartElement(new DateTimeType("2025-03-01T10:00:00+01:00"))
              .setEndElement(new DateTimeType("2025-03-10T10:00:00+01:00")));
      return e;
    }

    EncounterFact single(Encounter e) {
      MappingOutcome outcome = map(e, ENC_SOURCE);
      assertThat(outcome.kind()).as("outcome %s", outcome).isEqualTo(Kind.CURATED);
      assertThat(outcome.facts()).hasSize(1).first().isInstanceOf(EncounterFact.class);
      return (EncounterFact) outcome.facts().get(0);
    }

    @Test
    void encounterTypedCcu_isIntensiveCare() {
      Encounter e = encounter("IMP");
      e.addType(
          new CodeableConcept()
              .addCoding(new org.hl7.fhir.r4.model.Coding(ROLE_CODE, "CCU", "Coronary care unit")));

      EncounterFact f = single(e);

      assertThat(f.intensiveCare()).isTrue();
      assertThat(f.periodStart()).isEqualTo(Instant.parse("2025-03-01T09:00:00Z"));
      assertThat(f.periodEnd()).isEqualTo(Instant.parse("2025-03-10T09:00:00Z"));
      assertThat(f.types()).extracting(Coding::code).containsExactly("CCU");
      assertThat(f.patientId()).isEqualTo(pseudonymOf("site-a", "p1"));
    }

    @Test
    void ambulatoryEncounterWithIcuServiceType_isIntensiveCare() {
      Encounter e = encounter("AMB");
      e.setServiceType(
          new CodeableConcept()
              .addCoding(new org.hl7.fhir.r4.model.Coding(ROLE_CODE, "ICU", null)));

      assertThat(single(e).intensiveCare()).isTrue();
    }

    @Test
    void inpatientEncounter_isCurated_butNotIntensiveCare() {
      EncounterFact f = single(encounter("IMP"));

      assertThat(f.intensiveCare()).isFalse();
      assertThat(f.encounterClass()).isEqualTo("IMP");
      assertThat(f.status()).isEqualTo("finished");
    }

    @Test
    void ambulatoryEncounterWithoutIcuType_isSkipped() {
      MappingOutcome outcome = map(encounter("AMB"), ENC_SOURCE);

      assertThat(outcome.kind()).isEqualTo(Kind.SKIPPED);
      assertThat(outcome.facts()).isEmpty();
    }

    @Test
    void enteredInErrorEncounter_isRetracted() {
      Encounter e = encounter("IMP");
      e.setStatus(Encounter.EncounterStatus.ENTEREDINERROR);
      assertThat(map(e, ENC_SOURCE).kind()).isEqualTo(Kind.RETRACTED);
    }
  }

  // ---- patients -----------------------------------------------------------------------------

  @Nested
  class Patients {

    static final String PATIENT_JSON =
        """
        {
          "resourceType": "Patient",
          "id": "p1",
          "identifier": [{"system": "urn:oid:1.2.36.146.595.217.0.1", "value": "MRN-0042"}],
          "name": [{"family": "Mustermann", "given": ["Erika"]}],
          "gender": "female",
          "birthDate": "1960-01-01",
          "address": [{"line": ["Hauptstrasse 1"], "city": "Berlin"}],
          "deceasedDateTime": "2025-04-02T03:10:00+02:00"
        }
        """;

    PatientFact single(Patient p, SourceRef source) {
      MappingOutcome outcome = map(p, source);
      assertThat(outcome.kind()).as("outcome %s", outcome).isEqualTo(Kind.CURATED);
      assertThat(outcome.facts()).hasSize(1).first().isInstanceOf(PatientFact.class);
      return (PatientFact) outcome.facts().get(0);
    }

    @Test
    void samePatientOfSameSite_getsSamePseudonym() {
      PatientFact a = single(parse(Patient.class, PATIENT_JSON), PAT_SOURCE);
      PatientFact b =
          single(
              parse(Patient.class, PATIENT_JSON),
              new SourceRef("site-a", "Patient", "p1", "2", 6L));

      assertThat(a.patientId()).isEqualTo(b.patientId()).isNotEqualTo("p1").hasSize(32);
    }

    @Test
    void samePatientIdAtOtherSite_getsOtherPseudonym() {
      PatientFact a = single(parse(Patient.class, PATIENT_JSON), PAT_SOURCE);
      PatientFact b =
          single(
              parse(Patient.class, PATIENT_JSON),
              new SourceRef("site-b", "Patient", "p1", "1", 6L));

      assertThat(a.patientId()).isNotEqualTo(b.patientId());
    }

    @Test
    void patientPseudonym_isOfItsRecordNumber_andReplacesThatOfItsLogicalId() {
      PatientFact p = single(parse(Patient.class, PATIENT_JSON), PAT_SOURCE);
      // Without the Patient at hand, an Observation is filed under the logical id's pseudonym;
      // the Patient (keyed by its record number) takes those facts over when it arrives.
      MeasurementFact m =
          singleMeasurement(map(observation(LOINC, "2524-7", ucum("2.1", "mmol/L"))));

      assertThat(p.replacesPatientId()).isEqualTo(m.patientId());
      assertThat(p.patientId()).isNotEqualTo(m.patientId());
    }

    @Test
    void otherKey_givesOtherPseudonym() {
      MappingEngine other =
          new MappingEngine(
              RULES, new Pseudonymizer("fedcba9876543210fedcba9876543210".getBytes()));
      PatientFact a = single(parse(Patient.class, PATIENT_JSON), PAT_SOURCE);
      PatientFact b =
          (PatientFact)
              other
                  .map(
                      parse(Patient.class, PATIENT_JSON), PAT_SOURCE, SourcePatientResolver.plain())
                  .facts()
                  .get(0);
      assertThat(a.patientId()).isNotEqualTo(b.patientId());
    }

    @Test
    void birthYearOnly_genderKept_noIdentifyingDataInFact() {
      PatientFact f = single(parse(Patient.class, PATIENT_JSON), PAT_SOURCE);

      assertThat(f.birthYear()).isEqualTo(1960);
      assertThat(f.sex()).isEqualTo("female");
      // the full date travels only to the hospital-side source link, for age at shock diagnosis
      assertThat(f.birthDate()).isEqualTo(java.time.LocalDate.parse("1960-01-01"));
      String rendered = f.toString();
      assertThat(rendered)
          .doesNotContain("Mustermann")
          .doesNotContain("Erika")
          .doesNotContain("MRN-0042")
          .doesNotContain("Hauptstrasse")
          .doesNotContain("Berlin");
    }

    @Test
    void deceasedDateTime_isKeptAsInstant() {
      PatientFact f = single(parse(Patient.class, PATIENT_JSON), PAT_SOURCE);

      assertThat(f.deceased()).isTrue();
      assertThat(f.deceasedAt()).isEqualTo(Instant.parse("2025-04-02T01:10:00Z"));
    }

    @Test
    void deceasedBoolean_isKept_withoutTime() {
      Patient p = new Patient();
      p.setId("p2");
      p.setDeceased(new org.hl7.fhir.r4.model.BooleanType(true));
      PatientFact f = single(p, new SourceRef("site-a", "Patient", "p2", "1", 6L));
      assertThat(f.deceased()).isTrue();
      assertThat(f.deceasedAt()).isNull();
      assertThat(f.birthYear()).isNull();
      assertThat(f.sex()).isNull();
    }

    @Test
    void patientWithoutId_isRejected() {
      assertRejected(map(new Patient(), PAT_SOURCE), "missing-id");
    }
  }
}
