package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.shockreg.ingest.pull.FhirRestPullService;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** With {@code code-filter: true} only data under codes the mapping rules know moves. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PullCodeFilterIT {

  static final String EHR_TOKEN = "ehr-secret-token-42";
  static final TestEhr EHR = FhirRestPullIT.startEhr();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    TestDatabase.register(registry);
    Path dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "it-codefilter-");
    registry.add("shockreg.data-dir", dataDir::toString);
    registry.add("shockreg.mllp.port", () -> "-1");
    String p = "shockreg.sources.filtered-ehr.";
    registry.add(p + "type", () -> "fhir-rest");
    registry.add(p + "base-url", EHR::baseUrl);
    registry.add(p + "schedule", () -> "1h");
    registry.add(p + "resource-types", () -> "Patient,Observation");
    registry.add(p + "code-filter", () -> "true");
    registry.add(p + "auth.type", () -> "bearer");
    registry.add(p + "auth.token", () -> EHR_TOKEN);
  }

  @Autowired FhirRestPullService pulls;
  @Autowired JdbcTemplate jdbc;

  @AfterAll
  static void stop() throws Exception {
    EHR.close();
  }

  @Test
  void onlyRegistryRelevantObservationsAreFetched() {
    Observation spo2 = new Observation();
    spo2.setId("spo2-1");
    spo2.setStatus(Observation.ObservationStatus.FINAL);
    spo2.setCode(new CodeableConcept(new Coding("http://loinc.org", "2708-6", "SpO2")));
    spo2.setSubject(new Reference("Patient/cf-1"));
    spo2.setEffective(new DateTimeType("2025-06-01T08:00:00Z"));
    spo2.setValue(new Quantity().setValue(97).setUnit("%"));
    EHR.put(
        FhirRestPullIT.patient("cf-1", 1960),
        FhirRestPullIT.heartRate("cf-hr-1", "cf-1", 3, 95),
        spo2);

    assertThat(pulls.trigger("filtered-ehr")).isEqualTo(FhirRestPullService.TriggerResult.STARTED);
    await().atMost(Duration.ofSeconds(30)).until(() -> !pulls.isRunning("filtered-ehr"));

    assertThat(EHR.searches("Observation")).isNotEmpty().allMatch(q -> q.contains("code="));
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM measurement WHERE site_id = 'filtered-ehr' AND variable = 'hr'",
                Integer.class))
        .isEqualTo(1);
    // the SpO2 never left the EHR: not in the raw store, not counted as unmapped
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM raw_resource WHERE site_id = 'filtered-ehr' AND resource_id = 'spo2-1'",
                Integer.class))
        .isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT state FROM pull_run WHERE source_id = 'filtered-ehr'", String.class))
        .isEqualTo("succeeded");
  }
}
