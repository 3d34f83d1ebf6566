package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A lab feed with Observations for patients never seen, and an ADT feed with those Patients (with
 * record numbers, so their pseudonym is not their logical id's), posted at the same time, again
 * and again: every patient ends up as one curated patient with all its facts, never split between
 * the logical id's pseudonym and the record number's.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PatientRaceIT {

  static final String TOKEN = "it-race-admin-0123456789";
  static final String SITE = "race-site";
  static final int ROUNDS = 12;
  static final int PATIENTS = 40;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.register(registry);
    registry.add("shockreg.data-dir", SourceVersionsIT::dataDir);
    registry.add("shockreg.security.tokens[0].token", () -> TOKEN);
    registry.add("shockreg.security.tokens[0].role", () -> "admin");
    registry.add("shockreg.mllp.port", () -> "-1");
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  final HttpClient http = HttpClient.newHttpClient();

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
    Integer split = jdbc.queryForObject(
        "SELECT count(*) FROM patient_source_link l JOIN measurement m ON m.site_id = l.site_id"
            + " AND m.source_id = l.source_patient_id || '-hr' WHERE l.site_id = ? AND m.patient_id <> l.patient_id",
        Integer.class, SITE);
    assertThat(split).isZero();
    assertThat(jdbc.queryForObject("SELECT count(*) FROM patient WHERE site_id = ?", Integer.class, SITE))
        .isEqualTo(ROUNDS * PATIENTS);
    assertThat(jdbc.queryForObject("SELECT count(*) FROM measurement WHERE site_id = ?", Integer.class, SITE))
        .isEqualTo(ROUNDS * PATIENTS);
  }

  Void post(CyclicBarrier start, String ndjson) throws Exception {
    start.await();
    HttpResponse<String> res =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ingest/" + SITE))
                .header("Content-Type", "application/fhir+ndjson")
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(ndjson, StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.body()).contains("\"rejected\"");
    return null;
  }
}
