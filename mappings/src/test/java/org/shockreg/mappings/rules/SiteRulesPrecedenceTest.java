package org.shockreg.mappings.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.MappingOutcome;
import org.shockreg.mappings.MappingOutcome.Kind;
import org.shockreg.mappings.SourcePatientResolver;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.DeviceRemovalFact;
import org.shockreg.registry.curated.DeviceTherapyFact;
import org.shockreg.registry.curated.DiagnosisFact;
import org.shockreg.registry.curated.EncounterFact;
import org.shockreg.registry.curated.MeasurementFact;
import org.shockreg.registry.curated.SourceRef;

/**
 * Site rules in the mapping engine: they apply only to their site, win over the built-in rules
 * there, and a reload swaps them.
 */
class SiteRulesPrecedenceTest {

  static final String LOINC = "http://loinc.org";
  static final String SNOMED = "http://snomed.info/sct";
  static final String ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
  static final String SITE = "site-local";
  static final String OTHER = "demo-milano";

  static final String SITE_FILE =
      """
      measurements:
        - { system: 99LAB, code: LACT, variable: lactate, unit: mg/dL }
      devices:
        - { system: urn:site-local:proc, code: IABP-IN, device: iabp }
        - { system: urn:site-local:proc, code: IABP-OUT, device: iabp, removal: true }
        - { system: http://snomed.info/sct, code: "232965003", device: impella }
      diagnoses:
        - { system: urn:site-local:dx, code: CS, category: cardiogenic-shock }
        - { system: urn:site-local:dx, code: MI.*, category: acute-mi }
        # re-map a built-in code for this site only
        - { system: http://hl7.org/fhir/sid/icd-10-cm, code: I25.5, category: cardiomyopathy }
      intensive-care:
        encounter-types:
          - { system: urn:site-local:units, code: CICU }
        locations:
          - { id: cicu-west }
          - { system: urn:site-local:locations, code: CICU }
      """;

  static RuleSet builtIn;
  static RuleSet withSite;
  MappingEngine engine;

  @BeforeAll
  static void rules() {
    builtIn = new RuleSetLoader().loadBuiltIn();
    withSite = withFile(SITE, SITE_FILE);
  }

  static RuleSet withFile(String site, String yaml) {
    List<String> errors = new ArrayList<>();
    SiteRules rules =
        new SiteRulesLoader(builtIn)
            .parse(
                Path.of(site + ".yaml"),
                yaml.getBytes(StandardCharsets.UTF_8),
                Instant.now(),
                errors)
            .orElseThrow(() -> new AssertionError(errors.toString()));
    return builtIn.withSites(List.of(rules));
  }

  MappingEngine engine() {
    if (engine == null) {
      engine =
          new MappingEngine(
              withSite, new Pseudonymizer("0123456789abcdef0123456789abcdef".getBytes()));
    }
    return engine;
  }

  MappingOutcome map(Resource r, String site) {
    return engine()
        .map(r, new SourceRef(site, r.fhirType(), "r-1", "1", 1L), SourcePatientResolver.plain());
  }

  static Observation observation(String system, String code, String value, String unit) {
    Observation o = new Observation();
    o.setId("r-1");
    o.setStatus(Observation.ObservationStatus.FINAL);
    o.getCode().addCoding().setSystem(system).setCode(code);
    o.setSubject(new Reference("Patient/p1"));
    o.setEffective(new DateTimeType("2025-03-01T10:00:00+01:00"));
    o.setValue(new Quantity().setValue(new BigDecimal(value)).setUnit(unit));
    return o;
  }

  static Procedure procedure(String system, String code) {
    Procedure p = new Procedure();
    p.setId("r-1");
    p.setStatus(Procedure.ProcedureStatus.COMPLETED);
    p.getCode().addCoding().setSystem(system).setCode(code);
    p.setSubject(new Reference("Patient/p1"));
    p.setPerformed(new Period().setStartElement(new DateTimeType("2025-03-01T12:00:00Z")));
    return p;
  }

  static Condition condition(String system, String code) {
    Condition c = new Condition();
    c.setId("r-1");
    c.getCode().addCoding().setSystem(system).setCode(code);
    c.setSubject(new Reference("Patient/p1"));
    c.setOnset(new DateTimeType("2025-03-01T08:00:00Z"));
    return c;
  }

  static Encounter ambulatoryEncounter() {
    Encounter e = new Encounter();
    e.setId("r-1");
    e.setStatus(Encounter.EncounterStatus.INPROGRESS);
    e.getClass_().setCode("AMB");
    e.setSubject(new Reference("Patient/p1"));
    e.setPeriod(new Period().setStartElement(new DateTimeType("2025-03-01T09:00:00Z")));
    return e;
  }

