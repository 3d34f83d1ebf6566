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
}
