package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A lab feed with Observations for patients never seen, and an ADT feed with those Patients (with
 * record numbers, so their pseudonym is not their logical id's), posted at the same time, again and
 * again: every patient ends up as one curated patient with all its facts, never split between the
 * logical id's pseudonym and the record number's. And two versions of the same resources posted at
 * once: the newer version is curated whichever commits last.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PatientRaceIT extends IntegrationTestSupport {

  static final String TOKEN = "it-race-admin-0123456789";
  static final String SITE = "race-site";
  static final int ROUNDS = 12;
  static final int PATIENTS = 40;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, newDataDir("it-versions-"));
    registerToken(registry, 0, TOKEN, "admin");
    registry.add("shockreg.mllp.port", () -> "-1");
  }

  @Autowired JdbcTemplate jdbc;

  @Test
  void patientsAndTheirFacts_inTwoConcurrentBodies_neverSplit() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        StringBuilder labs = new StringBuilder();
        StringBuilder adt = new StringBuilder();
        for (int i = 0; i < PATIENTS; i++) {
          String p = "r" + round + "-p" + i;
          labs.append(PatientMergeIT.heartRate(p + "-hr", p, 60 + i));
          adt.append(PatientMergeIT.patient(p, "MRN-" + p, "female", "1960", null, null));
        }
        CyclicBarrier start = new CyclicBarrier(2);
        Future<?> a = pool.submit(() -> post(start, labs.toString()));
        Future<?> b = pool.submit(() -> post(start, adt.toString()));
        a.get();
        b.get();
      }
    } finally {
      pool.shutdownNow();
    }
    // each source patient: its link, its Patient row and its heart rate all under one id
    Integer split =
        jdbc.queryForObject(
            "SELECT count(*) FROM patient_source_link l JOIN measurement m ON m.site_id = l.site_id"
                + " AND m.source_id = l.source_patient_id || '-hr' WHERE l.site_id = ? AND m.patient_id <> l.patient_id",
            Integer.class,
            SITE);
    assertThat(split).isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM patient WHERE site_id = ?", Integer.class, SITE))
        .isEqualTo(ROUNDS * PATIENTS);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM measurement WHERE site_id = ?", Integer.class, SITE))
        .isEqualTo(ROUNDS * PATIENTS);
  }

  @Test
  void twoVersionsOfOneResource_inTwoConcurrentBodies_theNewerWins() throws Exception {
    String site = "race-versions";
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        // new resources (no head yet) and resources whose v1 is stored: v3 and v2 race
        StringBuilder stored = new StringBuilder();
        StringBuilder newer = new StringBuilder();
        StringBuilder older = new StringBuilder();
        for (int i = 0; i < PATIENTS; i++) {
          String fresh = "v" + round + "-new-" + i;
          String seen = "v" + round + "-old-" + i;
          stored.append(lvef(seen, "1", 10));
          newer.append(lvef(fresh, "3", 33)).append(lvef(seen, "3", 33));
          older.append(lvef(fresh, "2", 22)).append(lvef(seen, "2", 22));
        }
        post(site, new CyclicBarrier(1), stored.toString());
        CyclicBarrier start = new CyclicBarrier(2);
        Future<?> a = pool.submit(() -> post(site, start, newer.toString()));
        Future<?> b = pool.submit(() -> post(site, start, older.toString()));
        a.get();
        b.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(
            jdbc.queryForList(
                "SELECT DISTINCT value::int FROM measurement WHERE site_id = ? AND variable = 'lvef'",
                Integer.class,
                site))
        .containsExactly(33);
    assertThat(
            jdbc.queryForList(
                "SELECT DISTINCT version_id FROM source_resource_head WHERE site_id = ? AND resource_type = 'Observation'",
                String.class,
                site))
        .containsExactly("3");
  }

  static String lvef(String id, String version, int percent) {
    return "{\"resourceType\":\"Observation\",\"id\":\""
        + id
        + "\",\"meta\":{\"versionId\":\""
        + version
        + "\"},"
        + "\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"10230-1\"}]},"
        + "\"subject\":{\"reference\":\"Patient/pv\"},\"effectiveDateTime\":\"2025-04-01T08:00:00Z\","
        + "\"valueQuantity\":{\"value\":"
        + percent
        + ",\"unit\":\"%\"}}\n";
  }

  Void post(CyclicBarrier start, String ndjson) throws Exception {
    return post(SITE, start, ndjson);
  }

  Void post(String site, CyclicBarrier start, String ndjson) throws Exception {
    start.await();
    HttpResponse<String> res = post("/ingest/" + site, NDJSON, ndjson, TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.body()).contains("\"rejected\"");
    return null;
  }
}
