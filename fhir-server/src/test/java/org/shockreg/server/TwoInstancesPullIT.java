package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.shockreg.ingest.pull.FhirRestPullService;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Two ShockReg instances on one database never pull the same source at once: the second finds the
 * source's cluster lock taken and skips its run.
 */
class TwoInstancesPullIT {

  static final String EHR_TOKEN = "ehr-secret-token-42";

  @Test
  void twoInstancesOnOneDatabase_neverPullTheSameSourceAtOnce() throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    try (TestEhr ehr = new TestEhr(EHR_TOKEN)) {
      ehr.put(
          FhirRestPullIT.patient("tw-1", 1961), FhirRestPullIT.heartRate("tw-hr-1", "tw-1", 1, 90));
      ehr.put(
          FhirRestPullIT.patient("tw-2", 1962), FhirRestPullIT.heartRate("tw-hr-2", "tw-2", 2, 91));
      // the first run's pages are slow, so it still holds the source when the second one starts
      ehr.slowNext(2, Duration.ofMillis(1500));
      try (ConfigurableApplicationContext a = start(db, ehr, "a");
          ConfigurableApplicationContext b = start(db, ehr, "b")) {
        FhirRestPullService serviceA = a.getBean(FhirRestPullService.class);
        FhirRestPullService serviceB = b.getBean(FhirRestPullService.class);
        JdbcTemplate jdbc = new JdbcTemplate(a.getBean(javax.sql.DataSource.class));

        assertThat(serviceA.trigger("shared-ehr"))
            .isEqualTo(FhirRestPullService.TriggerResult.STARTED);
        await().atMost(Duration.ofSeconds(20)).until(() -> !ehr.requests.isEmpty());
        int requestsBefore = ehr.requests.size();
        assertThat(serviceB.trigger("shared-ehr"))
            .isEqualTo(FhirRestPullService.TriggerResult.STARTED);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> !serviceA.isRunning("shared-ehr") && !serviceB.isRunning("shared-ehr"));

        // one run recorded: instance B skipped, it did not pull alongside A
        assertThat(
                jdbc.queryForObject(
                    "SELECT count(*) FROM pull_run WHERE source_id = 'shared-ehr'", Integer.class))
            .isEqualTo(1);
        assertThat(
                jdbc.queryForObject(
                    "SELECT state FROM pull_run WHERE source_id = 'shared-ehr'", String.class))
            .isEqualTo("succeeded");
        assertThat(ehr.requests.size()).isGreaterThanOrEqualTo(requestsBefore);
        assertThat(
                jdbc.queryForObject(
                    "SELECT count(*) FROM measurement WHERE site_id = 'shared-ehr'", Integer.class))
            .isEqualTo(2);

        // with the lock free again, B runs
        assertThat(serviceB.trigger("shared-ehr"))
            .isEqualTo(FhirRestPullService.TriggerResult.STARTED);
        await().atMost(Duration.ofSeconds(30)).until(() -> !serviceB.isRunning("shared-ehr"));
        assertThat(
                jdbc.queryForObject(
                    "SELECT count(*) FROM pull_run WHERE source_id = 'shared-ehr'", Integer.class))
            .isEqualTo(2);
      }
    }
  }

  @Test
  void scheduledPulls_fireOnOneInstanceOfTheCluster() throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    try (TestEhr ehr = new TestEhr(EHR_TOKEN)) {
      ehr.put(
          FhirRestPullIT.patient("cl-1", 1961), FhirRestPullIT.heartRate("cl-hr-1", "cl-1", 1, 90));
      try (ConfigurableApplicationContext a = start(db, ehr, "a", "2s");
          ConfigurableApplicationContext b = start(db, ehr, "b", "2s")) {
        JdbcTemplate jdbc = new JdbcTemplate(a.getBean(javax.sql.DataSource.class));
        // both schedulers checked into one clustered job store, sharing one trigger for the source
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    jdbc.queryForObject("SELECT count(*) FROM qrtz_scheduler_state", Integer.class)
                        == 2);
        assertThat(
                jdbc.queryForObject(
                    "SELECT count(*) FROM qrtz_triggers WHERE trigger_name LIKE '%shared-ehr%'",
                    Integer.class))
            .isEqualTo(1);
        // a fixed 12 s window once both instances are in: one firing per 2 s interval for the
        // cluster gives at most 6 (+2 for a run in flight and a misfire catch-up under load);
        // two unclustered timers would give about 12, and fail here as soon as they pass 8
        String countRuns = "SELECT count(*) FROM pull_run WHERE source_id = 'shared-ehr'";
        int before = jdbc.queryForObject(countRuns, Integer.class);
        await("at most 8 scheduled runs in 12 s")
            .during(Duration.ofSeconds(12))
            .atMost(Duration.ofSeconds(13))
            .until(() -> jdbc.queryForObject(countRuns, Integer.class) - before <= 8);
        int runs = jdbc.queryForObject(countRuns, Integer.class) - before;
        assertThat(runs).isBetween(2, 8);
        assertThat(
                jdbc.queryForObject(
                    "SELECT count(*) FROM measurement WHERE site_id = 'shared-ehr'", Integer.class))
            .isEqualTo(1);
      }
    }
  }

  @Test
  void anInstanceWithAnotherPseudonymKey_isRefused_beforeItCuratesAnything() throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    try (TestEhr ehr = new TestEhr(EHR_TOKEN);
        ConfigurableApplicationContext a = start(db, ehr, "a", "1h")) {
      assertThatThrownBy(() -> start(db, ehr, "other-key", "1h", OTHER_KEY))
          .hasStackTraceContaining("is not the key this database was curated with");
      // a lost key generated anew in an empty data dir is just such another key
      assertThatThrownBy(() -> start(db, ehr, "lost-key", "1h", null))
          .hasStackTraceContaining("Restore the original key");
    }
  }

  /** Every instance on one database shares the pseudonym key (docs/pseudonym-key.md). */
  static final String SHARED_KEY = "c2hvY2tyZWctdHdvLWluc3RhbmNlcy1rZXktMDEyMzQ1Njc4OQ==";

  static final String OTHER_KEY = "YW5vdGhlci1wc2V1ZG9ueW0ta2V5LTAxMjM0NTY3ODk=";

  private static ConfigurableApplicationContext start(
      TestDatabase.Database db, TestEhr ehr, String name) throws Exception {
    return start(db, ehr, name, "1h");
  }

  private static ConfigurableApplicationContext start(
      TestDatabase.Database db, TestEhr ehr, String name, String schedule) throws Exception {
    return start(db, ehr, name, schedule, SHARED_KEY);
  }

  private static ConfigurableApplicationContext start(
      TestDatabase.Database db, TestEhr ehr, String name, String schedule, String key)
      throws Exception {
    Path dataDir = IntegrationTestSupport.newDataDir("two-" + name + "-");
    String p = "--shockreg.sources.shared-ehr.";
    List<String> args =
        new ArrayList<>(
            List.of(
                "--spring.datasource.url=" + db.url(),
                "--spring.datasource.username=" + db.username(),
                "--spring.datasource.password=" + db.password(),
                "--shockreg.data-dir=" + dataDir,
                "--shockreg.pseudonym.key=" + (key == null ? "" : key),
                // Quartz keys its JDBC connection providers by scheduler name, JVM-wide: a name of
                // this
                // database's own keeps the other ITs' cached contexts out of this two-instance
                // cluster
                "--spring.quartz.properties.org.quartz.scheduler.instanceName=two-instances-"
                    + db.url().hashCode(),
                "--server.port=0",
                "--shockreg.mllp.port=-1",
                "--shockreg.inbox.enabled=false",
                p + "type=fhir-rest",
                p + "base-url=" + ehr.baseUrl(),
                p + "schedule=" + schedule,
                p + "resource-types=Patient,Observation",
                p + "page-size=1",
                p + "timeout=5s",
                p + "auth.type=bearer",
                p + "auth.token=" + EHR_TOKEN));
    return new SpringApplicationBuilder(ShockRegApplication.class).run(args.toArray(String[]::new));
  }
}
