package org.shockreg.server.trial;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.mappings.derive.EpisodeRecomputation;
import org.shockreg.registry.testing.TestDatabase;
import org.shockreg.server.IntegrationTestSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * An ADT-like feed (stays, diagnoses) and a lab feed for the same patients, posted at the same time
 * in opposite patient order: every body is taken in (deadlocks retried), and the derived facts and
 * trial subjects afterwards are exactly what deriving from the committed data gives, so neither
 * feed's recomputation lost the other's facts.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentFeedsIT {

  static final String TOKEN = "it-concurrent-admin-0123456789";
  static final String SITE = "concurrent-site";
  static final Instant T0 = Instant.parse("2025-06-02T10:00:00Z");
  static final int ROUNDS = 6;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.register(registry);
    registry.add(
        "shockreg.data-dir", () -> IntegrationTestSupport.newDataDir("it-concurrent-").toString());
    registry.add("shockreg.security.tokens[0].token", () -> TOKEN);
    registry.add("shockreg.security.tokens[0].role", () -> "admin");
    registry.add("shockreg.mllp.port", () -> "-1");
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired EpisodeRecomputation derivations;
  @Autowired PlatformTransactionManager txManager;
  final HttpClient http = HttpClient.newHttpClient();
  final ObjectMapper json = new ObjectMapper();

  @Test
  void twoFeedsForTheSamePatients_atOnce_leaveTheDerivedFactsOfTheCommittedData() throws Exception {
    int patients = 24;
    int perBody = patients; // each body touches every patient: the two transactions overlap
    for (int round = 0; round < ROUNDS; round++) {
      // the Patients first: facts arriving before their Patient are an identity question
      // (docs/intake.md)
      StringBuilder known = new StringBuilder();
      for (int i = 0; i < patients; i++) {
        known.append(
            new SourceRecords("r" + round + "-p" + i, T0).patient("female", "1962-02-02").ndjson());
      }
      postAll(List.of(known.toString()));
      List<String> adt = new ArrayList<>();
      List<String> labs = new ArrayList<>();
      for (int from = 0; from < patients; from += perBody) {
        StringBuilder a = new StringBuilder();
        StringBuilder l = new StringBuilder();
        for (int i = from; i < from + perBody; i++) {
          a.append(adtOf("r" + round + "-p" + i));
          // the lab feed walks the patients backwards
          l.append(labsOf("r" + round + "-p" + (patients - 1 - i)));
        }
        adt.add(a.toString());
        labs.add(l.toString());
      }
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Future<List<JsonNode>> fa = pool.submit(() -> postAll(adt));
        Future<List<JsonNode>> fl = pool.submit(() -> postAll(labs));
        for (JsonNode report : concat(fa.get(), fl.get())) {
          assertThat(TrialScreeningIT.parameter(report, "rejected")).as(report.toString()).isZero();
        }
      } finally {
        pool.shutdownNow();
      }
    }

    List<Map<String, Object>> facts = derivedState();
    List<String> all =
        jdbc.queryForList(
            "SELECT DISTINCT patient_id FROM patient WHERE site_id = ?", String.class, SITE);
    assertThat(all).hasSize(ROUNDS * patients);
    new TransactionTemplate(txManager).executeWithoutResult(s -> derivations.recompute(all));
    assertThat(derivedState()).isEqualTo(facts);
    // and that state is the complete one: every episode staged from its labs, every patient a
    // candidate
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM derived_fact WHERE site_id = ? AND kind = 'scai-stage-worst-24h' AND value_code = 'C'",
                Integer.class,
                SITE))
        .isEqualTo(ROUNDS * patients);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM research_subject rs JOIN patient p USING (patient_id)"
                    + " WHERE p.site_id = ? AND rs.status = 'potential-candidate'",
                Integer.class,
                SITE))
        .isEqualTo(ROUNDS * patients);
  }

  List<Map<String, Object>> derivedState() {
    return jdbc.queryForList(
        "SELECT fact_id, kind, value_code, value_boolean, evidence::text AS evidence FROM derived_fact"
            + " WHERE site_id = ? ORDER BY fact_id",
        SITE);
  }

  static String adtOf(String p) {
    SourceRecords r = new SourceRecords(p, T0).icuStay(Duration.ofHours(-4)).shock().heartFailure();
    return r.ndjson();
  }

  static String labsOf(String p) {
    return new SourceRecords(p, T0)
        .lvef(22, Duration.ofDays(-2))
        .sbp(84, Duration.ofHours(1))
        .lactate(3.1, Duration.ofHours(1))
        .ndjson();
  }

  List<JsonNode> postAll(List<String> bodies) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String body : bodies) {
      HttpResponse<String> res =
          http.send(
              HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ingest/" + SITE))
                  .header("Content-Type", "application/fhir+ndjson")
                  .header("Authorization", "Bearer " + TOKEN)
                  .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      out.add(json.readTree(res.body()));
    }
    return out;
  }

  static List<JsonNode> concat(List<JsonNode> a, List<JsonNode> b) {
    List<JsonNode> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
