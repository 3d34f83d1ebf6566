package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.testing.TestDatabase;
import org.shockreg.server.edc.OdmDocument;
import org.shockreg.server.edc.OdmSchema;
import org.shockreg.server.edc.RedcapShape;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The trial EDC exports over real HTTP and PostgreSQL (docs/edc-exports.md): subjects, episodes,
 * measurements, devices and derived facts are inserted as rows (not through intake, so the
 * screening engine does not rewrite them), then the ODM is validated against the CDISC ODM 1.3.2
 * schema and the CSV against its REDCap data dictionary, with values worked out by hand.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EdcExportIT {

  static final String EDC = "it-edc-exports-edc-0123456789";
  static final String ADMIN = "it-edc-exports-admin-0123456789";
  static final String ANALYST = "it-edc-exports-analyst-0123456789";
  static final String SITE = "edc-site";
  static final int BULK = 2500;
  static final Path DATA_DIR = IntegrationTestSupport.newDataDir("it-edc-");
  static final Path STUDIES_DIR = DATA_DIR.resolve("studies");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws IOException {
    Files.createDirectories(STUDIES_DIR);
    Files.writeString(
        STUDIES_DIR.resolve("edc-local.yaml"),
        """
        id: edc-local
        title: "A local study, with \\"quotes\\", commas & <markup>"
        status: active
        arms:
          - { code: observation, name: "Observation, only" }
        screening:
          randomization-window-hours: 12
          criteria:
            - { key: age, type: age, description: "Adult, \\"18+\\"", min: 18 }
        export:
          - { name: lvef_at_dx, label: "LVEF, nearest diagnosis (%)", source: "baseline:lvef", type: float }
          - { name: age_ok, label: "Age criterion, \\"met\\"?", source: "criterion:age", type: text }
          - { name: etiology, label: Etiology, source: etiology, type: text }
        """);
    Files.writeString(
        STUDIES_DIR.resolve("edc-bulk.yaml"),
        """
        id: edc-bulk
        title: Many randomized subjects
        status: active
        arms:
          - { code: a, name: A }
          - { code: b, name: B }
        export:
          - { name: sex, label: Sex, source: sex, type: text }
          - { name: death_time, label: Death, source: death-time, type: datetime }
        """);
    TestDatabase.register(registry);
    registry.add("shockreg.data-dir", DATA_DIR::toString);
    registry.add("shockreg.studies.dir", STUDIES_DIR::toString);
    registry.add("shockreg.edc-exports.fetch-size", () -> "100");
    registry.add("shockreg.security.tokens[0].token", () -> EDC);
    registry.add("shockreg.security.tokens[0].role", () -> "edc");
    registry.add("shockreg.security.tokens[0].studies", () -> "altshock-2,edc-local,edc-bulk");
    registry.add("shockreg.security.tokens[2].token", () -> ADMIN);
    registry.add("shockreg.security.tokens[2].role", () -> "admin");
    registry.add("shockreg.security.tokens[1].token", () -> ANALYST);
    registry.add("shockreg.security.tokens[1].role", () -> "analyst");
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  final HttpClient http = HttpClient.newHttpClient();

  // ---- fixtures: rows as the curation and screening would have written them ---------------------

  void patient(String id, String sex, String deceasedAt) {
    jdbc.update(
        "INSERT INTO patient (patient_id, site_id, sex, birth_year, deceased_at, deceased)"
            + " VALUES (?, ?, ?, 1960, ?::timestamptz, ?)",
        id,
        SITE,
        sex,
        deceasedAt,
        deceasedAt != null);
  }

  void episode(String id, String patient, String diagnosis, String cicu, int age) {
    jdbc.update(
        "INSERT INTO shock_episode (episode_id, patient_id, site_id, shock_diagnosis_at, cicu_arrival_at,"
            + " age_at_diagnosis, window_start, window_end) VALUES (?, ?, ?, ?::timestamptz, ?::timestamptz, ?,"
            + " ?::timestamptz - interval '1 day', ?::timestamptz + interval '9 days')",
        id,
        patient,
        SITE,
        diagnosis,
        cicu,
        age,
        diagnosis,
        diagnosis);
  }

  void measurement(
      String id, String patient, String variable, String at, String value, String... flags) {
    jdbc.update(
        "INSERT INTO measurement (observation_id, patient_id, site_id, variable, status, effective_at,"
            + " value, flags, source_type, source_id) VALUES (?, ?, ?, ?, 'final', ?::timestamptz, ?::numeric, ?,"
            + " 'Observation', ?)",
        id,
        patient,
        SITE,
        variable,
        at,
        value,
        flags,
        id);
  }

  void device(String id, String patient, String device, String startedAt, String performedAt) {
    jdbc.update(
        "INSERT INTO device_therapy (procedure_id, patient_id, site_id, device, status, started_at,"
            + " performed_at, source_type, source_id) VALUES (?, ?, ?, ?, 'completed', ?::timestamptz,"
            + " ?::timestamptz, 'Procedure', ?)",
        id,
        patient,
        SITE,
        device,
        startedAt,
        performedAt,
        id);
  }

  void fact(String episode, String patient, String kind, String code, Boolean bool) {
    jdbc.update(
        "INSERT INTO derived_fact (fact_id, episode_id, patient_id, site_id, kind, value_code,"
            + " value_boolean) VALUES (?, ?, ?, ?, ?, ?, ?)",
        episode + "|" + kind,
        episode,
        patient,
        SITE,
        kind,
        code,
        bool);
  }

  void subject(
      String id,
      String study,
      String patient,
      String episode,
      String screening,
      String criteria,
      String arm,
      String randomizedAt,
      String endpoint) {
    jdbc.update(
        "INSERT INTO research_subject (subject_id, study_id, patient_id, episode_id, status,"
            + " screening_result, criteria, assigned_arm, randomized_at, endpoint) VALUES (?, ?, ?, ?, ?, ?,"
            + " ?::jsonb, ?, ?::timestamptz, ?)",
        id,
        study,
        patient,
        episode,
        randomizedAt == null ? screening : "on-study",
        screening,
        criteria,
        arm,
        randomizedAt,
        endpoint);
  }

  static final String ALL_MET =
      "{\"age\":\"met\",\"etiology\":\"met\",\"lvef\":\"met\",\"hypotension-hypoperfusion\":\"met\","
          + "\"scai\":\"met\",\"window\":\"met\",\"exclusion\":\"met\",\"manual\":\"unknown\"}";

  @BeforeAll
  void data() {
    jdbc.update("INSERT INTO site (site_id, origin) VALUES (?, 'test')", SITE);
    // p-1: early IABP. Baseline LVEF: 20 one hour before diagnosis ties with 25 one hour after
    // (the earlier wins); 10 ten minutes after is implausible, 30 lies before the episode window.
    patient("edc-p1", "female", null);
    episode("edc-e1", "edc-p1", "2025-03-01T06:00:00Z", "2025-03-01T04:00:00Z", 64);
    measurement("m1", "edc-p1", "lvef", "2025-03-01T05:00:00Z", "20");
    measurement("m2", "edc-p1", "lvef", "2025-03-01T07:00:00Z", "25");
    measurement("m3", "edc-p1", "lvef", "2025-03-01T06:10:00Z", "10", "implausible");
    measurement("m4", "edc-p1", "lvef", "2025-01-01T06:00:00Z", "30");
    measurement("m5", "edc-p1", "lactate", "2025-03-01T06:30:00Z", "3.10");
    measurement("m6", "edc-p1", "sbp", "2025-03-01T06:00:00Z", "80");
    device("d1", "edc-p1", "iabp", "2025-03-02T10:00:00Z", null);
    device("d2", "edc-p1", "iabp", "2025-03-01T07:00:00Z", null);
    device("d3", "edc-p1", "impella", null, "2025-03-01T09:00:00Z");
    device("d4", "edc-p1", "va-ecmo", "2025-02-20T00:00:00Z", null); // before the window
    fact("edc-e1", "edc-p1", "cs-etiology", "hf-cs", null);
    fact("edc-e1", "edc-p1", "hf-cs-ischemic", null, true);
    fact("edc-e1", "edc-p1", "scai-stage-worst-24h", "C", null);
    subject(
        "rs-p1",
        "altshock-2",
        "edc-p1",
        "edc-e1",
        "potential-candidate",
        ALL_MET,
        "early-iabp",
        "2025-03-01T06:30:00Z",
        "success");
    jdbc.update(
        "UPDATE research_subject SET shock_diagnosis_at = '2025-03-01T06:00:00Z',"
            + " hours_diagnosis_to_randomization = 0.5000, hours_cicu_to_randomization = 2.5,"
            + " hours_randomization_to_intervention = 0.5 WHERE subject_id = 'rs-p1'");

    // p-2: standard care, died; deviations with a comma and quotes; a second, ineligible episode.
    patient("edc-p2", "male", "2025-04-10T12:00:00Z");
    episode("edc-e2", "edc-p2", "2025-04-02T10:00:00Z", null, 58);
    episode("edc-e2b", "edc-p2", "2024-01-02T10:00:00Z", null, 57);
    fact("edc-e2", "edc-p2", "hf-cs-ischemic", null, false);
    subject(
        "rs-p2",
        "altshock-2",
        "edc-p2",
        "edc-e2",
        "screening",
        ALL_MET.replace("\"lvef\":\"met\"", "\"lvef\":\"unknown\""),
        "standard-care",
        "2025-04-02T11:00:00Z",
        "failure");
    subject(
        "rs-p2b",
        "altshock-2",
        "edc-p2",
        "edc-e2b",
        "ineligible",
        "{\"age\":\"not-met\"}",
        null,
        null,
        null);
    jdbc.update(
        "UPDATE research_subject SET escalation_within_hours = true,"
            + " deviations = ARRAY['late-randomization', 'consent, \"delayed\"'] WHERE subject_id = 'rs-p2'");

    // p-3: randomized twice without an episode of the subject's own; the first randomization
    // counts, and the episode whose window holds it gives the baseline.
    patient("edc-p3", "female", null);
    episode("edc-e3", "edc-p3", "2025-05-01T08:00:00Z", null, 70);
    measurement("m7", "edc-p3", "lvef", "2025-05-01T09:00:00Z", "30");
    subject(
        "rs-p3a",
        "altshock-2",
        "edc-p3",
        null,
        null,
        "{}",
        "standard-care",
        "2025-05-01T10:00:00Z",
        null);
    subject(
        "rs-p3b",
        "altshock-2",
        "edc-p3",
        null,
        null,
        "{}",
        "early-iabp",
        "2025-05-03T10:00:00Z",
        null);

    // p-4: a potential candidate, never randomized; p-5 randomized in the local study only.
    patient("edc-p4", "male", null);
    episode("edc-e4", "edc-p4", "2025-06-01T08:00:00Z", null, 50);
    subject(
        "rs-p4",
        "altshock-2",
        "edc-p4",
        "edc-e4",
        "potential-candidate",
        ALL_MET,
        null,
        null,
        null);
    patient("edc-p5", "male", null);
    episode("edc-e5", "edc-p5", "2025-07-01T08:00:00Z", null, 40);
    fact("edc-e5", "edc-p5", "cs-etiology", "ami-cs", null);
    measurement("m8", "edc-p5", "lvef", "2025-07-01T08:30:00Z", "42.5");
    subject(
        "rs-p5",
        "edc-local",
        "edc-p5",
        "edc-e5",
        "potential-candidate",
        "{\"age\":\"met\"}",
        "observation",
        "2025-07-01T09:00:00Z",
        null);

    // edc-bulk: more subjects than one cursor fetch (100 rows), every fifth deceased.
    jdbc.update(
        "INSERT INTO patient (patient_id, site_id, sex, deceased_at) SELECT 'bulk-' || lpad(g::text, 5, '0'),"
            + " ?, CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END,"
            + " CASE WHEN g % 5 = 0 THEN timestamptz '2025-02-01T00:00:00Z' + g * interval '1 minute' END"
            + " FROM generate_series(1, ?) g",
        SITE, BULK);
    jdbc.update(
        "INSERT INTO research_subject (subject_id, study_id, patient_id, status, assigned_arm, randomized_at)"
            + " SELECT 'bulk-rs-' || g, 'edc-bulk', 'bulk-' || lpad(g::text, 5, '0'), 'on-study',"
            + " CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END, timestamptz '2025-01-01T00:00:00Z' + g * interval '1 hour'"
            + " FROM generate_series(1, ?) g",
        BULK);
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  <T> HttpResponse<T> get(
      String path, String token, HttpResponse.BodyHandler<T> body, String... headers)
      throws Exception {
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET();
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    if (headers.length > 0) {
      req.headers(headers);
    }
    return http.send(req.build(), body);
  }

  String text(String path) throws Exception {
    HttpResponse<String> res =
        get(path, EDC, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
    return res.body();
  }

  byte[] odm(String studyId) throws Exception {
    HttpResponse<byte[]> res =
        get("/edc/" + studyId + "/odm", EDC, HttpResponse.BodyHandlers.ofByteArray());
    assertThat(res.statusCode()).as(new String(res.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    assertThat(res.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/xml"));
    return res.body();
  }

  // ---- tests --------------------------------------------------------------------------------

  @Test
  void odm_isValidOdm132_withOneSubjectPerRandomizedPatient_andTheirValues() throws Exception {
    byte[] xml = odm("altshock-2");
    assertThat(OdmSchema.problems(new java.io.ByteArrayInputStream(xml))).isEmpty();
    OdmDocument doc = new OdmDocument(xml);
    assertThat(doc.referentialProblems()).isEmpty();
    assertThat(doc.all("Study").get(0).getAttribute("OID")).isEqualTo("altshock-2");
    assertThat(doc.all("ProtocolName").get(0).getTextContent()).isEqualTo("NCT04369573");
    assertThat(doc.subjectKeys()).containsExactly("edc-p1", "edc-p2", "edc-p3");

    assertThat(doc.values("edc-p1"))
        .containsEntry("arm", "early-iabp")
        .containsEntry("randomization_time", "2025-03-01T06:30:00Z")
        .containsEntry("screening_result", "potential-candidate")
        .containsEntry("criterion_lvef", "met")
        .containsEntry("criterion_manual", "unknown")
        .containsEntry("age", "64")
        .containsEntry("sex", "female")
        .containsEntry("etiology", "hf-cs")
        .containsEntry("ischemic", "1")
        .containsEntry("shock_dx_time", "2025-03-01T06:00:00Z")
        .containsEntry("cicu_arrival_time", "2025-03-01T04:00:00Z")
        .containsEntry("lvef_baseline", "20")
        .containsEntry("lactate_baseline", "3.1")
        .containsEntry("sbp_baseline", "80")
        .containsEntry("scai_worst_24h", "C")
        .containsEntry("iabp_start", "2025-03-01T07:00:00Z")
        .containsEntry("impella_start", "2025-03-01T09:00:00Z")
        .containsEntry("hours_dx_to_rand", "0.5")
        .containsEntry("hours_cicu_to_rand", "2.5")
        .containsEntry("primary_endpoint", "success")
        .doesNotContainKeys("va_ecmo_start", "death_time", "escalation_8h", "deviations");
    assertThat(doc.values("edc-p2"))
        .containsEntry("arm", "standard-care")
        .containsEntry("criterion_lvef", "unknown")
        .containsEntry("ischemic", "0")
        .containsEntry("escalation_8h", "1")
        .containsEntry("deviations", "late-randomization;consent, \"delayed\"")
        .containsEntry("death_time", "2025-04-10T12:00:00Z")
        .containsEntry("primary_endpoint", "failure")
        .doesNotContainKeys("lvef_baseline", "etiology");
    assertThat(doc.values("edc-p3"))
        .containsEntry("arm", "standard-care")
        .containsEntry("randomization_time", "2025-05-01T10:00:00Z")
        .containsEntry("lvef_baseline", "30")
        .containsEntry("age", "70");
  }

  @Test
  void exportCsv_fitsItsRedcapDataDictionary_withTheSameValues() throws Exception {
    String dictionary = text("/edc/altshock-2/data-dictionary.csv");
    String export = text("/edc/altshock-2/export.csv");

    assertThat(RedcapShape.problems(dictionary, export)).isEmpty();
    assertThat(export)
        .startsWith(
            "record_id,arm,randomization_time,screening_result,age,sex,etiology,ischemic,"
                + "shock_dx_time,cicu_arrival_time,lvef_baseline,lactate_baseline,sbp_baseline,scai_worst_24h,iabp_start,"
                + "impella_start,va_ecmo_start,hours_dx_to_rand,hours_cicu_to_rand,hours_rand_to_iabp,escalation_8h,"
                + "deviations,death_time,primary_endpoint\r\n");
    Map<String, Map<String, String>> records = RedcapShape.records(export);
    assertThat(records.keySet()).containsExactly("edc-p1", "edc-p2", "edc-p3");
    assertThat(records.get("edc-p1"))
        .containsEntry("arm", "1")
        .containsEntry("randomization_time", "2025-03-01 06:30:00")
        .containsEntry("lvef_baseline", "20")
        .containsEntry("iabp_start", "2025-03-01 07:00:00")
        .containsEntry("va_ecmo_start", "")
        .containsEntry("ischemic", "1")
        .containsEntry("primary_endpoint", "success");
    assertThat(records.get("edc-p2"))
        .containsEntry("arm", "2")
        .containsEntry("deviations", "late-randomization;consent, \"delayed\"")
        .containsEntry("death_time", "2025-04-10 12:00:00")
        .containsEntry("escalation_8h", "1");
    assertThat(export).contains("\"late-randomization;consent, \"\"delayed\"\"\"");
    assertThat(records.get("edc-p3"))
        .containsEntry("arm", "2")
        .containsEntry("lvef_baseline", "30");
  }

  @Test
  void aLocalStudy_exportsOnlyItsSubjects_andQuotesItsTexts() throws Exception {
    String dictionary = text("/edc/edc-local/data-dictionary.csv");
    String export = text("/edc/edc-local/export.csv");
    assertThat(RedcapShape.problems(dictionary, export)).isEmpty();
    assertThat(export)
        .isEqualTo(
            "record_id,arm,randomization_time,lvef_at_dx,age_ok,etiology\r\n"
                + "edc-p5,1,2025-07-01 09:00:00,42.5,met,ami-cs\r\n");
    assertThat(dictionary).contains("\"Age criterion, \"\"met\"\"?\"");

    byte[] xml = odm("edc-local");
    assertThat(OdmSchema.problems(new java.io.ByteArrayInputStream(xml))).isEmpty();
    OdmDocument doc = new OdmDocument(xml);
    assertThat(doc.referentialProblems()).isEmpty();
    assertThat(doc.all("StudyName").get(0).getTextContent())
        .isEqualTo("A local study, with \"quotes\", commas & <markup>");
    assertThat(doc.subjectKeys()).containsExactly("edc-p5");
    assertThat(doc.values("edc-p5"))
        .containsEntry("age_ok", "met")
        .containsEntry("lvef_at_dx", "42.5")
        .containsEntry("screening_result", "potential-candidate");
  }

  @Test
  void moreSubjectsThanOneFetch_streamCompleteAndValid() throws Exception {
    String dictionary = text("/edc/edc-bulk/data-dictionary.csv");
    String export = text("/edc/edc-bulk/export.csv");
    assertThat(RedcapShape.problems(dictionary, export)).isEmpty();
    Map<String, Map<String, String>> records = RedcapShape.records(export);
    assertThat(records).hasSize(BULK);
    assertThat(records.get("bulk-00005"))
        .containsEntry("death_time", "2025-02-01 00:05:00")
        .containsEntry("arm", "2")
        .containsEntry("sex", "male");

    HttpResponse<InputStream> res =
        get("/edc/edc-bulk/odm", EDC, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(res.statusCode()).isEqualTo(200);
    Path file = DATA_DIR.resolve("edc-bulk-odm.xml");
    try (InputStream body = res.body()) {
      Files.copy(body, file);
    }
    try (InputStream in = Files.newInputStream(file)) {
      assertThat(OdmSchema.problems(in)).isEmpty();
    }
    int subjects = 0;
    try (InputStream in = Files.newInputStream(file)) {
      XMLStreamReader xml = XMLInputFactory.newFactory().createXMLStreamReader(in);
      while (xml.hasNext()) {
        if (xml.next() == XMLStreamConstants.START_ELEMENT
            && xml.getLocalName().equals("SubjectData")) {
          subjects++;
        }
      }
    }
    assertThat(subjects).isEqualTo(BULK);
  }

  @Test
  void unknownStudy_is404ProblemJson_onEveryExport() throws Exception {
    ObjectMapper json = new ObjectMapper();
    for (String path :
        List.of(
            "/edc/no-such-study/odm",
            "/edc/no-such-study/export.csv",
            "/edc/no-such-study/data-dictionary.csv")) {
      // an unknown study is none of an edc token's studies (403): an admin sees the 404
      assertThat(get(path, EDC, HttpResponse.BodyHandlers.ofString()).statusCode())
          .as(path)
          .isEqualTo(403);
      HttpResponse<String> res =
          get(path, ADMIN, HttpResponse.BodyHandlers.ofString(), "Accept", "application/xml");
      assertThat(res.statusCode()).as(path).isEqualTo(404);
      assertThat(res.headers().firstValue("Content-Type"))
          .as(path)
          .hasValue("application/problem+json");
      JsonNode problem = json.readTree(res.body());
      assertThat(problem.path("status").asInt()).isEqualTo(404);
      assertThat(problem.path("detail").asText()).contains("SR-EDC-1").contains("no-such-study");
      assertThat(problem.path("instance").asText()).isEqualTo(path);
    }
  }

  @Test
  void onlyAdminAndEdcRoles_mayExport() throws Exception {
    assertThat(
            get("/edc/altshock-2/export.csv", null, HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(401);
    assertThat(
            get("/edc/altshock-2/odm", ANALYST, HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(403);
    assertThat(
            get("/edc/altshock-2/data-dictionary.csv", EDC, HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
  }
}
