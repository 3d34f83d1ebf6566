package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.shockreg.server.fhir.GroupMembers;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Bulk Data export (IG 2.0) over real HTTP on a real PostgreSQL: data ingested through {@code POST
 * /ingest/{site}}, exports kicked off at system, Patient and Group level, polled with Retry-After,
 * every file downloaded with the token and every line parsed by HAPI. Tiny files and row-id ranges
 * (5 resources, 4 row ids) so splitting and the parallel ranges of one snapshot are exercised on a
 * small data set.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Import(BulkExportIT.SiteGroups.class)
class BulkExportIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-bulk-0123456789";
  static final String ANALYST = "it-analyst-token-bulk-0123456789";
  static final Path DATA_DIR = newDataDir();
  static final int MAX_PER_FILE = 5;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, DATA_DIR);
    registerToken(registry, 0, TOKEN, "admin");
    registerToken(registry, 1, ANALYST, "analyst");
    registerHttpOnly(registry);
    registry.add("shockreg.bulk-export.max-resources-per-file", () -> MAX_PER_FILE);
    registry.add("shockreg.bulk-export.range-rows", () -> 4);
    registry.add("shockreg.bulk-export.fetch-size", () -> 3);
    registry.add("shockreg.bulk-export.threads-per-job", () -> 2);
    registry.add("shockreg.bulk-export.retry-after", () -> "1s");
    registry.add("shockreg.bulk-export.cleanup-interval", () -> "300ms");
    registry.add("shockreg.bulk-export.heartbeat", () -> "200ms");
    registry.add("shockreg.bulk-export.retention", () -> "1h");
  }

  /**
   * Groups for the test: {@code Group/site-<site id>} holds the patients of that site, read from
   * the {@code patient} table (the cohorts feature brings the real Groups).
   */
  @TestConfiguration
  static class SiteGroups {
    @Bean
    @Primary
    GroupMembers siteGroups(JdbcTemplate jdbc) {
      return groupId -> {
        if (!groupId.startsWith("site-")) {
          return Optional.empty();
        }
        String site = groupId.substring(5);
        Boolean exists =
            jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM site WHERE site_id = ?)", Boolean.class, site);
        if (!Boolean.TRUE.equals(exists)) {
          return Optional.empty();
        }
        return Optional.of(
            jdbc.queryForList(
                "SELECT patient_id FROM patient WHERE site_id = ?", String.class, site));
      };
    }
  }

  @Autowired JdbcTemplate jdbc;
  @Autowired org.shockreg.server.bulk.BulkExportService service;
  @Autowired MeterRegistry meters;
  final ObjectMapper json = new ObjectMapper();
  IGenericClient client;

  /**
   * Curated per site: a = 3 patients with a stay, AMI, IABP, HR and lactate; b = 2 with AMI and HR.
   */
  static final Map<String, Integer> EXPECTED =
      Map.of("Patient", 5, "Encounter", 3, "Condition", 5, "Procedure", 3, "Observation", 8);

  @BeforeAll
  void ingest() throws Exception {
    client = fhirClient(TOKEN);
    StringBuilder a = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      String p = "a" + i;
      a.append(patient(p, "female", "1955-0" + i + "-01"))
          .append(encounter(p))
          .append(condition(p))
          .append(procedure(p))
          .append(heartRate(p, "hr-" + p, 100 + i))
          .append(lactate(p, 4 + i));
    }
    assertThat(curated("bulk-a", a.toString())).isEqualTo(18);
    StringBuilder b = new StringBuilder();
    for (int i = 1; i <= 2; i++) {
      String p = "b" + i;
      b.append(patient(p, "male", "1960-0" + i + "-01"))
          .append(condition(p))
          .append(heartRate(p, "hr-" + p, 90 + i));
    }
    assertThat(curated("bulk-b", b.toString())).isEqualTo(6);
  }

  // ---- kick-off, poll, download

  @Test
  @Order(1)
  void systemExport_writesEveryCuratedResource_asTheSearchApiRendersIt() throws Exception {
    String kickoff = base() + "/$export";
    Manifest m = export(kickoff);
    assertThat(m.json.get("request").asText()).isEqualTo(kickoff);
    assertThat(m.json.get("requiresAccessToken").asBoolean()).isTrue();
    assertThat(m.json.get("error")).isEmpty();
    assertThat(Instant.parse(m.json.get("transactionTime").asText())).isBefore(Instant.now());
    assertThat(m.countsByType()).isEqualTo(EXPECTED);
    // split into files of at most 5, each file's manifest count true to its lines
    for (JsonNode out : m.json.get("output")) {
      assertThat(out.get("count").asInt()).isBetween(1, MAX_PER_FILE);
      assertThat(m.files.get(out.get("url").asText())).hasSize(out.get("count").asInt());
    }
    assertThat(m.json.get("output").findValuesAsText("type").stream().filter("Observation"::equals))
        .hasSizeGreaterThanOrEqualTo(2);
    // the same resources the API serves, rendered the same way, each exactly once
    List<Resource> all = m.resources();
    assertThat(all.stream().map(r -> r.fhirType() + "/" + r.getIdElement().getIdPart()).distinct())
        .hasSize(24);
    for (Resource exported : all) {
      Resource served =
          (Resource)
              client
                  .read()
                  .resource(exported.fhirType())
                  .withId(exported.getIdElement().getIdPart())
                  .execute();
      assertThat(sameContent(exported, served))
          .as(exported.fhirType() + " " + exported.getIdPart())
          .isTrue();
    }
    Observation lactate =
        all.stream()
            .filter(
                r ->
                    r instanceof Observation o
                        && o.getCode().getCodingFirstRep().getCode().equals("lactate"))
            .map(Observation.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(lactate.getValueQuantity().getCode()).isEqualTo("mmol/L");
    assertThat(lactate.getSubject().getReference()).startsWith("Patient/");
  }

  @Test
  @Order(2)
  void patientExport_withType_exportsOnlyThoseTypes() throws Exception {
    String kickoff =
        base()
            + "/Patient/$export?_type=Patient,Observation&_outputFormat="
            + enc("application/fhir+ndjson");
    Manifest m = export(kickoff);
    assertThat(m.json.get("request").asText()).isEqualTo(kickoff);
    assertThat(m.countsByType()).isEqualTo(Map.of("Patient", 5, "Observation", 8));
    assertThat(m.resources())
        .allMatch(r -> r.fhirType().equals("Patient") || r.fhirType().equals("Observation"));
  }

  @Test
  @Order(3)
  void groupExport_exportsOnlyTheGroupsMembers_andAnUnknownGroupIs404() throws Exception {
    Set<String> members =
        new HashSet<>(
            jdbc.queryForList(
                "SELECT patient_id FROM patient WHERE site_id = 'bulk-b'", String.class));
    assertThat(members).hasSize(2);
    Manifest m = export(base() + "/Group/site-bulk-b/$export?_outputFormat=ndjson");
    assertThat(m.countsByType()).isEqualTo(Map.of("Patient", 2, "Condition", 2, "Observation", 2));
    for (Resource r : m.resources()) {
      String patient =
          r instanceof org.hl7.fhir.r4.model.Patient
              ? r.getIdPart()
              : fhir.newTerser()
                  .getSinglePrimitiveValueOrNull(r, "subject.reference")
                  .substring("Patient/".length());
      assertThat(members).contains(patient);
    }
    HttpResponse<String> unknown = kickOff(base() + "/Group/no-such-group/$export", TOKEN);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(outcome(unknown).getIssueFirstRep().getDiagnostics()).contains("SR-BULK-5");
  }

  @Test
  @Order(4)
  void postKickOff_withParametersBody_isAccepted() throws Exception {
    Parameters p = new Parameters();
    p.addParameter().setName("_type").setValue(new StringType("Patient"));
    p.addParameter().setName("_outputFormat").setValue(new StringType("application/fhir+ndjson"));
    HttpResponse<String> res =
        post(
            base() + "/Group/site-bulk-a/$export",
            "application/fhir+json",
            fhir.newJsonParser().encodeResourceToString(p),
            ANALYST,
            "Prefer",
            "respond-async",
            "Accept",
            "application/fhir+json");
    assertThat(res.statusCode()).isEqualTo(202);
    Manifest m = complete(res.headers().firstValue("Content-Location").orElseThrow(), ANALYST);
    assertThat(m.countsByType()).isEqualTo(Map.of("Patient", 3));
  }

  @Test
  @Order(5)
  void since_exportsOnlyWhatChangedAfterTheFirstExportsTransactionTime() throws Exception {
    Manifest first = export(base() + "/$export");
    String transactionTime = first.json.get("transactionTime").asText();
    // a new patient with one heart rate, and a new value for an existing heart rate
    assertThat(
            curated(
                "bulk-a",
                patient("a4", "male", "1970-01-01")
                    + heartRate("a4", "hr-a4", 77)
                    + heartRate("a1", "hr-a1", 131)))
        .isEqualTo(3);
    Manifest second = export(base() + "/$export?_since=" + enc(transactionTime));
    assertThat(second.countsByType()).isEqualTo(Map.of("Patient", 1, "Observation", 2));
    assertThat(second.resources())
        .filteredOn(r -> r instanceof Observation)
        .extracting(r -> ((Observation) r).getValueQuantity().getValue().intValue())
        .containsExactlyInAnyOrder(77, 131);
    // nothing changed since the second export
    Manifest third =
        export(base() + "/$export?_since=" + enc(second.json.get("transactionTime").asText()));
    assertThat(third.json.get("output")).isEmpty();
  }

  // ---- errors and security

  @Test
  @Order(6)
  void badKickOffs_are400WithAnOperationOutcome() throws Exception {
    HttpResponse<String> noPrefer = get(base() + "/$export", TOKEN);
    assertThat(noPrefer.statusCode()).isEqualTo(400);
    assertThat(outcome(noPrefer).getIssueFirstRep().getDiagnostics()).contains("SR-BULK-1");
    Map<String, String> bad = new TreeMap<>();
    bad.put("/$export?_outputFormat=" + enc("application/fhir+json"), "SR-BULK-2");
    bad.put("/$export?_outputFormat=csv", "SR-BULK-2");
    bad.put("/$export?_typeFilter=" + enc("Observation?code=x"), "SR-BULK-3");
    bad.put("/$export?_elements=id", "SR-BULK-3");
    bad.put("/Patient/$export?patient=Patient/x", "SR-BULK-3");
    bad.put(
        "/Group/site-bulk-a/$export?includeAssociatedData=LatestProvenanceResources", "SR-BULK-3");
    bad.put("/$export?foo=bar", "SR-BULK-3");
    bad.put("/$export?_type=MedicationRequest", "SR-BULK-4");
    bad.put("/$export?_type=Patient,Nonsense", "SR-BULK-4");
    bad.put("/$export?_since=yesterday", "");
    for (Map.Entry<String, String> e : bad.entrySet()) {
      HttpResponse<String> res = kickOff(base() + e.getKey(), TOKEN);
      assertThat(res.statusCode()).as(e.getKey()).isEqualTo(400);
      assertThat(outcome(res).getIssueFirstRep().getDiagnostics())
          .as(e.getKey())
          .contains(e.getValue());
    }
  }

  @Test
  @Order(7)
  void statusAndFiles_needTheToken() throws Exception {
    HttpResponse<String> kick = kickOff(base() + "/$export?_type=Condition", TOKEN);
    String status = kick.headers().firstValue("Content-Location").orElseThrow();
    Manifest m = complete(status, TOKEN);
    String file = m.json.get("output").get(0).get("url").asText();
    assertThat(get(status, null).statusCode()).isEqualTo(401);
    assertThat(get(file, null).statusCode()).isEqualTo(401);
    assertThat(get(file, "not-a-token").statusCode()).isEqualTo(401);
    assertThat(kickOff(base() + "/$export", null).statusCode()).isEqualTo(401);
    // only the caller that kicked it off (docs/security.md): to anyone else the job does not exist
    assertThat(get(file, ANALYST).statusCode()).isEqualTo(404);
    assertThat(get(status, ANALYST).statusCode()).isEqualTo(404);
    HttpResponse<String> own = get(file, TOKEN);
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(own.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/fhir+ndjson");
    // unknown jobs and files
    assertThat(
            get(base() + "/$export-poll-status?_jobId=00000000-0000-0000-0000-000000000000", TOKEN)
                .statusCode())
        .isEqualTo(404);
    assertThat(
            get(file.replaceAll("file=[^&]+", "file=" + enc("../../admin-token")), TOKEN)
                .statusCode())
        .isEqualTo(404);
  }

  @Test
  @Order(8)
  void capabilityStatement_declaresTheExportOperations() throws Exception {
    String metadata = get(base() + "/metadata", null).body();
    assertThat(metadata).contains("\"name\":\"export\"").contains("export-poll-status");
    assertThat(metadata)
        .contains("http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export");
  }

  // ---- delete, expiry, restart

  @Test
  @Order(9)
  void deleteOfAFinishedJob_removesItsFiles_andTheStatusIsGone() throws Exception {
    String status =
        kickOff(base() + "/$export?_type=Patient", TOKEN)
            .headers()
            .firstValue("Content-Location")
            .orElseThrow();
    Manifest m = complete(status, TOKEN);
    String jobId = jobId(status);
    assertThat(DATA_DIR.resolve("bulk-export").resolve(jobId)).isDirectory();
    HttpResponse<String> deleted = send("DELETE", status, TOKEN, null, null);
    assertThat(deleted.statusCode()).isEqualTo(202);
    assertThat(get(status, TOKEN).statusCode()).isEqualTo(404);
    assertThat(get(m.json.get("output").get(0).get("url").asText(), TOKEN).statusCode())
        .isEqualTo(404);
    assertThat(DATA_DIR.resolve("bulk-export").resolve(jobId)).doesNotExist();
    assertThat(send("DELETE", status, TOKEN, null, null).statusCode()).isEqualTo(404);
  }

  @Test
  @Order(10)
  void expiredJobs_are404_andCleanedUp() throws Exception {
    String status =
        kickOff(base() + "/$export?_type=Encounter", TOKEN)
            .headers()
            .firstValue("Content-Location")
            .orElseThrow();
    HttpResponse<String> done = awaitDone(status, TOKEN);
    String jobId = jobId(status);
    // retention 1h: the manifest says when it expires
    Instant expires =
        java.time.ZonedDateTime.parse(
                done.headers().firstValue("Expires").orElseThrow(),
                java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
            .toInstant();
    assertThat(expires)
        .isBetween(
            Instant.now().plus(Duration.ofMinutes(59)), Instant.now().plus(Duration.ofMinutes(61)));
    // an hour later (moved back in the database rather than waited for)
    jdbc.update(
        "UPDATE bulk_export_job SET expires_at = now() - interval '1 second' WHERE job_id = ?",
        jobId);
    assertThat(get(status, TOKEN).statusCode()).isEqualTo(404);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(DATA_DIR.resolve("bulk-export").resolve(jobId)).doesNotExist();
              assertThat(
                      jdbc.queryForObject(
                          "SELECT count(*) FROM bulk_export_job WHERE job_id = ?",
                          Integer.class,
                          jobId))
                  .isZero();
            });
  }

  @Test
  @Order(11)
  void aJobInterruptedByAStop_isRunAgainOnStart() throws Exception {
    String status =
        kickOff(base() + "/$export", TOKEN).headers().firstValue("Content-Location").orElseThrow();
    complete(status, TOKEN);
    String jobId = jobId(status);
    // the state a stop in the middle of the job leaves behind: row in progress, a partial file
    jdbc.update(
        "UPDATE bulk_export_job SET status = 'in-progress', output = '[]', transaction_time = NULL,"
            + " finished_at = NULL, expires_at = NULL, exported = 3 WHERE job_id = ?",
        jobId);
    Path dir = DATA_DIR.resolve("bulk-export").resolve(jobId);
    Files.list(dir).forEach(f -> f.toFile().delete());
    Files.writeString(dir.resolve("Observation.1.ndjson"), "{\"resourceType\":\"Observation\"");
    service.recoverInterruptedJobs(); // what a start does
    Manifest again = complete(status, TOKEN);
    assertThat(again.countsByType())
        .isEqualTo(
            Map.of("Patient", 6, "Encounter", 3, "Condition", 5, "Procedure", 3, "Observation", 9));
    assertThat(
            jdbc.queryForObject(
                "SELECT attempts FROM bulk_export_job WHERE job_id = ?", Integer.class, jobId))
        .isEqualTo(2);
  }

  /** Last: it adds many rows. */
  @Test
  @Order(12)
  void deleteWhileRunning_cancelsTheJob_andRemovesItsFiles() throws Exception {
    // volume for a job that runs long enough to be cancelled: rows written straight into the
    // curated table (intake of 60,000 source resources would take longer than the whole test)
    String patient =
        jdbc.queryForObject(
            "SELECT patient_id FROM patient WHERE site_id = 'bulk-b' LIMIT 1", String.class);
    jdbc.update(
        "INSERT INTO measurement (observation_id, patient_id, site_id, variable, status, effective_at,"
            + " value, unit, source_type, source_id)"
            + " SELECT 'load-' || g, ?, 'bulk-b', 'lactate', 'final',"
            + " timestamptz '2025-01-01T00:00:00Z' + g * interval '1 minute', 2.5, 'mmol/L', 'Observation', 'load-' || g"
            + " FROM generate_series(1, 60000) g",
        patient);
    double cancelledBefore = cancelledJobs();
    String status =
        kickOff(base() + "/$export?_type=Observation", TOKEN)
            .headers()
            .firstValue("Content-Location")
            .orElseThrow();
    String jobId = jobId(status);
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
    HttpResponse<String> cancel = send("DELETE", status, TOKEN, null, null);
    assertThat(cancel.statusCode()).isEqualTo(202);
    assertThat(get(status, TOKEN).statusCode()).isEqualTo(404);
    await().atMost(Duration.ofSeconds(20)).until(() -> cancelledJobs() == cancelledBefore + 1);
    assertThat(DATA_DIR.resolve("bulk-export").resolve(jobId)).doesNotExist();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM bulk_export_job WHERE job_id = ?", Integer.class, jobId))
        .isZero();
    jdbc.update("DELETE FROM measurement WHERE observation_id LIKE 'load-%'");
  }

  // ---- deletions (tombstones)

  @Test
  @Order(13)
  void sinceExport_listsRetractedResourcesInTheDeletedFiles_perGroupOnlyItsPatients()
      throws Exception {
    // site c: a heart rate and an AMI; site d: a heart rate. Each site is a Group (SiteGroups).
    assertThat(
            curated(
                "bulk-c",
                patient("c1", "female", "1950-01-01")
                    + heartRate("c1", "hr-c1", 88)
                    + condition("c1")))
        .isEqualTo(3);
    assertThat(
            curated("bulk-d", patient("d1", "male", "1951-01-01") + heartRate("d1", "hr-d1", 99)))
        .isEqualTo(2);
    String hrC1 = curatedId("measurement", "observation_id", "bulk-c", "hr-c1");
    String amiC1 = curatedId("diagnosis", "condition_id", "bulk-c", "ami-c1");
    String hrD1 = curatedId("measurement", "observation_id", "bulk-d", "hr-d1");
    String since = export(base() + "/$export?_type=Patient").json.get("transactionTime").asText();

    // the same sources sent again as entered-in-error: intake retracts (hard-deletes) the facts
    assertThat(
            curated(
                "bulk-c",
                heartRate("c1", "hr-c1", 88).replace("\"final\"", "\"entered-in-error\"")
                    + condition("c1").replace("\"code\":{", ENTERED_IN_ERROR + "\"code\":{")))
        .isZero();
    assertThat(
            curated(
                "bulk-d",
                heartRate("d1", "hr-d1", 99).replace("\"final\"", "\"entered-in-error\"")))
        .isZero();

    Manifest system = export(base() + "/$export?_since=" + enc(since));
    assertThat(system.deletedReferences())
        .contains("Observation/" + hrC1, "Observation/" + hrD1, "Condition/" + amiC1)
        .doesNotHaveDuplicates();
    assertThat(system.resources())
        .extracting(r -> r.fhirType() + "/" + r.getIdElement().getIdPart())
        .doesNotContain("Observation/" + hrC1, "Observation/" + hrD1, "Condition/" + amiC1);
    for (JsonNode d : system.json.get("deleted")) {
      assertThat(d.get("type").asText()).isEqualTo("Bundle");
      assertThat(system.files.get(d.get("url").asText())).hasSize(d.get("count").asInt());
    }

    // _type limits the deletions too; a Group lists only its own patients' deletions
    assertThat(
            export(base() + "/Patient/$export?_type=Observation&_since=" + enc(since))
                .deletedReferences())
        .contains("Observation/" + hrC1, "Observation/" + hrD1)
        .allMatch(ref -> ref.startsWith("Observation/"));
    assertThat(
            export(base() + "/Group/site-bulk-c/$export?_since=" + enc(since)).deletedReferences())
        .containsExactlyInAnyOrder("Observation/" + hrC1, "Condition/" + amiC1);

    // without _since there is nothing to report: the array is there and empty
    Manifest full = export(base() + "/$export?_type=Observation");
    assertThat(full.json.get("deleted")).isEmpty();
  }

  @Test
  @Order(14)
  void aResourceCreatedAgainAfterItsDeletion_isNotListedAsDeleted() throws Exception {
    assertThat(
            curated(
                "bulk-e",
                patient("e1", "female", "1952-01-01") + versioned(heartRate("e1", "hr-e1", 70), 1)))
        .isEqualTo(2);
    String since = export(base() + "/$export?_type=Patient").json.get("transactionTime").asText();
    String id = curatedId("measurement", "observation_id", "bulk-e", "hr-e1");
    assertThat(
            curated(
                "bulk-e",
                versioned(
                    heartRate("e1", "hr-e1", 70).replace("\"final\"", "\"entered-in-error\""), 2)))
        .isZero();
    // the trigger recorded the deletion, whatever the delete path
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM curated_deletion WHERE resource_type = 'Observation' AND resource_id = ?",
                Integer.class,
                id))
        .isEqualTo(1);
    // a newer, corrected version of the same source brings the fact back
    assertThat(curated("bulk-e", versioned(heartRate("e1", "hr-e1", 72), 3))).isEqualTo(1);
    String again = curatedId("measurement", "observation_id", "bulk-e", "hr-e1");
    assertThat(again).as("the curated id follows the source, so it comes back").isEqualTo(id);

    Manifest m = export(base() + "/$export?_type=Observation&_since=" + enc(since));
    assertThat(m.deletedReferences()).doesNotContain("Observation/" + again);
    assertThat(m.resources()).extracting(r -> r.getIdElement().getIdPart()).contains(again);
  }

  static String versioned(String resource, int version) {
    return resource.replaceFirst(",", ",\"meta\":{\"versionId\":\"" + version + "\"},");
  }

  static final String ENTERED_IN_ERROR =
      "\"verificationStatus\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/condition-ver-status\","
          + "\"code\":\"entered-in-error\"}]},";

  String curatedId(String table, String idColumn, String site, String sourceId) {
    // table and column names are constants of this test
    return jdbc.queryForObject(
        "SELECT " + idColumn + " FROM " + table + " WHERE site_id = ? AND source_id = ?",
        String.class,
        site,
        sourceId);
  }

  // ---- client side of the protocol

  record Manifest(JsonNode json, Map<String, List<String>> files, FhirContext fhir) {
    Map<String, Integer> countsByType() {
      Map<String, Integer> counts = new TreeMap<>();
      for (JsonNode out : json.get("output")) {
        counts.merge(out.get("type").asText(), out.get("count").asInt(), Integer::sum);
      }
      return counts;
    }

    List<Resource> resources() {
      List<Resource> all = new ArrayList<>();
      for (JsonNode out : json.get("output")) {
        for (String line : files.get(out.get("url").asText())) {
          Resource r = (Resource) fhir.newJsonParser().parseResource(line);
          assertThat(r.fhirType()).isEqualTo(out.get("type").asText());
          all.add(r);
        }
      }
      return all;
    }

    /**
     * The DELETE request urls of the manifest's "deleted" Bundles, e.g. {@code Observation/<id>}.
     */
    List<String> deletedReferences() {
      List<String> refs = new ArrayList<>();
      for (JsonNode d : json.get("deleted")) {
        for (String line : files.get(d.get("url").asText())) {
          org.hl7.fhir.r4.model.Bundle b =
              fhir.newJsonParser().parseResource(org.hl7.fhir.r4.model.Bundle.class, line);
          assertThat(b.getType()).isEqualTo(org.hl7.fhir.r4.model.Bundle.BundleType.TRANSACTION);
          for (var e : b.getEntry()) {
            assertThat(e.hasResource()).isFalse();
            assertThat(e.getRequest().getMethod())
                .isEqualTo(org.hl7.fhir.r4.model.Bundle.HTTPVerb.DELETE);
            refs.add(e.getRequest().getUrl());
          }
        }
      }
      return refs;
    }
  }

  Manifest export(String kickoffUrl) throws Exception {
    HttpResponse<String> kick = kickOff(kickoffUrl, TOKEN);
    assertThat(kick.statusCode()).as(kick.body()).isEqualTo(202);
    return complete(kick.headers().firstValue("Content-Location").orElseThrow(), TOKEN);
  }

  /** Polls as a client must (waiting Retry-After), then downloads every file. */
  Manifest complete(String statusUrl, String token) throws Exception {
    HttpResponse<String> done = awaitDone(statusUrl, token);
    assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
    assertThat(done.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/json");
    JsonNode manifest = json.readTree(done.body());
    Map<String, List<String>> files = new TreeMap<>();
    List<JsonNode> listed = new ArrayList<>();
    manifest.get("output").forEach(listed::add);
    manifest.withArray("deleted").forEach(listed::add);
    for (JsonNode out : listed) {
      String url = out.get("url").asText();
      assertThat(url).startsWith(base() + "/$export-file?");
      HttpResponse<String> file = get(url, token);
      assertThat(file.statusCode()).isEqualTo(200);
      assertThat(file.headers().firstValue("Content-Type").orElseThrow())
          .startsWith("application/fhir+ndjson");
      files.put(url, file.body().lines().filter(l -> !l.isBlank()).collect(Collectors.toList()));
    }
    return new Manifest(manifest, files, fhir);
  }

  /** Polls until the job is no longer running, as a client must: again after each Retry-After. */
  HttpResponse<String> awaitDone(String statusUrl, String token) {
    AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
    AtomicLong retryAfter = new AtomicLong();
    await("export still running")
        .atMost(Duration.ofSeconds(45))
        .pollDelay(Duration.ZERO)
        .pollInterval(
            (polls, previous) ->
                Duration.ofSeconds(retryAfter.get())) // the protocol's own back-off
        .until(
            () -> {
              HttpResponse<String> res = get(statusUrl, token);
              last.set(res);
              if (res.statusCode() != 202) {
                return true;
              }
              assertThat(res.headers().firstValue("X-Progress")).isPresent();
              retryAfter.set(Long.parseLong(res.headers().firstValue("Retry-After").orElseThrow()));
              assertThat(retryAfter.get()).isPositive();
              return false;
            });
    return last.get();
  }

  HttpResponse<String> kickOff(String url, String token) throws Exception {
    return get(url, token, "Prefer", "respond-async", "Accept", "application/fhir+json");
  }

  OperationOutcome outcome(HttpResponse<String> res) {
    return fhir.newJsonParser().parseResource(OperationOutcome.class, res.body());
  }

  double cancelledJobs() {
    var timer = meters.find("shockreg.bulk.export.job").tag("outcome", "cancelled").timer();
    return timer == null ? 0 : timer.count();
  }

  static String jobId(String statusUrl) {
    return statusUrl.substring(statusUrl.indexOf("_jobId=") + "_jobId=".length());
  }

  static boolean sameContent(Resource exported, Resource served) {
    Resource a = exported.copy();
    Resource b = served.copy();
    a.setId(exported.getIdElement().getIdPart());
    b.setId(served.getIdElement().getIdPart());
    return a.equalsDeep(b);
  }

  String base() {
    return "http://localhost:" + port + "/fhir";
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  int curated(String site, String ndjson) throws Exception {
    HttpResponse<String> res = post("/ingest/" + site, NDJSON, ndjson, TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return count(parameters(res), "curated");
  }

  // ---- source resources

  static String patient(String id, String gender, String birthDate) {
    return "{\"resourceType\":\"Patient\",\"id\":\""
        + id
        + "\",\"gender\":\""
        + gender
        + "\",\"birthDate\":\""
        + birthDate
        + "\"}\n";
  }

  static String encounter(String p) {
    return "{\"resourceType\":\"Encounter\",\"id\":\"enc-"
        + p
        + "\",\"status\":\"finished\","
        + "\"class\":{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"IMP\"},"
        + "\"subject\":{\"reference\":\"Patient/"
        + p
        + "\"},"
        + "\"period\":{\"start\":\"2025-03-03T10:00:00Z\",\"end\":\"2025-03-09T12:00:00Z\"}}\n";
  }

  static String condition(String p) {
    return "{\"resourceType\":\"Condition\",\"id\":\"ami-"
        + p
        + "\","
        + "\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/icd-10-cm\",\"code\":\"I21.01\"}]},"
        + "\"subject\":{\"reference\":\"Patient/"
        + p
        + "\"},\"onsetDateTime\":\"2025-03-03T08:00:00Z\"}\n";
  }

  static String procedure(String p) {
    return "{\"resourceType\":\"Procedure\",\"id\":\"iabp-"
        + p
        + "\",\"status\":\"in-progress\","
        + "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"442807006\"}]},"
        + "\"subject\":{\"reference\":\"Patient/"
        + p
        + "\"},"
        + "\"performedPeriod\":{\"start\":\"2025-03-03T14:20:00Z\"}}\n";
  }

  static String heartRate(String p, String id, int bpm) {
    return "{\"resourceType\":\"Observation\",\"id\":\""
        + id
        + "\",\"status\":\"final\","
        + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
        + "\"subject\":{\"reference\":\"Patient/"
        + p
        + "\"},\"effectiveDateTime\":\"2025-03-03T11:00:00Z\","
        + "\"valueQuantity\":{\"value\":"
        + bpm
        + ",\"unit\":\"/min\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}}\n";
  }

  static String lactate(String p, int mmol) {
    return "{\"resourceType\":\"Observation\",\"id\":\"lac-"
        + p
        + "\",\"status\":\"final\","
        + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"2524-7\"}]},"
        + "\"subject\":{\"reference\":\"Patient/"
        + p
        + "\"},\"effectiveDateTime\":\"2025-03-03T11:05:00Z\","
        + "\"valueQuantity\":{\"value\":"
        + mmol
        + ",\"unit\":\"mmol/L\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mmol/L\"}}\n";
  }
}