  static <T> T single(MappingOutcome outcome, Class<T> type) {
    assertThat(outcome.kind()).as("outcome %s", outcome).isEqualTo(Kind.CURATED);
    assertThat(outcome.facts()).hasSize(1);
    return type.cast(outcome.facts().get(0));
  }

  // ---- measurements -------------------------------------------------------------------------

  @Test
  void localLactateInMgPerDl_atItsSite_isCuratedAsLactateInMmolPerL() {
    MeasurementFact f =
        single(map(observation("99LAB", "LACT", "27", "mg/dL"), SITE), MeasurementFact.class);
    assertThat(f.variable()).isEqualTo("lactate");
    assertThat(f.unit()).isEqualTo("mmol/L");
    assertThat(f.value()).isEqualByComparingTo("2.9973");
    assertThat(f.originalValue()).isEqualByComparingTo("27");
    assertThat(f.originalUnit()).isEqualTo("mg/dL");
    // a local code has no LOINC twin: it stays as received
    assertThat(f.codings()).containsExactly(new Coding("99LAB", "LACT", null));
  }

  @Test
  void localLactateWithoutUnit_isReadInTheUnitTheSiteFileDeclares_andFlagged() {
    MeasurementFact f =
        single(map(observation("99LAB", "LACT", "27", null), SITE), MeasurementFact.class);
    assertThat(f.value()).isEqualByComparingTo("2.9973");
    assertThat(f.unit()).isEqualTo("mmol/L");
    assertThat(f.flags()).contains("unit-assumed");
  }

  @Test
  void builtInLactateWithoutUnit_isStillRejected() {
    MappingOutcome outcome = map(observation(LOINC, "2524-7", "2.1", null), SITE);
    assertThat(outcome.kind()).isEqualTo(Kind.REJECTED);
    assertThat(outcome.reasonCode()).isEqualTo("missing-unit");
  }

  @Test
  void theSameLocalCode_fromAnotherSite_isUnmapped() {
    MappingOutcome outcome = map(observation("99LAB", "LACT", "27", "mg/dL"), OTHER);
    assertThat(outcome.kind()).isEqualTo(Kind.UNMAPPED);
    assertThat(outcome.unmappedCodes()).containsExactly(new Coding("99LAB", "LACT", null));
  }

  @Test
  void builtInCodes_stillMap_atASiteWithAFile_andElsewhere() {
    for (String site : List.of(SITE, OTHER)) {
      MeasurementFact f =
          single(map(observation(LOINC, "14118-4", "27", "mg/dL"), site), MeasurementFact.class);
      assertThat(f.variable()).isEqualTo("lactate");
      assertThat(f.codings()).extracting(Coding::code).containsExactly("2524-7");
    }
  }

  @Test
  void aSiteRule_winsEvenWhenAnotherCodingHasABuiltInMapping() {
    // LOINC 8867-4 (heart rate) first, then the local lactate code: at the site, the local rule
    // wins
    Observation o = observation(LOINC, "8867-4", "27", "mg/dL");
    o.getCode().addCoding().setSystem("99LAB").setCode("LACT");
    assertThat(single(map(o, SITE), MeasurementFact.class).variable()).isEqualTo("lactate");
    // elsewhere only the built-in rule applies (and mg/dL is no heart-rate unit)
    assertThat(map(o, OTHER).kind()).isEqualTo(Kind.REJECTED);
  }

  // ---- devices ------------------------------------------------------------------------------

  @Test
  void localIabpCodes_insertAndRemove_atTheSiteOnly() {
    DeviceTherapyFact t =
        single(map(procedure("urn:site-local:proc", "IABP-IN"), SITE), DeviceTherapyFact.class);
    assertThat(t.device()).isEqualTo("iabp");
    DeviceRemovalFact r =
        single(map(procedure("urn:site-local:proc", "IABP-OUT"), SITE), DeviceRemovalFact.class);
    assertThat(r.device()).isEqualTo("iabp");
    assertThat(map(procedure("urn:site-local:proc", "IABP-IN"), OTHER).kind())
        .isEqualTo(Kind.UNMAPPED);
  }

