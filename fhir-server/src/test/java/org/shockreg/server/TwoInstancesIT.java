package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Two ShockReg instances on one PostgreSQL, as behind a reverse proxy that sends each request to
 * either: intake on both at once, a held search's next link answered by the other instance, Bulk
 * Data jobs kicked off on one and polled, downloaded and cancelled on the other (the export
 * directory is shared storage), and a job whose instance stopped or died finished by the other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoInstancesIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-two-instances-0123";

  final Path dataA = newDataDir("two-a-");
  final Path dataB = newDataDir("two-b-");
  final Path sharedBulk = newDataDir("two-bulk-");
  final ObjectMapper json = new ObjectMapper();
  TestDatabase.Database db;
  ConfigurableApplicationContext a;
  ConfigurableApplicationContext b;
  String baseA;
  String baseB;
  JdbcTemplate jdbc;

  @BeforeAll
  void startTwoInstances() throws Exception {
    db = TestDatabase.newDatabase();
    a = start(dataA);
    b = start(dataB);
    baseA = "http://localhost:" + a.getEnvironment().getProperty("local.server.port");
    baseB = "http://localhost:" + b.getEnvironment().getProperty("local.server.port");
    jdbc = new JdbcTemplate(a.getBean(javax.sql.DataSource.class));
  }

  @AfterAll
  void stop() {
    if (b != null) {
      b.close();
    }
    if (a != null && a.isActive()) {
      a.close();
    }
  }

  private ConfigurableApplicationContext start(Path dataDir) {
    List<String> args =
        List.of(
            "--spring.datasource.url=" + db.url(),
            "--spring.datasource.username=" + db.username(),
            "--spring.datasource.password=" + db.password(),
            "--shockreg.data-dir=" + dataDir,
            "--shockreg.pseudonym.key=" + TwoInstancesPullIT.SHARED_KEY,
            "--spring.quartz.properties.org.quartz.scheduler.instanceName=two-instances-"
                + db.url().hashCode(),
            "--server.port=0",
            "--shockreg.mllp.port=-1",
            "--shockreg.inbox.enabled=false",
            "--shockreg.security.tokens[0].token=" + TOKEN,
            "--shockreg.security.tokens[0].role=admin",
            "--shockreg.bulk-export.dir=" + sharedBulk,
            "--shockreg.bulk-export.retry-after=1s",
            "--shockreg.bulk-export.heartbeat=200ms",
            "--shockreg.bulk-export.stale-after=3s",
            "--shockreg.bulk-export.cleanup-interval=500ms");
    return new SpringApplicationBuilder(ShockRegApplication.class).run(args.toArray(String[]::new));
  }

  // ---- intake

  @Test
  @Order(1)
  void intakeOnBothAtOnce_curatesEachResourceOnce() throws Exception {
    StringBuilder shared = new StringBuilder();
    StringBuilder onlyA = new StringBuilder();
    StringBuilder onlyB = new StringBuilder();
    for (int i = 1; i <= 30; i++) {
      shared.append(BulkExportIT.patient("s" + i, "female", "1950-01-01"));
      shared.append(BulkExportIT.heartRate("s" + i, "hr-s" + i, 80 + i));
      onlyA.append(BulkExportIT.patient("a" + i, "male", "1951-01-01"));
      onlyB.append(BulkExportIT.patient("b" + i, "male", "1952-01-01"));
    }
    // the same body to both instances at the same moment, and a body of its own to each
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<HttpResponse<String>>> posts = new ArrayList<>();
    for (String[] call :
        List.of(
            new String[] {baseA, "two-shared", shared.toString()},
            new String[] {baseB, "two-shared", shared.toString()},
            new String[] {baseA, "two-a", onlyA.toString()},
            new String[] {baseB, "two-b", onlyB.toString()})) {
      posts.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  go.await();
                  return post(call[0] + "/ingest/" + call[1], NDJSON, call[2], TOKEN);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    go.countDown();
    for (CompletableFuture<HttpResponse<String>> p : posts) {
      HttpResponse<String> res = p.get();
      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    }
    assertThat(count(parameters(posts.get(0).get()), "received")).isEqualTo(60);
    assertThat(count(parameters(posts.get(1).get()), "received")).isEqualTo(60);
    assertThat(countSql("SELECT count(*) FROM patient WHERE site_id = 'two-shared'")).isEqualTo(30);
    assertThat(countSql("SELECT count(*) FROM measurement WHERE site_id = 'two-shared'"))
        .isEqualTo(30);
    assertThat(countSql("SELECT count(*) FROM patient WHERE site_id IN ('two-a', 'two-b')"))
        .isEqualTo(60);
  }

  // ---- held searches

  @Test
  @Order(2)
  void aHeldSearchsNextLinkFromOneInstance_isAnsweredByTheOther() throws Exception {
    int patients = countSql("SELECT count(*) FROM patient");
    assertThat(patients).isEqualTo(90);
    Set<String> seen = new HashSet<>();
    String next = baseA + "/fhir/Patient?_count=7";
    int pages = 0;
    while (next != null) {
      // every page from the instance that did not serve the one before
      String from = pages % 2 == 0 ? baseA : baseB;
      String url = next.replace(baseA, from).replace(baseB, from);
      HttpResponse<String> page = get(url, TOKEN);
      assertThat(page.statusCode()).as(url + " " + page.body()).isEqualTo(200);
      Bundle bundle = fhir.newJsonParser().parseResource(Bundle.class, page.body());
      for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
        assertThat(seen.add(e.getResource().getIdElement().getIdPart())).isTrue();
      }
      Bundle.BundleLinkComponent link = bundle.getLink("next");
      next = link == null ? null : link.getUrl();
      pages++;
    }
    assertThat(seen).hasSize(patients);
    assertThat(pages).isEqualTo(13);
  }

  // ---- bulk export

  @Test
  @Order(3)
  void anExportKickedOffOnA_isPolledAndDownloadedOnB_andTheOtherWayRound() throws Exception {
    for (String[] pair : List.of(new String[] {baseA, baseB}, new String[] {baseB, baseA})) {
      String status = kickOff(pair[0] + "/fhir/$export?_type=Patient,Observation");
      String elsewhere = status.replace(pair[0], pair[1]);
      JsonNode manifest = manifest(elsewhere);
      int patients = 0;
      int observations = 0;
      for (JsonNode out : manifest.get("output")) {
        String url = out.get("url").asText();
        assertThat(url).startsWith(pair[1] + "/fhir/$export-file?");
        HttpResponse<String> file = get(url, TOKEN);
        assertThat(file.statusCode()).as(url + " " + file.body()).isEqualTo(200);
        long lines = file.body().lines().filter(l -> !l.isBlank()).count();
        assertThat(lines).isEqualTo(out.get("count").asLong());
        if (out.get("type").asText().equals("Patient")) {
          patients += (int) lines;
        } else {
          observations += (int) lines;
        }
      }
      assertThat(patients).isEqualTo(90);
      assertThat(observations).isEqualTo(30);
      // finished: deleted through the instance that did not run it, files and all
      String jobId = BulkExportIT.jobId(status);
      HttpResponse<String> delete = send("DELETE", status, TOKEN, null, null);
      assertThat(delete.statusCode()).isEqualTo(202);
      assertThat(get(elsewhere, TOKEN).statusCode()).isEqualTo(404);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(sharedBulk.resolve(jobId)).doesNotExist());
    }
  }

  @Test
  @Order(4)
  void aRunningJobCancelledThroughTheOtherInstance_stopsAndLeavesNoFiles() throws Exception {
    addLoad();
    String status = kickOff(baseA + "/fhir/$export?_type=Observation");
    String jobId = BulkExportIT.jobId(status);
    awaitInProgress(status);
    // DELETE sent to the instance that is not running the job
    String runner = runnerOf(jobId);
    String other = runner.endsWith(dataA.toString()) ? baseB : baseA;
    String cancelUrl = status.replace(baseA, other);
    HttpResponse<String> cancel = send("DELETE", cancelUrl, TOKEN, null, null);
    assertThat(cancel.statusCode()).isEqualTo(202);
    assertThat(get(status, TOKEN).statusCode()).isEqualTo(404);
    assertThat(get(status.replace(baseA, baseB), TOKEN).statusCode()).isEqualTo(404);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(sharedBulk.resolve(jobId)).doesNotExist());
    assertThat(countSql("SELECT count(*) FROM bulk_export_job WHERE job_id = '" + jobId + "'"))
        .isZero();
  }

  @Test
  @Order(5)
  void aJobWhoseInstanceDied_isTakenOverAndFinishedByTheOther() throws Exception {
    // what a crash (kill -9, power loss) leaves: a job in progress whose heartbeat stopped
    String status = kickOff(baseB + "/fhir/$export?_type=Patient");
    String jobId = BulkExportIT.jobId(status);
    manifest(status);
    jdbc.update(
        "UPDATE bulk_export_job SET status = 'in-progress', output = '[]', transaction_time = NULL,"
            + " finished_at = NULL, expires_at = NULL, runner = 'crashed-host:/data',"
            + " heartbeat_at = now() - interval '1 hour' WHERE job_id = ?",
        jobId);
    JsonNode again = manifest(status.replace(baseB, baseA));
    assertThat(again.get("output").get(0).get("count").asInt()).isEqualTo(90);
    assertThat(runnerOf(jobId)).isNotEqualTo("crashed-host:/data");
    assertThat(countSql("SELECT attempts FROM bulk_export_job WHERE job_id = '" + jobId + "'"))
        .isEqualTo(2);
  }

  /** Last: it stops instance A. */
  @Test
  @Order(6)
  void aJobRunningOnAnInstanceThatStops_isFinishedByTheOther() throws Exception {
    String status = kickOff(baseA + "/fhir/$export?_type=Observation");
    String jobId = BulkExportIT.jobId(status);
    awaitInProgress(status);
    String runner = runnerOf(jobId);
    ConfigurableApplicationContext running = runner.endsWith(dataA.toString()) ? a : b;
    String survivor = running == a ? baseB : baseA;
    running.close();
    JsonNode manifest = manifest(status.replace(baseA, survivor));
    long observations = 0;
    for (JsonNode out : manifest.get("output")) {
      HttpResponse<String> file = get(out.get("url").asText(), TOKEN);
      assertThat(file.statusCode()).isEqualTo(200);
      observations += file.body().lines().filter(l -> !l.isBlank()).count();
    }
    assertThat(observations).isEqualTo(30 + LOAD);
    jdbc = new JdbcTemplate((running == a ? b : a).getBean(javax.sql.DataSource.class));
    assertThat(runnerOf(jobId)).isNotEqualTo(runner);
    assertThat(countSql("SELECT attempts FROM bulk_export_job WHERE job_id = '" + jobId + "'"))
        .isEqualTo(2);
  }

  // ---- helpers

  static final int LOAD = 60000;

  /** Observations written straight into the curated table: a job that runs for some seconds. */
  void addLoad() {
    String patient =
        jdbc.queryForObject(
            "SELECT patient_id FROM patient WHERE site_id = 'two-shared' LIMIT 1", String.class);
    jdbc.update(
        "INSERT INTO measurement (observation_id, patient_id, site_id, variable, status, effective_at,"
            + " value, unit, source_type, source_id)"
            + " SELECT 'load-' || g, ?, 'two-shared', 'lactate', 'final',"
            + " timestamptz '2025-01-01T00:00:00Z' + g * interval '1 minute', 2.5, 'mmol/L',"
            + " 'Observation', 'load-' || g FROM generate_series(1, "
            + LOAD
            + ") g",
        patient);
  }

  String kickOff(String url) throws Exception {
    HttpResponse<String> res =
        get(url, TOKEN, "Prefer", "respond-async", "Accept", "application/fhir+json");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
    return res.headers().firstValue("Content-Location").orElseThrow();
  }

  void awaitInProgress(String status) {
    await()
        .pollInterval(Duration.ofMillis(20))
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                get(status, TOKEN)
                    .headers()
                    .firstValue("X-Progress")
                    .orElse("")
                    .startsWith("in-progress"));
  }

  JsonNode manifest(String status) throws Exception {
    AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
    await("export still running")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              HttpResponse<String> res = get(status, TOKEN);
              last.set(res);
              return res.statusCode() != 202;
            });
    assertThat(last.get().statusCode()).as(last.get().body()).isEqualTo(200);
    return json.readTree(last.get().body());
  }

  String runnerOf(String jobId) {
    return jdbc.queryForObject(
        "SELECT runner FROM bulk_export_job WHERE job_id = ?", String.class, jobId);
  }

  int countSql(String sql) {
    Integer n = jdbc.queryForObject(sql, Integer.class);
    return n == null ? 0 : n;
  }
}
