package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A quick throughput check of {@code $export} with the product's default settings (not part of the
 * normal build: {@code -Dbulk.benchmark.rows=300000}). Curated rows are written straight into the
 * tables (intake of that many source resources would take far longer than the export): 2,000
 * patients with a stay and a shock episode, N measurements of the registry variables with LOINC
 * codings, some with an original quantity. Prints the rate the job measured itself (started_at to
 * finished_at in the database).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@EnabledIfSystemProperty(named = "bulk.benchmark.rows", matches = "\\d+")
class BulkExportThroughputIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-bench-0123456789";
  static final Path DATA_DIR = newDataDir();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, DATA_DIR);
    registerToken(registry, 0, TOKEN, "admin");
    registerHttpOnly(registry);
  }

  @Autowired JdbcTemplate jdbc;

  @Test
  void observationExport_rate() throws Exception {
    int rows = Integer.getInteger("bulk.benchmark.rows");
    jdbc.update("INSERT INTO site (site_id, origin) VALUES ('bench', 'test')");
    jdbc.update(
        "INSERT INTO patient (patient_id, site_id, sex, birth_year)"
            + " SELECT 'p' || g, 'bench', CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END, 1940 + g % 50"
            + " FROM generate_series(1, 2000) g");
    jdbc.update(
        "INSERT INTO encounter (encounter_id, patient_id, site_id, status, encounter_class,"
            + " period_start, period_end, source_type, source_id)"
            + " SELECT 'e' || g, 'p' || g, 'bench', 'finished', 'IMP', timestamptz '2025-01-01T00:00:00Z',"
            + " timestamptz '2025-12-31T00:00:00Z', 'Encounter', 'e' || g FROM generate_series(1, 2000) g");
    jdbc.update(
        "INSERT INTO shock_episode (episode_id, patient_id, site_id, encounter_id, shock_diagnosis_at,"
            + " window_start, window_end)"
            + " SELECT 'ep' || g, 'p' || g, 'bench', 'e' || g, timestamptz '2025-01-02T00:00:00Z',"
            + " timestamptz '2025-01-01T00:00:00Z', timestamptz '2025-12-31T00:00:00Z'"
            + " FROM generate_series(1, 2000) g");
    jdbc.update(
        "INSERT INTO measurement (observation_id, patient_id, site_id, variable, status, effective_at,"
            + " value, unit, original_value, original_unit, codings, source_type, source_id)"
            + " SELECT 'm' || g, 'p' || (g % 2000 + 1), 'bench', v.variable, 'final',"
            + " timestamptz '2025-01-01T00:00:00Z' + (g % 500000) * interval '1 minute',"
            + " round((random() * 100)::numeric, 2), v.unit,"
            + " CASE WHEN v.variable = 'lactate' THEN 45 END, CASE WHEN v.variable = 'lactate' THEN 'mg/dL' END,"
            + " jsonb_build_array(jsonb_build_object('system', 'http://loinc.org', 'code', v.loinc)),"
            + " 'Observation', 'm' || g"
            + " FROM generate_series(1, ?) g"
            + " JOIN (VALUES (0, 'hr', '/min', '8867-4'), (1, 'sbp', 'mm[Hg]', '8480-6'),"
            + " (2, 'dbp', 'mm[Hg]', '8462-4'), (3, 'map', 'mm[Hg]', '8478-0'),"
            + " (4, 'lactate', 'mmol/L', '2524-7'), (5, 'creatinine', 'mg/dL', '2160-0'))"
            + " AS v(k, variable, unit, loinc) ON v.k = g % 6",
        rows);
    jdbc.execute("ANALYZE");

    var os =
        (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    HttpResponse<String> kick =
        get("/fhir/$export?_type=Observation", TOKEN, "Prefer", "respond-async");
    assertThat(kick.statusCode()).isEqualTo(202);
    String status = kick.headers().firstValue("Content-Location").orElseThrow();
    String jobId = status.substring(status.indexOf("_jobId=") + 7);
    HttpResponse<String> poll =
        await("export still running")
            .atMost(Duration.ofMinutes(10))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> get(status, TOKEN), res -> res.statusCode() != 202);
    assertThat(poll.statusCode()).as(poll.body()).isEqualTo(200);
    double jvmCpuMicros = (os.getProcessCpuTime() - cpu0) / 1000.0;
    // the database's share: the same query run alone, rows discarded on the server
    double dbMillis =
        jdbc
            .queryForList(
                "EXPLAIN (ANALYZE, TIMING OFF) SELECT "
                    + org.shockreg.server.fhir.CuratedResourceMapper.OBSERVATION_COLUMNS
                    + " FROM curated_observation WHERE row_id > 0 ORDER BY row_id",
                String.class)
            .stream()
            .filter(l -> l.startsWith("Execution Time"))
            .mapToDouble(l -> Double.parseDouble(l.replaceAll("[^0-9.]", "")))
            .findFirst()
            .orElse(0);
    Map<String, Object> job =
        jdbc.queryForMap(
            "SELECT exported, extract(epoch FROM finished_at - started_at) AS seconds FROM bulk_export_job WHERE job_id = ?",
            jobId);
    long exported = ((Number) job.get("exported")).longValue();
    double seconds = ((Number) job.get("seconds")).doubleValue();
    assertThat(exported).isEqualTo(rows);
    double perRowMicros = (jvmCpuMicros + dbMillis * 1000) / exported;
    System.out.printf(
        "BULK EXPORT BENCHMARK rows=%d seconds=%.2f resources_per_second=%.0f jvm_cpu_us_per_resource=%.1f"
            + " db_us_per_resource=%.1f projected_resources_per_second_on_2_idle_cores=%.0f load_average=%.1f%n",
        exported,
        seconds,
        exported / seconds,
        jvmCpuMicros / exported,
        dbMillis * 1000 / exported,
        2e6 / perRowMicros,
        os.getSystemLoadAverage());
  }
}