  @Test
  void vadUnspecified_isImpellaAtTheSiteThatSaysSo_andStaysUnspecifiedElsewhere() {
    DeviceTherapyFact atSite =
        single(map(procedure(SNOMED, "232965003"), SITE), DeviceTherapyFact.class);
    assertThat(atSite.device()).isEqualTo("impella");
    assertThat(atSite.flags()).doesNotContain(MappingEngine.FLAG_NEEDS_REVIEW);

    DeviceTherapyFact elsewhere =
        single(map(procedure(SNOMED, "232965003"), OTHER), DeviceTherapyFact.class);
    assertThat(elsewhere.device()).isEqualTo("vad-unspecified");
    assertThat(elsewhere.flags()).contains(MappingEngine.FLAG_NEEDS_REVIEW);
  }

  // ---- diagnoses ----------------------------------------------------------------------------

  @Test
  void localDiagnosisCodes_andPrefixes_mapToCategories_atTheSiteOnly() {
    assertThat(
            single(map(condition("urn:site-local:dx", "CS"), SITE), DiagnosisFact.class).category())
        .isEqualTo("cardiogenic-shock");
    assertThat(
            single(map(condition("urn:site-local:dx", "MI.12"), SITE), DiagnosisFact.class)
                .category())
        .isEqualTo("acute-mi");
    assertThat(map(condition("urn:site-local:dx", "CS"), OTHER).kind()).isEqualTo(Kind.UNMAPPED);
  }

  @Test
  void aSiteMayReMapABuiltInDiagnosisCode_forItselfOnly() {
    String icd10cm = "http://hl7.org/fhir/sid/icd-10-cm";
    assertThat(single(map(condition(icd10cm, "I25.5"), SITE), DiagnosisFact.class).category())
        .isEqualTo("cardiomyopathy");
    assertThat(single(map(condition(icd10cm, "I25.5"), OTHER), DiagnosisFact.class).category())
        .isEqualTo("ischemic-cardiomyopathy");
  }

  // ---- intensive care -----------------------------------------------------------------------

  @Test
  void localEncounterType_marksIntensiveCare_atTheSiteOnly() {
    Encounter e = ambulatoryEncounter();
    e.addType(
        new CodeableConcept()
            .addCoding(new org.hl7.fhir.r4.model.Coding("urn:site-local:units", "CICU", null)));
    assertThat(single(map(e, SITE), EncounterFact.class).intensiveCare()).isTrue();
    assertThat(map(e, OTHER).kind()).isEqualTo(Kind.SKIPPED);
  }

  @Test
  void cicuLocation_byLocationId_orByIdentifier_marksIntensiveCare() {
    Encounter byId = ambulatoryEncounter();
    byId.addLocation().setLocation(new Reference("Location/cicu-west"));
    assertThat(single(map(byId, SITE), EncounterFact.class).intensiveCare()).isTrue();
    assertThat(map(byId, OTHER).kind()).isEqualTo(Kind.SKIPPED);

    Encounter byIdentifier = ambulatoryEncounter();
    byIdentifier
        .addLocation()
        .setLocation(
            new Reference()
                .setIdentifier(
                    new Identifier().setSystem("urn:site-local:locations").setValue("CICU")));
    assertThat(single(map(byIdentifier, SITE), EncounterFact.class).intensiveCare()).isTrue();

    Encounter ward = ambulatoryEncounter();
    ward.addLocation().setLocation(new Reference("Location/ward-3"));
    assertThat(map(ward, SITE).kind()).isEqualTo(Kind.SKIPPED);
  }

  @Test
  void builtInIntensiveCareTypes_stillCount_atASiteWithAFile() {
    Encounter e = ambulatoryEncounter();
    e.addType(
        new CodeableConcept().addCoding(new org.hl7.fhir.r4.model.Coding(ROLE_CODE, "CCU", null)));
    assertThat(single(map(e, SITE), EncounterFact.class).intensiveCare()).isTrue();
  }

  // ---- reload -------------------------------------------------------------------------------

  @Test
  void reload_swapsTheSiteRules_forTheNextResource() {
    Observation local = observation("99LAB", "LACT", "27", "mg/dL");
    assertThat(map(local, OTHER).kind()).isEqualTo(Kind.UNMAPPED);

    engine()
        .reload(
            withFile(
                OTHER,
                "measurements:\n  - { system: 99LAB, code: LACT, variable: lactate, unit: mg/dL }\n"));
    assertThat(single(map(local, OTHER), MeasurementFact.class).variable()).isEqualTo("lactate");
    // the new rule set has only the reloaded files: the first site's rules are gone
    assertThat(map(local, SITE).kind()).isEqualTo(Kind.UNMAPPED);
    assertThat(engine().rules().sites()).containsOnlyKeys(OTHER);
  }
}
