package org.shockreg.registry.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * {@code $export} jobs through {@link BulkExportJobStore} on a real PostgreSQL: each instance sees
 * its own jobs ({@code owner}), a caller's open jobs count across instances.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BulkExportJobStoreTest {

  static final Duration RETENTION = Duration.ofHours(1);

  JdbcTemplate jdbc;
  BulkExportJobStore here;
  BulkExportJobStore there;

  @BeforeAll
  void schema() throws Exception {
    jdbc = new JdbcTemplate(TestDatabase.newMigratedDataSource());
    NamedParameterJdbcTemplate named = new NamedParameterJdbcTemplate(jdbc);
    here = new BulkExportJobStore(named, new ObjectMapper(), "/data/a/bulk-export");
    there = new BulkExportJobStore(named, new ObjectMapper(), "/data/b/bulk-export");
  }

  @Test
  void aJobRunsToItsManifestAndCountsAsOpenForItsCallerOnEveryInstance() {
    Instant since = Instant.parse("2026-11-01T00:00:00Z");
    here.insert(
        "job-1",
        "system",
        null,
        "http://x/fhir/$export",
        List.of("Patient", "Observation"),
        since,
        "application/fhir+ndjson",
        "token:exporter",
        List.of("altshock-2"));
    there.insert(
        "job-2",
        "patient",
        null,
        "http://y/fhir/Patient/$export",
        List.of("Patient"),
        null,
        "application/fhir+ndjson",
        "token:exporter",
        null);
    here.insert(
        "job-3",
        "system",
        null,
        "http://x/fhir/$export",
        List.of("Patient"),
        null,
        "application/fhir+ndjson",
        "token:other",
        null);

    assertThat(here.openJobsOf("token:exporter")).isEqualTo(2);
    assertThat(there.openJobsOf("token:other")).isEqualTo(1);
    assertThat(here.openJobsOf("token:nobody")).isZero();
    assertThat(here.openJobs()).isEqualTo(2);
    assertThat(here.jobIds()).containsExactlyInAnyOrder("job-1", "job-3");

    BulkExportJob accepted = here.find("job-1").orElseThrow();
    assertThat(accepted.status()).isEqualTo(BulkExportJob.ACCEPTED);
    assertThat(accepted.resourceTypes()).containsExactly("Patient", "Observation");
    assertThat(accepted.since()).isEqualTo(since);
    assertThat(accepted.studyIds()).containsExactly("altshock-2");
    assertThat(there.find("job-2").orElseThrow().studyIds()).isNull();

    assertThat(here.start("job-1")).isTrue();
    assertThat(here.start("job-1")).isFalse();
    assertThat(here.progress("job-1", 10)).isTrue();
    Instant tt = Instant.parse("2026-12-01T08:00:00Z");
    assertThat(
            here.complete(
                "job-1",
                tt,
                12,
                List.of(new BulkExportJob.File("Patient", "Patient-1.ndjson", 12)),
                List.of(new BulkExportJob.File("Bundle", "deleted-1.ndjson", 1)),
                RETENTION))
        .isTrue();
    BulkExportJob done = here.find("job-1").orElseThrow();
    assertThat(done.status()).isEqualTo(BulkExportJob.COMPLETED);
    assertThat(done.attempts()).isEqualTo(1);
    assertThat(done.exported()).isEqualTo(12);
    assertThat(done.transactionTime()).isEqualTo(tt);
    assertThat(done.output())
        .containsExactly(new BulkExportJob.File("Patient", "Patient-1.ndjson", 12));
    assertThat(done.deleted())
        .containsExactly(new BulkExportJob.File("Bundle", "deleted-1.ndjson", 1));
    assertThat(done.expiresAt()).isAfter(Instant.now());
    assertThat(here.openJobsOf("token:exporter")).isEqualTo(1);

    there.fail("job-2", "no space left", RETENTION);
    assertThat(there.find("job-2").orElseThrow().error()).isEqualTo("no space left");
    assertThat(here.openJobsOf("token:exporter")).isZero();

    assertThat(here.delete("job-3")).isTrue();
    assertThat(here.delete("job-3")).isFalse();
    assertThat(here.find("job-3")).isEmpty();
  }

  @Test
  void afterARestartRunningJobsAreQueuedAgainAndExpiredOnesGo() {
    BulkExportJobStore mine =
        new BulkExportJobStore(new NamedParameterJdbcTemplate(jdbc), new ObjectMapper(), "/data/c");
    for (String id : List.of("job-r1", "job-r2", "job-r3")) {
      mine.insert(
          id,
          "system",
          null,
          "http://z/fhir/$export",
          List.of("Patient"),
          null,
          "application/fhir+ndjson",
          "token:c",
          null);
    }
    mine.start("job-r1");
    mine.start("job-r2");
    jdbc.update("UPDATE bulk_export_job SET attempts = 3 WHERE job_id = 'job-r2'");

    assertThat(mine.requeueInterrupted(3, RETENTION)).containsExactlyInAnyOrder("job-r1", "job-r3");
    assertThat(mine.find("job-r2").orElseThrow().status()).isEqualTo(BulkExportJob.FAILED);

    jdbc.update(
        "UPDATE bulk_export_job SET expires_at = now() - interval '1 second' WHERE job_id = 'job-r2'");
    assertThat(mine.find("job-r2")).isEmpty();
    assertThat(mine.deleteExpired()).containsExactly("job-r2");
    assertThat(mine.jobIds()).containsExactlyInAnyOrder("job-r1", "job-r3");
  }

  @Test
  void oneInstanceClaimsAJob_andAStaleClaimGoesBackToTheQueueForAnother() {
    NamedParameterJdbcTemplate named = new NamedParameterJdbcTemplate(jdbc);
    BulkExportJobStore a =
        new BulkExportJobStore(named, new ObjectMapper(), "/shared", "host-a:/a");
    BulkExportJobStore b =
        new BulkExportJobStore(named, new ObjectMapper(), "/shared", "host-b:/b");
    a.insert(
        "job-s1",
        "system",
        null,
        "http://z/fhir/$export",
        List.of("Patient"),
        null,
        "application/fhir+ndjson",
        "token:s",
        null);
    assertThat(b.queued(10)).contains("job-s1");
    assertThat(b.start("job-s1")).isTrue();
    assertThat(a.start("job-s1")).isFalse();
    assertThat(a.queued(10)).doesNotContain("job-s1");
    // only the runner records progress or completes it
    assertThat(a.progress("job-s1", 5)).isFalse();
    assertThat(b.progress("job-s1", 5)).isTrue();
    assertThat(a.takeOverStale(Duration.ofMinutes(1), 3, RETENTION)).isEmpty();

    // b's heartbeat stops: after stale-after the job is queued again, and a claims it
    jdbc.update(
        "UPDATE bulk_export_job SET heartbeat_at = now() - interval '2 minutes' WHERE job_id = 'job-s1'");
    assertThat(a.takeOverStale(Duration.ofMinutes(1), 3, RETENTION)).containsExactly("job-s1");
    assertThat(b.progress("job-s1", 6)).isFalse(); // b, if alive after all, cancels its run
    assertThat(a.start("job-s1")).isTrue();
    assertThat(b.complete("job-s1", Instant.now(), 1, List.of(), List.of(), RETENTION)).isFalse();
    assertThat(a.complete("job-s1", Instant.now(), 1, List.of(), List.of(), RETENTION)).isTrue();
    assertThat(a.find("job-s1").orElseThrow().attempts()).isEqualTo(2);

    // a job taken over as often as it may be tried fails instead
    a.insert(
        "job-s2",
        "system",
        null,
        "http://z/fhir/$export",
        List.of("Patient"),
        null,
        "application/fhir+ndjson",
        "token:s",
        null);
    assertThat(a.start("job-s2")).isTrue();
    jdbc.update(
        "UPDATE bulk_export_job SET attempts = 3, heartbeat_at = now() - interval '2 minutes'"
            + " WHERE job_id = 'job-s2'");
    assertThat(b.takeOverStale(Duration.ofMinutes(1), 3, RETENTION)).isEmpty();
    assertThat(b.find("job-s2").orElseThrow().status()).isEqualTo(BulkExportJob.FAILED);
  }
}
