package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.shockreg.registry.db.ReadReplicaDataSource;
import org.shockreg.server.fhir.KeysetPagingProvider;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * ShockReg on a primary PostgreSQL with a real streaming replica ({@code
 * shockreg.read-replica.url}): two embedded servers, the standby made from a copy of the stopped
 * primary's data directory with {@code standby.signal} and {@code primary_conninfo}. With WAL
 * replay paused on the standby, analyst searches answer the standby's (older) data while intake,
 * held-search next links, audit rows and Bulk export go on against the primary.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadReplicaIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-read-replica-0123";
  static final String ANALYST = "it-analyst-token-read-replica-0123";
  static final String SITE = "replica-site";

  final ObjectMapper json = new ObjectMapper();
  EmbeddedPostgres primary;
  EmbeddedPostgres standby;
  JdbcTemplate onPrimary;
  JdbcTemplate onStandby;
  ConfigurableApplicationContext app;

  @BeforeAll
  void startPrimaryStandbyAndApp() throws Exception {
    Path primaryDir = newDataDir("replica-primary-pg-");
    Path standbyDir = newDataDir("replica-standby-pg-");
    // initdb, then a clean stop: the copy is a consistent base backup (zonky has no
    // pg_basebackup)
    startPostgres(primaryDir).close();
    copyDataDirectory(primaryDir, standbyDir);
    primary = startPostgres(primaryDir);
    Files.writeString(standbyDir.resolve("standby.signal"), "");
    Files.writeString(
        standbyDir.resolve("postgresql.auto.conf"),
        "primary_conninfo = 'host=127.0.0.1 port="
            + primary.getPort()
            + " user=postgres application_name=shockreg_it_standby'\n",
        StandardOpenOption.APPEND);
    standby = startPostgres(standbyDir);
    onPrimary = new JdbcTemplate(dataSource(primary));
    onStandby = new JdbcTemplate(dataSource(standby));
    assertThat(onStandby.queryForObject("SELECT pg_is_in_recovery()", Boolean.class)).isTrue();

    Path dataDir = newDataDir("replica-app-");
    app =
        new SpringApplicationBuilder(ShockRegApplication.class)
            .run(
                "--spring.datasource.url=" + url(primary),
                "--spring.datasource.username=postgres",
                "--spring.datasource.password=",
                "--shockreg.read-replica.url=" + url(standby),
                "--shockreg.read-replica.maximum-pool-size=4",
                "--shockreg.data-dir=" + dataDir,
                "--spring.quartz.properties.org.quartz.scheduler.instanceName=read-replica-it",
                "--server.port=0",
                "--shockreg.mllp.port=-1",
                "--shockreg.inbox.enabled=false",
                "--shockreg.security.tokens[0].token=" + TOKEN,
                "--shockreg.security.tokens[0].role=admin",
                "--shockreg.security.tokens[1].token=" + ANALYST,
                "--shockreg.security.tokens[1].role=analyst",
                "--shockreg.bulk-export.retry-after=1s",
                "--shockreg.bulk-export.heartbeat=200ms");
    port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
  }

  @AfterAll
  void stop() throws IOException {
    if (app != null) {
      app.close();
    }
    if (standby != null) {
      standby.close();
    }
    if (primary != null) {
      primary.close();
    }
  }

  @Test
  @Order(1)
  void theApplicationsDataSourceRoutesReadOnlyTransactionsToTheReplica() {
    assertThat(app.getBean(DataSource.class)).isInstanceOf(ReadReplicaDataSource.class);
  }

  @Test
  @Order(2)
  void intakeOnThePrimary_isAnsweredFromTheReplicaOnceReplayed() throws Exception {
    ingest(
        BulkExportIT.patient("rr1", "female", "1950-01-01")
            + BulkExportIT.heartRate("rr1", "hr-1", 81)
            + BulkExportIT.heartRate("rr1", "hr-2", 82));
    awaitReplayed();
    assertThat(observationsOn(onStandby)).as(lsns()).isEqualTo(2);
    assertThat(analystObservationTotal()).isEqualTo(2);
  }

  String lsns() {
    return "primary write "
        + onPrimary.queryForObject("SELECT pg_current_wal_lsn()::text", String.class)
        + " insert "
        + onPrimary.queryForObject("SELECT pg_current_wal_insert_lsn()::text", String.class)
        + " flush "
        + onPrimary.queryForObject("SELECT pg_current_wal_flush_lsn()::text", String.class)
        + " standby receive "
        + onStandby.queryForObject("SELECT pg_last_wal_receive_lsn()::text", String.class)
        + " replay "
        + onStandby.queryForObject("SELECT pg_last_wal_replay_lsn()::text", String.class)
        + " rows on primary "
        + observationsOn(onPrimary)
        + " on standby "
        + observationsOn(onStandby);
  }

  @Test
  @Order(3)
  void whileReplayIsPaused_analystReadsLag_andWhatMustNotLagReadsThePrimary() throws Exception {
    onStandby.queryForList("SELECT pg_wal_replay_pause()");
    await("replay paused")
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                "paused"
                    .equals(
                        onStandby.queryForObject(
                            "SELECT pg_get_wal_replay_pause_state()", String.class)));
    long auditBefore = auditEventsOnPrimary();

    // intake writes the primary while the standby stands still
    ingest(BulkExportIT.heartRate("rr1", "hr-3", 83));
    assertThat(observationsOn(onPrimary)).isEqualTo(3);
    assertThat(observationsOn(onStandby)).as(lsns()).isEqualTo(2);

    // analyst search and read answer from the replica: the new fact is not there yet
    assertThat(analystObservationTotal()).as("a search answers the replica's data").isEqualTo(2);
    String patientId =
        onPrimary.queryForObject(
            "SELECT patient_id FROM patient WHERE site_id = ? AND source_id = 'rr1'",
            String.class,
            SITE);
    JsonNode everything = analyst("/fhir/Patient/" + patientId + "/$everything");
    assertThat(resourceTypes(everything))
        .containsExactlyInAnyOrder("Patient", "Observation", "Observation");
    String newFact =
        onPrimary.queryForObject(
            "SELECT observation_id FROM measurement WHERE site_id = ? AND source_id = 'hr-3'",
            String.class,
            SITE);
    assertThat(get("/fhir/Observation/" + newFact, ANALYST).statusCode())
        .as("a read of a fact the replica has not replayed")
        .isEqualTo(404);

    // a held search written a moment ago is looked up on the primary, its pages on the replica
    JsonNode first = analyst("/fhir/Observation?_count=1");
    assertThat(first.path("entry")).hasSize(1);
    String next = link(first, "next");
    assertThat(next).isNotNull();
    app.getBean(KeysetPagingProvider.class).forgetInMemory(); // the link must come from PostgreSQL
    assertThat(onStandby.queryForObject("SELECT count(*) FROM fhir_search", Long.class))
        .as("the held search is not on the paused replica")
        .isZero();
    JsonNode second = analyst(next);
    assertThat(second.path("entry")).hasSize(1);
    assertThat(link(second, "next")).as("the replica holds two facts").isNull();

    // audit rows of these reads are written to the primary
    await("audit rows on the primary")
        .atMost(Duration.ofSeconds(20))
        .until(() -> auditEventsOnPrimary() > auditBefore);

    // Bulk export reads a snapshot of the primary: the fact the replica lacks is in it
    HttpResponse<String> kick =
        get(
            "/fhir/$export?_type=Observation",
            ANALYST,
            "Prefer",
            "respond-async",
            "Accept",
            "application/fhir+json");
    assertThat(kick.statusCode()).as(kick.body()).isEqualTo(202);
    String status = kick.headers().firstValue("Content-Location").orElseThrow();
    HttpResponse<String> done = awaitExport(status);
    assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
    int lines = 0;
    for (JsonNode out : json.readTree(done.body()).get("output")) {
      HttpResponse<String> file = get(out.get("url").asText(), ANALYST);
      assertThat(file.statusCode()).isEqualTo(200);
      lines += (int) file.body().lines().filter(l -> !l.isBlank()).count();
    }
    assertThat(lines).as("exported from the primary").isEqualTo(3);
  }

  @Test
  @Order(4)
  void onceReplayResumes_theSearchSeesTheNewFact() throws Exception {
    onStandby.queryForList("SELECT pg_wal_replay_resume()");
    awaitReplayed();
    assertThat(analystObservationTotal()).isEqualTo(3);
    assertThat(onStandby.queryForObject("SELECT count(*) FROM fhir_search", Long.class))
        .isPositive();
  }

  @Test
  @Order(5)
  void cohortsAndTheInterimReport_runReadOnlyOnTheReplica() throws Exception {
    // each would fail on the standby if anything inside its read-only transaction wrote
    assertThat(analyst("/fhir/Group/all-cs").get("resourceType").asText()).isEqualTo("Group");
    assertThat(analyst("/fhir/Group/all-cs/$cohort-summary").get("resourceType").asText())
        .isEqualTo("Parameters");
    assertThat(analyst("/fhir/Group?_summary=count").get("total").asInt()).isPositive();
    HttpResponse<String> report =
        get(
            "/fhir/ResearchStudy/altshock-2/$interim-report",
            ANALYST,
            "Accept",
            "application/fhir+json");
    assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
  }

  // ---- the application

  void ingest(String ndjson) throws Exception {
    HttpResponse<String> res = post("/ingest/" + SITE, NDJSON, ndjson, TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
  }

  int analystObservationTotal() throws Exception {
    return analyst("/fhir/Observation?_summary=count").get("total").asInt();
  }

  JsonNode analyst(String path) throws Exception {
    HttpResponse<String> res = get(path, ANALYST, "Accept", "application/fhir+json");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return json.readTree(res.body());
  }

  static String link(JsonNode bundle, String relation) {
    for (JsonNode l : bundle.path("link")) {
      if (relation.equals(l.path("relation").asText())) {
        return l.path("url").asText();
      }
    }
    return null;
  }

  static List<String> resourceTypes(JsonNode bundle) {
    return Stream.of(bundle.path("entry"))
        .flatMap(e -> java.util.stream.StreamSupport.stream(e.spliterator(), false))
        .map(e -> e.path("resource").path("resourceType").asText())
        .toList();
  }

  HttpResponse<String> awaitExport(String statusUrl) {
    java.util.concurrent.atomic.AtomicReference<HttpResponse<String>> last =
        new java.util.concurrent.atomic.AtomicReference<>();
    await("export running")
        .atMost(Duration.ofSeconds(45))
        .pollInterval(Duration.ofMillis(300))
        .until(
            () -> {
              last.set(get(statusUrl, ANALYST));
              return last.get().statusCode() != 202;
            });
    return last.get();
  }

  // ---- the two PostgreSQL servers

  long observationsOn(JdbcTemplate db) {
    return db.queryForObject(
        "SELECT count(*) FROM measurement WHERE site_id = ?", Long.class, SITE);
  }

  long auditEventsOnPrimary() {
    return onPrimary.queryForObject("SELECT count(*) FROM audit_event", Long.class);
  }

  /** Until the standby has replayed everything the primary has written so far. */
  void awaitReplayed() {
    // the insert position: an asynchronous commit (held searches, audit) may not be written yet,
    // and pg_current_wal_lsn() would stop short of it
    String written =
        onPrimary.queryForObject("SELECT pg_current_wal_insert_lsn()::text", String.class);
    await("standby replays " + written)
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                onStandby.queryForObject(
                    "SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn", Boolean.class, written));
  }

  static EmbeddedPostgres startPostgres(Path dir) throws IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        .setCleanDataDirectory(false) // zonky runs initdb only where there is no postgresql.conf
        .setPGStartupWait(Duration.ofSeconds(60))
        .setServerConfig("unix_socket_directories", Files.createTempDirectory("pgr").toString())
        .setServerConfig("max_connections", "60")
        .start();
  }

  static void copyDataDirectory(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(f).toString());
        if (f.equals(from) || f.getFileName().toString().equals("postmaster.pid")) {
          continue;
        }
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  static String url(EmbeddedPostgres pg) {
    // the address the servers listen on: "localhost" may resolve to ::1 first
    return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
  }

  static DataSource dataSource(EmbeddedPostgres pg) {
    return new DriverManagerDataSource(url(pg), "postgres", "");
  }
}
