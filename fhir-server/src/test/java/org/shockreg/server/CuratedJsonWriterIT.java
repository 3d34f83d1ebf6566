package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.shockreg.server.crash.SourceChunks;
import org.shockreg.server.fhir.CuratedJsonEquivalence;
import org.shockreg.server.fhir.CuratedResourceMapper;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Bulk export's streaming writer against the search API's mapper encoded by HAPI, every curated
 * type row by row over the synthetic demo cohort (posted through {@code POST /ingest/{site}},
 * derivations and all) and hand-made rows of every curated variant the cohort may not hold: source
 * ranges, original quantities and comparators, flags, partial dates in a site's zone, derived
 * codes, booleans and quantities, eligibility components, focus and evidence, escaped text, tiny
 * decimals, old dates; procedures as a time or a period (open either end), diagnoses with and
 * without statuses, stays without status, class or end, patients deceased (date or flag) and with a
 * heart replacement. Same text and {@code equalsDeep} after parsing; rows HAPI would render
 * differently (a blank display) must be left to HAPI.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CuratedJsonWriterIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-json-0123456789";
  static final Path DATA_DIR = newDataDir();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, DATA_DIR);
    registerToken(registry, 0, TOKEN, "admin");
    registerHttpOnly(registry);
  }

  @Autowired JdbcTemplate jdbc;
  @Autowired DataSource dataSource;
  @Autowired CuratedResourceMapper mapper;

  @Test
  void streamedResources_areTheMappersResources() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "json-writer-");
    for (SourceChunks.Chunk chunk : SourceChunks.generate(20261205L, 6000, 3000, dir)) {
      HttpResponse<String> res =
          post("/ingest/" + chunk.site(), NDJSON, Files.readAllBytes(chunk.file()), TOKEN);
      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    }
    edgeRows();
    otherEdgeRows();

    for (CuratedJsonEquivalence.Type type : CuratedJsonEquivalence.Type.values()) {
      CuratedJsonEquivalence.Report report = CuratedJsonEquivalence.check(type, dataSource, mapper);

      assertThat(report.differences()).as(type.name()).isEmpty();
      assertThat(report.rows())
          .as(type.name())
          .isGreaterThan(type == CuratedJsonEquivalence.Type.OBSERVATION ? 1000 : 20);
      assertThat(report.notCovered())
          .as(type.name())
          .containsExactlyInAnyOrderElementsOf(
              switch (type) {
                case OBSERVATION -> List.of("m-edge-blank-display", "m-edge-blank-flag");
                case ENCOUNTER -> List.of("e-edge-blank-type");
                default -> List.of();
              });
    }
    assertThat(jdbc.queryForObject("SELECT count(*) FROM derived_fact", Long.class))
        .isGreaterThan(20);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM patient WHERE deceased_at IS NOT NULL", Long.class))
        .isPositive();
  }

  /**
   * One patient (Paris site, for partial dates) with a stay and an episode, and the variant rows.
   */
  void edgeRows() {
    String site = "demo-paris";
    jdbc.update(
        "INSERT INTO patient (patient_id, site_id, sex, birth_year) VALUES ('p-edge', ?, 'female', 1950)",
        site);
    jdbc.update(
        "INSERT INTO encounter (encounter_id, patient_id, site_id, status, encounter_class, period_start,"
            + " period_end, source_type, source_id) VALUES ('e-edge', 'p-edge', ?, 'finished', 'IMP',"
            + " '2025-03-01T00:00:00Z', '2025-03-20T00:00:00Z', 'Encounter', 'e-edge')",
        site);
    jdbc.update(
        "INSERT INTO shock_episode (episode_id, patient_id, site_id, encounter_id, shock_diagnosis_at,"
            + " window_start, window_end) VALUES ('ep-edge', 'p-edge', ?, 'e-edge', '2025-03-02T00:00:00Z',"
            + " '2025-03-01T00:00:00Z', '2025-03-20T00:00:00Z')",
        site);
    measurement(
        "m-edge-range",
        "lactate",
        "final",
        "2025-03-02T10:15:42.5Z",
        null,
        "4.20",
        "mmol/L",
        "<",
        "0.5",
        "2.2",
        "37.8",
        "mg/dL",
        ">=",
        "[{\"system\":\"http://loinc.org\",\"code\":\"2524-7\",\"display\":\"Lactate \\\"whole\\\" blood \\u00b5 \\t tab\"}]",
        "{questionable,late}");
    measurement(
        "m-edge-high-only",
        "hr",
        "preliminary",
        "2025-03-02T11:00:00Z",
        "minute",
        "0.00000012",
        null,
        null,
        null,
        "100",
        null,
        null,
        null,
        "[]",
        "{}");
    measurement(
        "m-edge-year",
        "sbp",
        "amended",
        "2025-01-01T00:00:00+01:00",
        "year",
        "-3.50",
        "mm[Hg]",
        null,
        null,
        null,
        "120",
        null,
        null,
        "[{\"code\":\"local-1\"}]",
        "{}");
    measurement(
        "m-edge-month",
        "sbp",
        "final",
        "2025-03-01T00:00:00+01:00",
        "month",
        "100",
        "mm[Hg]",
        null,
        null,
        null,
        null,
        null,
        null,
        "[{\"system\":\"urn:local\",\"code\":\"x\",\"display\":\"X\"},{\"system\":\"http://loinc.org\",\"code\":\"8480-6\"}]",
        "{}");
    measurement(
        "m-edge-day",
        "map",
        "final",
        "2025-03-01T23:30:00Z",
        "day",
        "65",
        "mm[Hg]",
        null,
        null,
        null,
        null,
        null,
        null,
        "[]",
        "{}");
    measurement(
        "m-edge-unknown-variable",
        "not-a-variable",
        "final",
        "1850-06-01T12:00:00Z",
        null,
        "1",
        "1",
        null,
        null,
        null,
        null,
        null,
        null,
        "[]",
        "{}");
    measurement(
        "m-edge-no-time",
        "creatinine",
        "final",
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        "[]",
        "{}");
    measurement(
        "m-edge-blank-display",
        "hr",
        "final",
        "2025-03-02T12:00:00Z",
        null,
        "80",
        "/min",
        null,
        null,
        null,
        null,
        null,
        null,
        "[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\",\"display\":\" \"}]",
        "{}");
    measurement(
        "m-edge-blank-flag",
        "hr",
        "final",
        "2025-03-02T12:05:00Z",
        null,
        "81",
        "/min",
        null,
        null,
        null,
        null,
        null,
        null,
        "[]",
        "{\"\"}");
    fact(
        "f-edge-eligibility",
        "ep-edge",
        "eligibility",
        "eligibility",
        "eligible",
        null,
        null,
        null,
        "[\"Observation/m-edge-range\",\"Observation/m-edge-day\"]",
        "[{\"key\":\"age\",\"status\":\"met\",\"evidence\":[\"Patient/p-edge\"]},"
            + "{\"key\":\"window\",\"start\":\"2025-03-01T10:00:00Z\",\"end\":\"2025-03-02T10:00:00.250Z\"},"
            + "{\"key\":\"lactate\",\"status\":\"not-met\",\"evidence\":[]}]",
        "ResearchSubject/rs-edge",
        "{late}");
    // repeated members (the last counts), members the mapper ignores, evidence that is not a list
    fact(
        "f-edge-eligibility-odd",
        null,
        "eligibility",
        "eligibility",
        "not-eligible",
        null,
        null,
        null,
        "[]",
        "[{\"key\":\"a\",\"status\":\"met\",\"note\":{\"x\":[1,{\"y\":2}]},\"evidence\":\"Observation/x\"},"
            + "{\"key\":\"b\",\"status\":null,\"start\":\"2025-03-01T10:00:00Z\",\"end\":\"2025-03-01T12:00:00Z\","
            + "\"key\":\"b2\",\"evidence\":[\"Observation/m-edge-day\"],\"evidence\":[]},"
            + "{\"key\":\"c\",\"start\":\"2025-03-01T10:00:00Z\",\"end\":null},{}]",
        "ResearchSubject/rs-edge-2",
        "{}");
    fact(
        "f-edge-etiology",
        "ep-edge",
        "cs-etiology",
        "cs-etiology",
        "ami",
        null,
        null,
        null,
        "[]",
        null,
        null,
        "{}");
    fact(
        "f-edge-scai",
        "ep-edge",
        "scai-stage-at-diagnosis",
        "scai-stage",
        "C",
        null,
        null,
        null,
        "[\"Observation/m-edge-range\"]",
        null,
        null,
        "{}");
    fact(
        "f-edge-ischemic",
        "ep-edge",
        "hf-cs-ischemic",
        "hf-cs-ischemic",
        null,
        false,
        null,
        null,
        "[]",
        null,
        null,
        "{}");
    fact(
        "f-edge-hours",
        null,
        "hours-diagnosis-to-randomization",
        "hours-diagnosis-to-randomization",
        null,
        null,
        "5.50",
        "h",
        "[]",
        null,
        "ResearchSubject/rs-edge",
        "{}");
    fact(
        "f-edge-unknown",
        "ep-edge",
        "something-new",
        "something-new",
        "code-1",
        null,
        null,
        null,
        "[]",
        null,
        null,
        "{}");
  }

  /** Procedures, diagnoses, stays and patients in the shapes the cohort may not hold. */
  void otherEdgeRows() {
    String site = "demo-paris";
    jdbc.update(
        "INSERT INTO patient (patient_id, site_id, sex, birth_year, deceased, deceased_at, deceased_precision)"
            + " VALUES ('p-edge-dead', ?, 'male', 1941, true, '2025-03-01T00:00:00+01:00', 'month'),"
            + " ('p-edge-alive', ?, 'other', NULL, false, NULL, NULL), ('p-edge-unknown', ?, NULL, NULL, true, NULL, NULL)",
        site,
        site,
        site);
    device(
        "d-edge-lvad",
        "p-edge",
        "durable-lvad",
        "completed",
        "2025-03-05T00:00:00+01:00",
        "day",
        null,
        null,
        null,
        null,
        "[{\"system\":\"http://snomed.info/sct\",\"code\":\"232967006\",\"display\":\"LVAD \\\"HeartMate\\\"\"}]",
        "{late}");
    device(
        "d-edge-performed",
        "p-edge-dead",
        "heart-transplant",
        "completed",
        null,
        null,
        null,
        null,
        "2025-02-01T00:00:00+01:00",
        "year",
        "[]",
        "{}");
    device(
        "d-edge-ended",
        "p-edge-alive",
        "impella",
        "in-progress",
        null,
        null,
        "2025-03-03T12:00:00Z",
        "minute",
        "2025-03-02T12:00:00Z",
        null,
        "[]",
        "{}");
    device(
        "d-edge-none",
        "p-edge-alive",
        "not-a-device",
        "unknown",
        null,
        null,
        null,
        null,
        null,
        null,
        "[]",
        "{}");
    jdbc.update(
        "INSERT INTO diagnosis (condition_id, patient_id, site_id, category, clinical_status, verification_status,"
            + " onset_at, onset_precision, recorded_at, recorded_precision, abated_at, abated_precision, codings,"
            + " flags, source_type, source_id) VALUES"
            + " ('c-edge-1', 'p-edge', ?, 'ami', 'active', 'confirmed', '2025-01-01T00:00:00+01:00', 'year',"
            + " '2025-03-02T10:00:00Z', NULL, '2025-03-10T00:00:00+01:00', 'day',"
            + " '[{\"system\":\"http://hl7.org/fhir/sid/icd-10\",\"code\":\"I21.0\"}]', '{questionable}', 'Condition', 'c-edge-1'),"
            + " ('c-edge-2', 'p-edge', ?, 'not-a-category', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '[]', '{}',"
            + " 'Condition', 'c-edge-2')",
        site,
        site);
    jdbc.update(
        "INSERT INTO encounter (encounter_id, patient_id, site_id, status, encounter_class, period_start,"
            + " period_start_precision, period_end, types, flags, source_type, source_id) VALUES"
            + " ('e-edge-open', 'p-edge-alive', ?, NULL, NULL, '2025-03-01T00:00:00+01:00', 'day', NULL,"
            + " '[{\"system\":\"urn:local\",\"code\":\"cicu\",\"display\":\"CICU\"},{\"code\":\"x\"}]', '{late}',"
            + " 'Encounter', 'e-edge-open'),"
            + " ('e-edge-none', 'p-edge-alive', ?, 'in-progress', 'EMER', NULL, NULL, NULL, '[]', '{}', 'Encounter', 'e-edge-none'),"
            + " ('e-edge-blank-type', 'p-edge-alive', ?, 'finished', 'IMP', NULL, NULL, '2025-03-09T00:00:00Z',"
            + " '[{\"code\":\"\"}]', '{}', 'Encounter', 'e-edge-blank-type')",
        site,
        site,
        site);
  }

  void device(
      String id,
      String patient,
      String device,
      String status,
      String started,
      String startedPrecision,
      String ended,
      String endedPrecision,
      String performed,
      String performedPrecision,
      String codings,
      String flags) {
    jdbc.update(
        "INSERT INTO device_therapy (procedure_id, patient_id, site_id, device, status, started_at, started_precision,"
            + " ended_at, ended_precision, performed_at, performed_precision, codings, flags, source_type, source_id)"
            + " VALUES (?, ?, 'demo-paris', ?, ?, ?::timestamptz, ?, ?::timestamptz, ?, ?::timestamptz, ?, ?::jsonb,"
            + " ?::text[], 'Procedure', ?)",
        id,
        patient,
        device,
        status,
        started,
        startedPrecision,
        ended,
        endedPrecision,
        performed,
        performedPrecision,
        codings == null ? "[]" : codings,
        flags,
        id);
  }

  void measurement(
      String id,
      String variable,
      String status,
      String at,
      String precision,
      String value,
      String unit,
      String comparator,
      String low,
      String high,
      String original,
      String originalUnit,
      String originalComparator,
      String codings,
      String flags) {
    jdbc.update(
        "INSERT INTO measurement (observation_id, patient_id, site_id, variable, status, effective_at,"
            + " effective_precision, value, unit, comparator, range_low, range_high, original_value,"
            + " original_unit, original_comparator, codings, flags, source_type, source_id)"
            + " VALUES (?, 'p-edge', 'demo-paris', ?, ?, ?::timestamptz, ?, ?::numeric, ?, ?, ?::numeric,"
            + " ?::numeric, ?::numeric, ?, ?, ?::jsonb, ?::text[], 'Observation', ?)",
        id,
        variable,
        status,
        at,
        precision,
        value,
        unit,
        comparator,
        low,
        high,
        original,
        originalUnit,
        originalComparator,
        codings,
        flags,
        id);
  }

  void fact(
      String id,
      String episode,
      String kind,
      String variable,
      String code,
      Boolean bool,
      String number,
      String unit,
      String evidence,
      String detail,
      String focus,
      String flags) {
    jdbc.update(
        "INSERT INTO derived_fact (fact_id, episode_id, patient_id, site_id, kind, variable, value_code,"
            + " value_boolean, value_number, unit, effective_at, evidence, detail, focus, flags)"
            + " VALUES (?, ?, 'p-edge', 'demo-paris', ?, ?, ?, ?, ?::numeric, ?, '2025-03-02T09:00:00Z', ?::jsonb,"
            + " ?::jsonb, ?, ?::text[])",
        id,
        episode,
        kind,
        variable,
        code,
        bool,
        number,
        unit,
        evidence,
        detail,
        focus,
        flags);
  }
}
