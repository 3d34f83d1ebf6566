package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An EHR transaction that commits late carries a lastUpdated earlier than what a run already saw;
 * with the default overlap (10 min before the watermark) the next run still fetches it, and what it
 * reads again is unchanged by content hash.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PullOverlapIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-overlap-0123456789";
  static final String EHR_TOKEN = "ehr-overlap-token";
  static final String SOURCE = "late-ehr";
  static final TestEhr EHR = FhirRestPullIT.startEhr(EHR_TOKEN);

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    registerServer(registry, newDataDir("it-overlap-"));
    registerToken(registry, 0, TOKEN, "admin");
    registry.add("shockreg.mllp.port", () -> "-1");
    String p = "shockreg.sources." + SOURCE + ".";
    registry.add(p + "type", () -> "fhir-rest");
    registry.add(p + "base-url", EHR::baseUrl);
    registry.add(p + "schedule", () -> "1h");
    registry.add(p + "resource-types", () -> "Patient,Observation");
    registry.add(p + "auth.type", () -> "bearer");
    registry.add(p + "auth.token", () -> EHR_TOKEN);
  }

  @Autowired JdbcTemplate jdbc;

  @AfterAll
  void stopEhr() throws Exception {
    EHR.close();
  }

  @Test
  void aLateCommittedResource_isFetchedByTheNextRun_andNothingIsDuplicated() throws Exception {
    EHR.put(FhirRestPullIT.patient("lp-1", 1962));
    EHR.put(FhirRestPullIT.heartRate("lh-1", "lp-1", 1, 101));
    run();
    Instant watermark =
        jdbc.queryForObject(
                "SELECT watermark FROM sync_watermark WHERE source_id = ? AND resource_type = 'Observation'",
                Timestamp.class,
                SOURCE)
            .toInstant();
    assertThat(measurements()).isEqualTo(1);

    // committed now, stamped 5 minutes before what the first run already saw
    EHR.putLate(Duration.ofMinutes(5), FhirRestPullIT.heartRate("lh-late", "lp-1", 2, 102));
    int before = EHR.requests.size();
    run();

    assertThat(EHR.requests.subList(before, EHR.requests.size()))
        .anyMatch(
            r ->
                r.startsWith("/fhir/Observation?")
                    && r.contains("_lastUpdated=gt" + watermark.minus(Duration.ofMinutes(10))));
    assertThat(measurements()).isEqualTo(2);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM measurement WHERE site_id = ? AND value = 102",
                Integer.class,
                SOURCE))
        .isEqualTo(1);
    // the watermark never moves back
    assertThat(
            jdbc.queryForObject(
                    "SELECT watermark FROM sync_watermark WHERE source_id = ? AND resource_type = 'Observation'",
                    Timestamp.class,
                    SOURCE)
                .toInstant())
        .isEqualTo(watermark);
  }

  int measurements() {
    return jdbc.queryForObject(
        "SELECT count(*) FROM measurement WHERE site_id = ?", Integer.class, SOURCE);
  }

  void run() throws Exception {
    long before =
        jdbc.queryForObject(
            "SELECT COALESCE(max(run_id), 0) FROM pull_run WHERE source_id = ?",
            Long.class,
            SOURCE);
    HttpResponse<String> res = send("POST", "/admin/sources/" + SOURCE + "/run", TOKEN, null, null);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                "succeeded"
                    .equals(
                        jdbc
                            .queryForList(
                                "SELECT state FROM pull_run WHERE source_id = ? AND run_id > ? AND finished_at IS NOT NULL",
                                String.class,
                                SOURCE,
                                before)
                            .stream()
                            .findFirst()
                            .orElse(null)));
  }
}
