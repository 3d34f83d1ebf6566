package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Parameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.server.fhir.RegistryCodeSystems;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Observation counts on source codes over real HTTP on a real PostgreSQL ({@code _summary=count} is
 * answered from the {@code measurement_coding} keys, issue 15): for {@code system|code}, a
 * system-less {@code code} and a LOINC code shared with other data, the count equals the rows the
 * search pages through and the rows whose jsonb codings hold the code, and the keys equal the
 * codings of every measurement, after a first post, a correction replacing a coding, a retraction
 * and a patient merge. Every test uses a site and local codes of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SourceCodeCountIT extends IntegrationTestSupport {

  static final String TOKEN = "it-count-admin-0123456789";
  static final String LOCAL = "urn:it-count:lab";
  static final String LOINC = "http://loinc.org";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, newDataDir("it-count-"));
    registerToken(registry, 0, TOKEN, "admin");
    registerHttpOnly(registry);
    registry.add("shockreg.fhir.code-tally-compaction-interval", () -> "1s");
  }

  @Autowired JdbcTemplate jdbc;

  @Test
  void countsOfEveryTokenForm_followPostsCorrectionsAndRetractions() throws Exception {
    String site = "count-a";
    post(
        site,
        patient("p1")
            + lactate("lac-1", "p1", "cnt-lac-a", 2.1)
            + lactate("lac-2", "p1", "cnt-lac-a", 2.4)
            + lactate("lac-3", "p1", "cnt-lac-a", 3.0));
    assertCounts("cnt-lac-a", 3);
    assertCounts("cnt-lac-b", 0);

    // a corrected version of lac-2 carries another local code: the old key goes, the new one comes
    post(site, lactate("lac-2", "p1", "cnt-lac-b", 2.5).replace("\"final\"", "\"amended\""));
    assertCounts("cnt-lac-a", 2);
    assertCounts("cnt-lac-b", 1);

    // lac-1 retracted: its measurement and its keys go
    post(
        site,
        lactate("lac-1", "p1", "cnt-lac-a", 2.1).replace("\"final\"", "\"entered-in-error\""));
    assertCounts("cnt-lac-a", 1);
    assertCounts("cnt-lac-b", 1);
    assertKeysMatchCodings();
    assertTallyMatchesRows();
  }

  @Test
  void aPatientMerge_keepsTheCounts_andTheSurvivorsSearch() throws Exception {
    String site = "count-b";
    post(
        site,
        patient("old")
            + patient("new")
            + lactate("o-lac-1", "old", "cnt-lac-m", 2.0)
            + lactate("o-lac-2", "old", "cnt-lac-m", 2.2)
            + lactate("n-lac-1", "new", "cnt-lac-m", 1.9));
    assertCounts("cnt-lac-m", 3);
    String survivor = curated(site, "new");

    Parameters merged =
        post(
            site,
            patient("old")
                .replace(
                    "\"gender\"",
                    "\"link\":[{\"other\":{\"reference\":\"Patient/new\"},\"type\":\"replaced-by\"}],"
                        + "\"gender\""));
    assertThat(count(merged, "rejected")).isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM measurement WHERE patient_id = ?", Integer.class, survivor))
        .isEqualTo(3);
    assertCounts("cnt-lac-m", 3);
    assertThat(
            total(
                "/fhir/Observation?patient="
                    + survivor
                    + "&code="
                    + enc(LOCAL + "|cnt-lac-m")
                    + "&_summary=count"))
        .isEqualTo(3);
    assertKeysMatchCodings();
    assertTallyMatchesRows();
  }

  @Test
  void registryVariableCounts_ofMeasurementsAndDerivedFacts_matchThePages() throws Exception {
    // the README's ICU stay: measurements and derived facts (etiology, SCAI stage, ...)
    post("count-d", Files.readString(Path.of("../docs/examples/icu-stay.ndjson")));
    List<String> derived =
        jdbc.queryForList(
            "SELECT DISTINCT variable FROM derived_fact WHERE site_id = 'count-d'", String.class);
    assertThat(derived).isNotEmpty();
    List<String> variables =
        jdbc.queryForList(
            "SELECT DISTINCT variable FROM curated_observation WHERE site_id = 'count-d'",
            String.class);
    assertThat(variables).hasSizeGreaterThan(derived.size());
    for (String v : variables) {
      String registry = "code=" + enc(RegistryCodeSystems.REGISTRY_VARIABLE + "|" + v);
      int rows =
          jdbc.queryForObject(
              "SELECT count(*) FROM curated_observation WHERE variable = ?", Integer.class, v);
      assertThat(rows).isPositive();
      assertThat(total("/fhir/Observation?" + registry + "&_summary=count"))
          .as(v)
          .isEqualTo(rows)
          .isEqualTo(entries("/fhir/Observation?" + registry + "&_count=50"));
      assertThat(total("/fhir/Observation?code=" + enc(v) + "&_summary=count"))
          .as(v)
          .isEqualTo(
              jdbc.queryForObject(
                  "SELECT count(*) FROM curated_observation WHERE variable = ?"
                      + " OR codings @> CAST(? AS jsonb)",
                  Integer.class,
                  v,
                  "[{\"code\":\"" + v + "\"}]"))
          .isEqualTo(entries("/fhir/Observation?code=" + enc(v) + "&_count=50"));
    }
    assertTallyMatchesRows();
  }

  @Test
  void theServerFoldsTheDeltas_andCountsStayExactMeanwhile() throws Exception {
    String site = "count-e";
    for (int i = 0; i < 5; i++) {
      post(site, patient("f" + i) + lactate("f-lac-" + i, "f" + i, "cnt-lac-f", 2.0 + i));
      assertThat(total("/fhir/Observation?code=" + enc(LOCAL + "|cnt-lac-f") + "&_summary=count"))
          .isEqualTo(i + 1);
    }
    // folded by the server's scheduled compaction alone (interval 1 s in this test)
    await().atMost(Duration.ofSeconds(30)).until(this::folded);
    assertCounts("cnt-lac-f", 5);
    assertTallyMatchesRowsOnce();
  }

  @Test
  void keysFollowEveryKindOfWrite_madeDirectlyInSql() {
    // the triggers, not the intake code, keep the keys: any statement on measurement is covered
    String site = "count-c";
    jdbc.update(
        "INSERT INTO site (site_id, origin) VALUES (?, 'test') ON CONFLICT DO NOTHING", site);
    jdbc.update(
        "INSERT INTO patient (patient_id, site_id) VALUES ('cnt-sql-p', ?) ON CONFLICT DO NOTHING",
        site);
    jdbc.update(
        "INSERT INTO measurement (observation_id, patient_id, site_id, variable, status, codings,"
            + " source_type, source_id) SELECT 'cnt-sql-' || i, 'cnt-sql-p', ?, 'lactate', 'final',"
            + " CAST(? AS jsonb), 'Observation', 'cnt-sql-' || i FROM generate_series(1, 3) i",
        site,
        "[{\"system\":\"urn:a\",\"code\":\"k1\"},{\"system\":\"urn:b\",\"code\":\"k1\"},"
            + "{\"code\":\"k2\"},{\"system\":\"urn:a\",\"code\":\"k1\"},{\"system\":7,\"code\":\"k3\"},"
            + "{\"system\":\"urn:a\",\"code\":9}]");
    assertKeysMatchCodings();
    assertTallyMatchesRows();
    assertThat(keys("cnt-sql-1")).containsExactlyInAnyOrder("k1|urn:a", "k1|urn:b", "k2|", "k3|");
    jdbc.update(
        "UPDATE measurement SET codings = '[{\"system\":\"urn:a\",\"code\":\"k4\"}]'"
            + " WHERE observation_id = 'cnt-sql-1'");
    jdbc.update("UPDATE measurement SET value = 2 WHERE observation_id = 'cnt-sql-2'");
    jdbc.update(
        "INSERT INTO measurement (observation_id, patient_id, site_id, variable, status, codings,"
            + " source_type, source_id) VALUES ('cnt-sql-3', 'cnt-sql-p', ?, 'lactate', 'final',"
            + " '[]', 'Observation', 'cnt-sql-3') ON CONFLICT (observation_id) DO UPDATE"
            + " SET codings = EXCLUDED.codings",
        site);
    assertThat(keys("cnt-sql-1")).containsExactly("k4|urn:a");
    assertThat(keys("cnt-sql-2")).hasSize(4);
    assertThat(keys("cnt-sql-3")).isEmpty();
    jdbc.update("DELETE FROM measurement WHERE observation_id = 'cnt-sql-2'");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM measurement_coding WHERE code = 'k1'", Integer.class))
        .isZero();
    assertKeysMatchCodings();
    assertTallyMatchesRows();
    jdbc.update("DELETE FROM measurement WHERE site_id = ?", site);
    assertKeysMatchCodings();
    assertTallyMatchesRows();
    // derived facts: insert, a changed variable, an unchanged upsert, delete
    jdbc.update(
        "INSERT INTO derived_fact (fact_id, patient_id, site_id, kind, variable) SELECT"
            + " 'cnt-df-' || i, 'cnt-sql-p', ?, 'k' || i, 'cnt-var-a' FROM generate_series(1, 3) i",
        site);
    assertTallyMatchesRows();
    jdbc.update("UPDATE derived_fact SET variable = 'cnt-var-b' WHERE fact_id = 'cnt-df-1'");
    jdbc.update("UPDATE derived_fact SET value_code = 'x' WHERE fact_id = 'cnt-df-2'");
    jdbc.update("UPDATE derived_fact SET variable = NULL WHERE fact_id = 'cnt-df-3'");
    assertTallyMatchesRows();
    assertThat(tally("d", "cnt-var-a")).isEqualTo(1);
    assertThat(tally("d", "cnt-var-b")).isEqualTo(1);
    jdbc.update("DELETE FROM derived_fact WHERE site_id = ?", site);
    assertTallyMatchesRows();
    assertThat(tally("d", "cnt-var-a")).isZero();
  }

  long tally(String kind, String code) {
    return jdbc.queryForObject(
        "SELECT COALESCE(sum(n), 0) FROM observation_code_tally WHERE key_kind = ? AND code = ?",
        Long.class,
        kind,
        code);
  }

  // ---- checks ---------------------------------------------------------------------------------

  /**
   * {@code _summary=count} of the local {@code system|code}, of the bare code and of LOINC lactate:
   * the expected number, the number of entries the search pages through, and the rows whose codings
   * hold it (the definition the count must keep).
   */
  void assertCounts(String localCode, int expected) throws Exception {
    String withSystem = "code=" + enc(LOCAL + "|" + localCode);
    String bare = "code=" + enc(localCode);
    assertThat(total("/fhir/Observation?" + withSystem + "&_summary=count")).isEqualTo(expected);
    assertThat(total("/fhir/Observation?" + bare + "&_summary=count")).isEqualTo(expected);
    assertThat(total("/fhir/Observation?" + withSystem + "&_total=accurate")).isEqualTo(expected);
    assertThat(entries("/fhir/Observation?" + withSystem + "&_count=2")).isEqualTo(expected);
    assertThat(entries("/fhir/Observation?" + bare + "&_count=2")).isEqualTo(expected);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM measurement WHERE codings @> CAST(? AS jsonb)",
                Integer.class,
                "[{\"system\":\"" + LOINC + "\",\"code\":\"2524-7\"}]"))
        .isEqualTo(total("/fhir/Observation?code=" + enc(LOINC + "|2524-7") + "&_summary=count"))
        .isEqualTo(entries("/fhir/Observation?code=" + enc(LOINC + "|2524-7") + "&_count=50"));
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM curated_observation WHERE variable = '2524-7'"
                    + " OR codings @> '[{\"code\":\"2524-7\"}]'",
                Integer.class))
        .isEqualTo(total("/fhir/Observation?code=2524-7&_summary=count"));
  }

  /**
   * The count deltas sum, per key, to the rows that hold the key, counted from measurement and
   * derived_fact directly (every key with rows; no key without); and after folding they still do,
   * one row per key.
   */
  void assertTallyMatchesRows() {
    assertTallyMatchesRowsOnce();
    // the server's own compaction (every second here) may hold the fold: then it folds
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              jdbc.queryForObject("SELECT observation_code_tally_compact()", Long.class);
              return folded();
            });
    assertTallyMatchesRowsOnce();
  }

  /** One row per key: nothing left to fold. */
  boolean folded() {
    return jdbc.queryForObject(
        "SELECT count(*) = count(DISTINCT (key_kind, code, system)) FROM observation_code_tally",
        Boolean.class);
  }

  private void assertTallyMatchesRowsOnce() {
    // written out without the key function the triggers use, from the search's own definitions
    String expected =
        "SELECT 's' AS key_kind, code, system, count(*) AS n FROM measurement_coding"
            + " GROUP BY code, system"
            + " UNION ALL SELECT 'b', c, '', count(*) FROM (SELECT DISTINCT m.row_id, c"
            + "   FROM measurement m CROSS JOIN LATERAL (SELECT m.variable UNION ALL"
            + "   SELECT e ->> 'code' FROM jsonb_array_elements(m.codings) e"
            + "   WHERE jsonb_typeof(e -> 'code') = 'string') AS u(c)) AS b GROUP BY c"
            + " UNION ALL SELECT 'm', variable, '', count(*) FROM measurement GROUP BY variable"
            + " UNION ALL SELECT 'd', variable, '', count(*) FROM derived_fact"
            + "   WHERE variable IS NOT NULL GROUP BY variable";
    String actual =
        "SELECT key_kind, code, system, sum(n) FROM observation_code_tally"
            + " GROUP BY key_kind, code, system HAVING sum(n) <> 0";
    assertThat(
            jdbc.queryForList(
                "(("
                    + expected
                    + ") EXCEPT ("
                    + actual
                    + ")) UNION ALL (("
                    + actual
                    + ") EXCEPT ("
                    + expected
                    + "))"))
        .as("tally keys whose sum differs from the rows")
        .isEmpty();
  }

  /** The keys are exactly the codings of every measurement (nothing missing, nothing stale). */
  void assertKeysMatchCodings() {
    String expected =
        "SELECT k.code, m.row_id, k.system FROM measurement m"
            + " CROSS JOIN LATERAL measurement_coding_keys(m.codings) k";
    String actual = "SELECT code, row_id, system FROM measurement_coding";
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM (("
                    + expected
                    + " EXCEPT "
                    + actual
                    + ") UNION ALL ("
                    + actual
                    + " EXCEPT ALL "
                    + expected
                    + ")) AS difference",
                Integer.class))
        .isZero();
  }

  List<String> keys(String observationId) {
    return jdbc.queryForList(
        "SELECT k.code || '|' || k.system FROM measurement_coding k JOIN measurement m"
            + " USING (row_id) WHERE m.observation_id = ?",
        String.class,
        observationId);
  }

  int total(String path) throws Exception {
    HttpResponse<String> res = get(path, TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return fhir.newJsonParser().parseResource(Bundle.class, res.body()).getTotal();
  }

  /** The entries of every page, following next links. */
  int entries(String path) throws Exception {
    int n = 0;
    String next = path;
    while (next != null) {
      HttpResponse<String> res = get(next, TOKEN);
      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      Bundle page = fhir.newJsonParser().parseResource(Bundle.class, res.body());
      n += page.getEntry().size();
      next =
          page.getLink(Bundle.LINK_NEXT) == null ? null : page.getLink(Bundle.LINK_NEXT).getUrl();
    }
    return n;
  }

  // ---- fixtures -------------------------------------------------------------------------------

  static String patient(String id) {
    return "{\"resourceType\":\"Patient\",\"id\":\""
        + id
        + "\",\"identifier\":[{\"system\":\"urn:mrn\",\"value\":\"CNT-"
        + id
        + "\"}],\"gender\":\"female\",\"birthDate\":\"1950-04-04\"}\n";
  }

  /** A lactate coded in LOINC and in the site's own system ({@code localCode}). */
  static String lactate(String id, String patient, String localCode, double value) {
    return "{\"resourceType\":\"Observation\",\"id\":\""
        + id
        + "\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\""
        + LOINC
        + "\",\"code\":\"2524-7\"},{\"system\":\""
        + LOCAL
        + "\",\"code\":\""
        + localCode
        + "\"}]},\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},\"effectiveDateTime\":\"2025-06-01T08:00:00Z\",\"valueQuantity\":{\"value\":"
        + value
        + ",\"unit\":\"mmol/L\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mmol/L\"}}\n";
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  String curated(String site, String sourcePatient) {
    return jdbc.queryForObject(
        "SELECT patient_id FROM patient_source_link WHERE site_id = ? AND source_patient_id = ?",
        String.class,
        site,
        sourcePatient);
  }

  Parameters post(String site, String ndjson) throws Exception {
    HttpResponse<String> res = post("/ingest/" + site, NDJSON, ndjson, TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return parameters(res);
  }
}
