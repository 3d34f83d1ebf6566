package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole path over real HTTP on a real PostgreSQL: post source data, then find the curated facts
 * with HAPI's generic client.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IntakeToFhirIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-0123456789";
  static final String RV = "https://fhir.shockreg.org/CodeSystem/registry-variable";
  static final Path DATA_DIR = newDataDir();
  static final String NATIONAL_ID = "urn:oid:2.16.840.1.113883.2.9.4.3.2";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, DATA_DIR);
    registerToken(registry, 0, TOKEN, "admin");
    registerToken(registry, 1, "it-analyst-token-0123456789", "analyst");
    registry.add("shockreg.inbox.poll-delay", () -> "200ms");
    registry.add("shockreg.identity.shared-identifier-system", () -> NATIONAL_ID);
  }

  @Autowired JdbcTemplate jdbc;
  IGenericClient client;

  @BeforeAll
  void client() {
    client = fhirClient(TOKEN);
  }

  static byte[] resource(String name) throws IOException {
    try (InputStream in = IntakeToFhirIT.class.getResourceAsStream("/intake/" + name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void transactionBundle_isCurated_andFoundByFhirSearch() throws Exception {
    HttpResponse<String> res =
        post(
            "/ingest/site-bundle",
            "application/fhir+json",
            resource("transaction-bundle.json"),
            TOKEN);
    assertThat(res.statusCode()).isEqualTo(200);
    Parameters report = parameters(res);
    assertThat(count(report, "received")).isEqualTo(7);
    assertThat(count(report, "curated")).isEqualTo(5);
    assertThat(count(report, "rejected")).isEqualTo(1);
    assertThat(count(report, "ignored")).isEqualTo(1);
    Parameters.ParametersParameterComponent issue = report.getParameter("issue");
    assertThat(issue.getPart())
        .extracting(p -> p.getName())
        .contains("resourceType", "id", "reason");
    assertThat(res.body()).contains("sbp-bad-unit").contains("unknown-unit");

    // lactate 45 mg/dL -> 4.9956 mmol/L, LOINC twin 2524-7, original kept
    Bundle lactates =
        client
            .search()
            .forResource(Observation.class)
            .where(Observation.CODE.exactly().systemAndCode(RV, "lactate"))
            .returnBundle(Bundle.class)
            .execute();
    Observation lactate =
        lactates.getEntry().stream()
            .map(e -> (Observation) e.getResource())
            .filter(
                o -> o.getEffectiveDateTimeType().getValueAsString().startsWith("2025-03-01T09:00"))
            .findFirst()
            .orElseThrow();
    assertThat(lactate.getCode().getCodingFirstRep().getSystem()).isEqualTo(RV);
    assertThat(lactate.getCode().getCoding())
        .extracting(Coding::getCode)
        .containsExactly("lactate", "2524-7");
    assertThat(lactate.getValueQuantity().getValue()).isEqualByComparingTo("4.9956");
    assertThat(lactate.getValueQuantity().getCode()).isEqualTo("mmol/L");
    assertThat(lactate.getValueQuantity().getSystem()).isEqualTo("http://unitsofmeasure.org");
    Quantity original =
        (Quantity)
            lactate
                .getExtensionByUrl(
                    "https://fhir.shockreg.org/StructureDefinition/original-quantity")
                .getValue();
    assertThat(original.getValue()).isEqualByComparingTo("45");
    assertThat(original.getUnit()).isEqualTo("mg/dL");

    // the patient is a pseudonym with birth year only; the BP panel gave SBP and DBP for the same
    // patient
    String patientRef = lactate.getSubject().getReference();
    Patient patient = client.read().resource(Patient.class).withUrl(patientRef).execute();
    assertThat(patient.getBirthDateElement().getValueAsString()).isEqualTo("1961");
    assertThat(patient.hasName()).isFalse();
    assertThat(patient.hasIdentifier()).isFalse();
    Bundle bp =
        client
            .search()
            .forResource(Observation.class)
            .where(Observation.SUBJECT.hasId(patientRef))
            .and(Observation.CODE.exactly().systemAndCode("http://loinc.org", "8480-6"))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(bp.getEntry()).hasSize(1);
    Observation sbp = (Observation) bp.getEntryFirstRep().getResource();
    assertThat(sbp.getValueQuantity().getValue()).isEqualByComparingTo("78");
    assertThat(sbp.getCategoryFirstRep().getCodingFirstRep().getCode()).isEqualTo("vital-signs");

    Bundle iabp =
        client
            .search()
            .forResource(Procedure.class)
            .where(Procedure.PATIENT.hasId(patientRef))
            .and(
                Procedure.CODE
                    .exactly()
                    .systemAndCode("https://fhir.shockreg.org/CodeSystem/tmcs-device", "iabp"))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(iabp.getEntry()).hasSize(1);
    Procedure p = (Procedure) iabp.getEntryFirstRep().getResource();
    assertThat(p.getPerformedPeriod().getStartElement().getValueAsString())
        .startsWith("2025-03-01T10:00:00");

    // the rejected resource is in the dead-letter store with its raw content
    String payload =
        jdbc.queryForObject(
            "SELECT convert_from(payload, 'UTF8') FROM dead_letter WHERE resource_id = 'sbp-bad-unit'",
            String.class);
    assertThat(payload).contains("furlongs");
  }

  @Test
  void repostingTheSameContent_curatesNothingNew() throws Exception {
    byte[] body = resource("transaction-bundle.json");
    post("/ingest/site-repost", "application/fhir+json", body, TOKEN);
    Integer measurements =
        jdbc.queryForObject(
            "SELECT count(*) FROM measurement WHERE site_id = 'site-repost'", Integer.class);
    Parameters again =
        parameters(post("/ingest/site-repost", "application/fhir+json", body, TOKEN));
    assertThat(count(again, "unchanged")).isEqualTo(5);
    assertThat(count(again, "curated")).isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM measurement WHERE site_id = 'site-repost'", Integer.class))
        .isEqualTo(measurements);
  }

  @Test
  void newVersionOfASourceResource_replacesItsFact_andEnteredInErrorRetractsIt() throws Exception {
    String v1 =
        "{\"resourceType\":\"Observation\",\"id\":\"hr-1\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
            + "\"subject\":{\"reference\":\"Patient/p-9\"},\"effectiveDateTime\":\"2025-02-01T08:00:00Z\","
            + "\"valueQuantity\":{\"value\":%s,\"unit\":\"bpm\"}}";
    post(
        "/ingest/site-versions",
        "application/fhir+ndjson",
        String.format(v1, "110").getBytes(StandardCharsets.UTF_8),
        TOKEN);
    post(
        "/ingest/site-versions",
        "application/fhir+ndjson",
        String.format(v1, "95").getBytes(StandardCharsets.UTF_8),
        TOKEN);
    List<Map<String, Object>> rows =
        jdbc.queryForList("SELECT value, unit FROM measurement WHERE site_id = 'site-versions'");
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).get("value").toString()).isEqualTo("95");
    assertThat(rows.get(0).get("unit")).isEqualTo("/min");

    String retracted = String.format(v1, "95").replace("\"final\"", "\"entered-in-error\"");
    Parameters report =
        parameters(
            post(
                "/ingest/site-versions",
                "application/fhir+ndjson",
                retracted.getBytes(StandardCharsets.UTF_8),
                TOKEN));
    assertThat(count(report, "retracted")).isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM measurement WHERE site_id = 'site-versions'", Integer.class))
        .isZero();
  }

  @Test
  void unparseableBody_is400WithOperationOutcome_andKeptAsDeadLetter() throws Exception {
    HttpResponse<String> res =
        post(
            "/ingest/site-bad",
            "application/fhir+json",
            "{\"resourceType\": \"Bundle\", \"entry\": [".getBytes(StandardCharsets.UTF_8),
            TOKEN);
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.body()).contains("OperationOutcome");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM dead_letter WHERE site_id = 'site-bad' AND reason_code = 'unparseable-body'"
                    + " AND convert_from(payload, 'UTF8') LIKE '%\"entry\": [%'",
                Integer.class))
        .isEqualTo(1);
  }

  @Test
  void badNdjsonLine_isRejected_andTheRestGoesOn() throws Exception {
    String ndjson =
        "{\"resourceType\":\"Patient\",\"id\":\"a1\",\"gender\":\"male\",\"birthDate\":\"1950-01-02\"}\n"
            + "{not json\n"
            + "{\"resourceType\":\"Patient\",\"id\":\"a2\",\"gender\":\"female\",\"birthDate\":\"1970\"}\n";
    Parameters report =
        parameters(
            post(
                "/ingest/site-ndjson",
                "application/fhir+ndjson",
                ndjson.getBytes(StandardCharsets.UTF_8),
                TOKEN));
    assertThat(count(report, "received")).isEqualTo(3);
    assertThat(count(report, "curated")).isEqualTo(2);
    assertThat(count(report, "rejected")).isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT convert_from(payload, 'UTF8') FROM dead_letter WHERE site_id = 'site-ndjson'",
                String.class))
        .isEqualTo("{not json");
  }

  @Test
  void malformedSourceId_is400() throws Exception {
    HttpResponse<String> res =
        post("/ingest/Bad_Site", "application/fhir+ndjson", new byte[0], TOKEN);
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.body()).contains("OperationOutcome");
  }

  @Test
  void withoutToken_everythingButMetadataAndHealthIs401() throws Exception {
    assertThat(get("/fhir/metadata", null).statusCode()).isEqualTo(200);
    assertThat(get("/actuator/health", null).statusCode()).isEqualTo(200);
    HttpResponse<String> denied = get("/fhir/Patient", null);
    assertThat(denied.statusCode()).isEqualTo(401);
    assertThat(denied.body()).contains("OperationOutcome");
    assertThat(get("/fhir/Patient", "wrong-token-0123456789").statusCode()).isEqualTo(401);
    assertThat(post("/ingest/site-x", "application/fhir+ndjson", new byte[0], null).statusCode())
        .isEqualTo(401);
    // an analyst reads FHIR but may not ingest or administer
    assertThat(get("/fhir/Patient", "it-analyst-token-0123456789").statusCode()).isEqualTo(200);
    assertThat(
            post(
                    "/ingest/site-x",
                    "application/fhir+ndjson",
                    new byte[0],
                    "it-analyst-token-0123456789")
                .statusCode())
        .isEqualTo(403);
    assertThat(get("/admin/dead-letters", "it-analyst-token-0123456789").statusCode())
        .isEqualTo(403);
  }

  @Test
  void unknownSearchParameter_is400() throws Exception {
    HttpResponse<String> res = get("/fhir/Observation?colour=blue", TOKEN);
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.body()).contains("OperationOutcome");
  }

  @Test
  void paging_followsKeysetNextLinks_withTheRequestedPageSize() throws Exception {
    StringBuilder ndjson = new StringBuilder();
    for (int i = 0; i < 7; i++) {
      ndjson
          .append("{\"resourceType\":\"Observation\",\"id\":\"hr-page-")
          .append(i)
          .append(
              "\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},")
          .append(
              "\"subject\":{\"reference\":\"Patient/pp\"},\"effectiveDateTime\":\"2025-02-01T08:0")
          .append(i)
          .append(":00Z\",\"valueQuantity\":{\"value\":")
          .append(80 + i)
          .append(",\"unit\":\"/min\"}}\n");
    }
    post(
        "/ingest/site-paging",
        "application/fhir+ndjson",
        ndjson.toString().getBytes(StandardCharsets.UTF_8),
        TOKEN);
    String patient =
        jdbc.queryForObject(
            "SELECT DISTINCT patient_id FROM measurement WHERE site_id = 'site-paging'",
            String.class);
    Bundle page =
        client
            .search()
            .forResource(Observation.class)
            .where(Observation.SUBJECT.hasId("Patient/" + patient))
            .count(3)
            .returnBundle(Bundle.class)
            .execute();
    int seen = page.getEntry().size();
    int pages = 1;
    while (page.getLink(Bundle.LINK_NEXT) != null) {
      page = client.loadPage().next(page).execute();
      assertThat(page.getEntry()).hasSizeLessThanOrEqualTo(3);
      seen += page.getEntry().size();
      pages++;
    }
    assertThat(seen).isEqualTo(7);
    assertThat(pages).isEqualTo(3);
    Bundle counted =
        client
            .search()
            .forResource(Observation.class)
            .where(Observation.SUBJECT.hasId("Patient/" + patient))
            .summaryMode(ca.uhn.fhir.rest.api.SummaryEnum.COUNT)
            .returnBundle(Bundle.class)
            .execute();
    assertThat(counted.getTotal()).isEqualTo(7);
  }

  @Test
  void dropFolderFile_isIngested_andMovedToDone_badFileToErrorWithReason() throws Exception {
    Path inbox = DATA_DIR.resolve("inbox/site-inbox");
    Files.createDirectories(inbox);
    Files.writeString(
        inbox.resolve("good.ndjson"),
        "{\"resourceType\":\"Patient\",\"id\":\"in-1\",\"gender\":\"male\",\"birthDate\":\"1955-03-04\"}\n");
    Files.writeString(inbox.resolve("bad.json"), "this is not json");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(inbox.resolve(".done/good.ndjson")).exists();
              assertThat(inbox.resolve(".error/bad.json")).exists();
              assertThat(inbox.resolve(".error/bad.json.reason")).exists();
            });
    assertThat(Files.readString(inbox.resolve(".error/bad.json.reason")))
        .contains("not valid JSON");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM patient WHERE site_id = 'site-inbox'", Integer.class))
        .isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM dead_letter WHERE site_id = 'site-inbox' AND channel = 'inbox'",
                Integer.class))
        .isEqualTo(1);
  }

  /** Synthea's bundles (../shared/samples/synthea): data nobody here wrote. */
  /**
   * The seven Synthea sample bundles, gzipped in the test resources (copied byte for byte from
   * shared/samples/synthea, see its README there): they travel with the repository, so a clean
   * clone runs this test instead of skipping it.
   */
  static Path syntheaSamples() throws Exception {
    return Path.of(IntakeToFhirIT.class.getResource("/synthea/README.md").toURI()).getParent();
  }

  @Test
  void syntheaTransactionBundles_areTakenIn_withoutRejections() throws Exception {
    Path samples = syntheaSamples();
    List<Path> files;
    try (var stream = Files.list(samples)) {
      files = stream.filter(f -> f.toString().endsWith(".json.gz")).sorted().toList();
    }
    assertThat(files).hasSize(7);
    assertThat(files).isNotEmpty();
    int curated = 0;
    for (Path f : files) {
      byte[] bundle;
      try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(f))) {
        bundle = in.readAllBytes();
      }
      HttpResponse<String> res = post("/ingest/synthea", "application/fhir+json", bundle, TOKEN);
      assertThat(res.statusCode()).as(f.getFileName().toString()).isEqualTo(200);
      Parameters report = parameters(res);
      assertThat(count(report, "rejected")).as(f.getFileName() + ": " + res.body()).isZero();
      curated += count(report, "curated");
    }
    assertThat(curated).isPositive();
    // one curated patient per bundle, referenced through urn:uuid
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM patient WHERE site_id = 'synthea' AND birth_year IS NOT NULL",
                Integer.class))
        .isEqualTo(files.size());
    // the CABG patient's IABP (SNOMED 399217008) and VAD (232965003, needs-review)
    assertThat(
            jdbc.queryForList(
                "SELECT DISTINCT device FROM device_therapy WHERE site_id = 'synthea'",
                String.class))
        .contains("iabp", "vad-unspecified");
    // every blood-pressure panel gives an SBP; the sepsis patient's lactate (32693-4) is curated
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM measurement WHERE site_id = 'synthea' AND variable = 'sbp'",
                Integer.class))
        .isEqualTo(79);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM measurement WHERE site_id = 'synthea' AND variable = 'lactate'",
                Integer.class))
        .isEqualTo(2);
    // codes no rule knows are reported per site, e.g. body weight 29463-7
    assertThat(
            jdbc.queryForObject(
                "SELECT seen_count FROM unmapped_code WHERE site_id = 'synthea' AND code = '29463-7'",
                Integer.class))
        .isEqualTo(82);
  }

  static String patientWithNationalId(String id, String mrn, String nationalId) {
    return "{\"resourceType\":\"Patient\",\"id\":\""
        + id
        + "\",\"identifier\":["
        + "{\"system\":\"urn:oid:1.2.3\",\"value\":\""
        + mrn
        + "\"},"
        + "{\"system\":\""
        + NATIONAL_ID
        + "\",\"value\":\""
        + nationalId
        + "\"}],"
        + "\"gender\":\"male\",\"birthDate\":\"1958-02-03\"}";
  }

  static String heartRate(String id, String patient, int value) {
    return "{\"resourceType\":\"Observation\",\"id\":\""
        + id
        + "\",\"status\":\"final\","
        + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
        + "\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},"
        + "\"effectiveDateTime\":\"2025-05-01T08:00:00Z\",\"valueQuantity\":{\"value\":"
        + value
        + ",\"unit\":\"/min\"}}";
  }

  @Test
  void sharedIdentifier_linksAPatientAcrossSites_evenWhenFactsCameFirst() throws Exception {
    // the spoke hospital: facts arrive before their Patient
    post(
        "/ingest/site-spoke",
        "application/fhir+ndjson",
        heartRate("hr-s", "s-77", 101).getBytes(StandardCharsets.UTF_8),
        TOKEN);
    post(
        "/ingest/site-spoke",
        "application/fhir+ndjson",
        patientWithNationalId("s-77", "MRN-S-77", "RSSMRA58B03H501X")
            .getBytes(StandardCharsets.UTF_8),
        TOKEN);
    // the hub: another id and MRN, the same national id
    post(
        "/ingest/site-hub",
        "application/fhir+ndjson",
        (patientWithNationalId("h-9", "MRN-H-9", "RSSMRA58B03H501X")
                + "\n"
                + heartRate("hr-h", "h-9", 88))
            .getBytes(StandardCharsets.UTF_8),
        TOKEN);

    List<String> patients =
        jdbc.queryForList(
            "SELECT DISTINCT patient_id FROM measurement WHERE site_id IN ('site-spoke', 'site-hub')",
            String.class);
    assertThat(patients).hasSize(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM patient WHERE patient_id = ? AND birth_year = 1958",
                Integer.class,
                patients.get(0)))
        .isEqualTo(1);
    // no orphan site pseudonym is left behind, and neither MRN nor national id is stored in curated
    // data
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM patient WHERE site_id IN ('site-spoke', 'site-hub')",
                Integer.class))
        .isEqualTo(1);
    Bundle both =
        client
            .search()
            .forResource(Observation.class)
            .where(Observation.SUBJECT.hasId("Patient/" + patients.get(0)))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(both.getEntry()).hasSize(2);
    assertThat(
            fhir.newJsonParser()
                .encodeResourceToString(
                    client.read().resource(Patient.class).withId(patients.get(0)).execute()))
        .doesNotContain("RSSMRA58B03H501X")
        .doesNotContain("MRN-");
  }

  int total(String query) throws Exception {
    HttpResponse<String> res = get("/fhir/" + query + "&_summary=count", TOKEN);
    assertThat(res.statusCode()).as(query + ": " + res.body()).isEqualTo(200);
    return fhir.newJsonParser().parseResource(Bundle.class, res.body()).getTotal();
  }

  @Test
  void observationSearch_byValueQuantityWithUnits_valueConcept_encounterAndFocus()
      throws Exception {
    post(
        "/ingest/site-values", "application/fhir+json", resource("transaction-bundle.json"), TOKEN);
    String patient =
        jdbc.queryForObject(
            "SELECT patient_id FROM patient WHERE site_id = 'site-values'", String.class);
    String subject = "Observation?subject=Patient/" + patient;
    String ucum = "%7Chttp://unitsofmeasure.org%7C";
    // lactate 45 mg/dL is stored as 4.9956 mmol/L
    assertThat(total(subject + "&code=lactate&value-quantity=gt4" + ucum + "mmol/L")).isEqualTo(1);
    assertThat(total(subject + "&code=lactate&value-quantity=lt4" + ucum + "mmol/L")).isZero();
    assertThat(total(subject + "&code=lactate&value-quantity=ge4995.6" + ucum + "umol/L"))
        .isEqualTo(1);
    // SBP 78 mm[Hg]: 11 kPa is 82.5 mm[Hg]; eq honours the precision given
    assertThat(total(subject + "&code=sbp&value-quantity=le11" + ucum + "kPa")).isEqualTo(1);
    assertThat(total(subject + "&code=sbp&value-quantity=78")).isEqualTo(1);
    assertThat(total(subject + "&code=sbp&value-quantity=78.6")).isZero();
    assertThat(total(subject + "&code=sbp&value-quantity=ne78")).isZero();
    assertThat(total(subject + "&code=sbp&value-quantity=ap80")).isEqualTo(1);
    // the derived etiology: shock without MI or heart failure is "other"
    assertThat(
            total(
                subject
                    + "&value-concept=https://fhir.shockreg.org/CodeSystem/cs-etiology%7Cother"))
        .isEqualTo(1);
    assertThat(
            total(
                subject
                    + "&value-concept=https://fhir.shockreg.org/CodeSystem/cs-etiology%7Chf-cs"))
        .isZero();
    // no stay was sent, so no Observation names an encounter; nothing has a focus yet
    assertThat(total(subject + "&encounter=Encounter/none")).isZero();
    assertThat(total(subject + "&focus=ResearchSubject/none")).isZero();
    assertThat(get("/fhir/Observation?value-quantity=abc", TOKEN).statusCode()).isEqualTo(400);
    assertThat(
            get("/fhir/Observation?value-quantity=5%7Chttp://unitsofmeasure.org%7Cfurlongs", TOKEN)
                .statusCode())
        .isEqualTo(400);
    // Patient death-date
    assertThat(total("Patient?_id=" + patient + "&death-date=ge2000")).isZero();
  }

  @Test
  void heartReplacementTherapy_isAnOutcomeOnTheCuratedPatient() throws Exception {
    String ndjson =
        "{\"resourceType\":\"Patient\",\"id\":\"hrt-1\",\"gender\":\"male\",\"birthDate\":\"1970-01-01\"}\n"
            + "{\"resourceType\":\"Procedure\",\"id\":\"lvad-1\",\"status\":\"completed\",\"code\":{\"coding\":"
            + "[{\"system\":\"http://snomed.info/sct\",\"code\":\"232967006\"}]},\"subject\":{\"reference\":\"Patient/hrt-1\"},"
            + "\"performedDateTime\":\"2025-04-10T09:00:00Z\"}\n";
    post(
        "/ingest/site-hrt",
        "application/fhir+ndjson",
        ndjson.getBytes(StandardCharsets.UTF_8),
        TOKEN);
    String id =
        jdbc.queryForObject(
            "SELECT patient_id FROM patient WHERE site_id = 'site-hrt'", String.class);
    Patient p = client.read().resource(Patient.class).withId(id).execute();
    org.hl7.fhir.r4.model.Extension hrt =
        p.getExtensionByUrl(
            "https://fhir.shockreg.org/StructureDefinition/heart-replacement-therapy");
    assertThat(hrt).isNotNull();
    assertThat(((Coding) hrt.getExtensionByUrl("device").getValue()).getCode())
        .isEqualTo("durable-lvad");
    assertThat(hrt.getExtensionByUrl("date").getValue().primitiveValue())
        .startsWith("2025-04-10T09:00:00");
  }

  @Test
  void lastUpdatedAndElements_areHonoured() throws Exception {
    post("/ingest/site-lu", "application/fhir+json", resource("transaction-bundle.json"), TOKEN);
    String patient =
        jdbc.queryForObject(
            "SELECT patient_id FROM patient WHERE site_id = 'site-lu'", String.class);
    String subject = "Observation?subject=Patient/" + patient;
    assertThat(total(subject + "&_lastUpdated=ge2000-01-01")).isPositive();
    assertThat(total(subject + "&_lastUpdated=gt2999-01-01")).isZero();
    assertThat(total("Patient?_id=" + patient + "&_lastUpdated=le2999-01-01")).isEqualTo(1);
    HttpResponse<String> elements = get("/fhir/" + subject + "&code=lactate&_elements=code", TOKEN);
    assertThat(elements.statusCode()).isEqualTo(200);
    Observation o =
        (Observation)
            fhir.newJsonParser()
                .parseResource(Bundle.class, elements.body())
                .getEntryFirstRep()
                .getResource();
    assertThat(o.hasCode()).isTrue();
    assertThat(o.hasValue()).isFalse();
  }
}
