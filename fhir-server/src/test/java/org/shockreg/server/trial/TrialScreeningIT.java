package org.shockreg.server.trial;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.ingest.trial.StudyRescreening;
import org.shockreg.server.IntegrationTestSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Data-dictionary section 4 end to end over HTTP on PostgreSQL: every criterion met, not-met and
 * unknown, late and amended data changing a status, the 6 h window, randomization and its errors,
 * timing and deviations, each endpoint outcome, randomization through intake, and a second study
 * added by a file alone.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrialScreeningIT extends IntegrationTestSupport {

  static final String TOKEN = "it-trial-admin-0123456789";
  static final String SITE = "trial-site";
  static final String RV = "https://fhir.shockreg.org/CodeSystem/registry-variable";
  static final Instant T0 = Instant.parse("2025-06-02T10:00:00Z");
  static final Path DATA_DIR = newDataDir("it-data-");
  static final Path STUDIES_DIR = studies();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, DATA_DIR);
    registry.add("shockreg.studies.dir", STUDIES_DIR::toString);
    registerToken(registry, 0, TOKEN, "admin");
  }

  @Autowired JdbcTemplate jdbc;
  final ObjectMapper json = new ObjectMapper();

  /** A second study as a file alone: an Impella trial in AMI-CS, LVEF <= 30 %, a 12 h window. */
  static Path studies() {
    Path dir = newDataDir("it-studies-");
    try {
      Files.writeString(
          dir.resolve("impella-ami.yaml"),
          """
          id: impella-ami
          title: Early Impella in AMI-related cardiogenic shock (test study)
          status: active
          arms:
            - code: early-impella
              name: Early Impella
              intervention: { device: impella, within-hours: 12 }
            - code: control
              name: Standard care
          screening:
            randomization-window-hours: 12
            criteria:
              - { key: age, type: age, min: 18, max: 80 }
              - { key: etiology, type: etiology, in: [ami-cs] }
              - key: lvef
                type: measurement
                from: -1mo
                to: 12h
                any: [ { variable: lvef, at-most: 30 } ]
              - { key: window, type: randomization-window }
          primary-endpoint: { code: primary-endpoint-60d, days: 30, rescue-devices: [heart-transplant] }
          """);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return dir;
  }

  // ---- screening -------------------------------------------------------------------------------

  @Test
  void candidate_meetsEveryAutomatableCriterion_andTheWindowEndsSixHoursAfterDiagnosis()
      throws Exception {
    ingest(new SourceRecords("cand", T0).candidate());
    JsonNode subject = subject("cand", "altshock-2");
    assertThat(subject.path("status").asText()).isEqualTo("potential-candidate");
    Map<String, JsonNode> c = criteria(subject);
    assertThat(status(c, "age")).isEqualTo("met");
    assertThat(status(c, "etiology")).isEqualTo("met");
    assertThat(status(c, "lvef")).isEqualTo("met");
    assertThat(status(c, "hypotension-hypoperfusion")).isEqualTo("met");
    assertThat(status(c, "scai")).isEqualTo("met");
    assertThat(status(c, "exclusion")).isEqualTo("met");
    assertThat(status(c, "manual")).isEqualTo("unknown");
    JsonNode window = c.get("window").path("valuePeriod");
    assertThat(Instant.parse(window.path("start").asText())).isEqualTo(T0);
    assertThat(Instant.parse(window.path("end").asText())).isEqualTo(T0.plus(Duration.ofHours(6)));
    // evidence points at the curated facts used
    assertThat(evidence(c, "lvef")).singleElement().asString().startsWith("Observation/");
    assertThat(evidence(c, "age")).containsExactly("Patient/" + patient("cand"));
  }

  @Test
  void eachCriterion_notMet_makesTheEpisodeIneligible() throws Exception {
    ingest(new SourceRecords("old", T0).candidate().patient("male", "1940-01-01"));
    assertThat(status(criteria(subject("old", "altshock-2")), "age")).isEqualTo("not-met");
    assertThat(subject("old", "altshock-2").path("status").asText()).isEqualTo("ineligible");

    ingest(
        new SourceRecords("ami", T0)
            .candidate()
            .condition("mi", "http://hl7.org/fhir/sid/icd-10-cm", "I21.4", Duration.ofDays(-2)));
    Map<String, JsonNode> ami = criteria(subject("ami", "altshock-2"));
    assertThat(status(ami, "etiology")).isEqualTo("not-met");
    assertThat(status(ami, "exclusion")).isEqualTo("not-met");

    ingest(new SourceRecords("ef", T0).candidate().lvef(45, Duration.ofDays(-1)));
    assertThat(status(criteria(subject("ef", "altshock-2")), "lvef")).isEqualTo("not-met");

    SourceRecords stable =
        new SourceRecords("stable", T0)
            .patient("female", "1970-03-03")
            .icuStay(Duration.ofHours(-4))
            .shock()
            .heartFailure()
            .lvef(25, Duration.ofDays(-1))
            .sbp(120, Duration.ofHours(1))
            .lactate(1.1, Duration.ofHours(1));
    ingest(stable);
    Map<String, JsonNode> s = criteria(subject("stable", "altshock-2"));
    assertThat(status(s, "hypotension-hypoperfusion")).isEqualTo("not-met");
    assertThat(status(s, "scai")).isEqualTo("not-met"); // stage A
    assertThat(subject("stable", "altshock-2").path("status").asText()).isEqualTo("ineligible");

    ingest(new SourceRecords("extremis", T0).candidate().lactate(9, Duration.ofHours(2)));
    assertThat(status(criteria(subject("extremis", "altshock-2")), "scai"))
        .isEqualTo("not-met"); // stage E

    ingest(
        new SourceRecords("sepsis", T0)
            .candidate()
            .condition("sep", "http://hl7.org/fhir/sid/icd-10-cm", "R65.21", Duration.ofHours(-2)));
    Map<String, JsonNode> sep = criteria(subject("sepsis", "altshock-2"));
    assertThat(status(sep, "exclusion")).isEqualTo("not-met");
    assertThat(evidence(sep, "exclusion")).singleElement().asString().startsWith("Condition/");

    assertThat(consortIneligible()).isGreaterThanOrEqualTo(6);
  }

  @Test
  void missingData_isUnknown_andLateThenAmendedLvefChangesTheStatus() throws Exception {
    SourceRecords r =
        new SourceRecords("late", T0)
            .patient("male", "1960-06-06")
            .icuStay(Duration.ofHours(-4))
            .shock()
            .heartFailure();
    ingest(r);
    JsonNode first = subject("late", "altshock-2");
    Map<String, JsonNode> c = criteria(first);
    assertThat(status(c, "lvef")).isEqualTo("unknown");
    assertThat(status(c, "hypotension-hypoperfusion")).isEqualTo("unknown");
    assertThat(status(c, "scai"))
        .isEqualTo("unknown"); // no pressure, lactate or device: not stage A
    assertThat(first.path("status").asText()).isEqualTo("screening");

    // a lactate and a blood pressure arrive late; an LVEF too
    ingest(
        new SourceRecords("late", T0)
            .sbp(84, Duration.ofHours(2))
            .lactate(2.6, Duration.ofHours(2))
            .observation("lvef", "1", "10230-1", 22, "%", Duration.ofHours(3)));
    assertThat(subject("late", "altshock-2").path("status").asText())
        .isEqualTo("potential-candidate");

    // the echo is amended: LVEF 50 % makes the patient ineligible
    ingest(
        new SourceRecords("late", T0)
            .observation("lvef", "2", "10230-1", 50, "%", Duration.ofHours(3)));
    JsonNode amended = subject("late", "altshock-2");
    assertThat(amended.path("status").asText()).isEqualTo("ineligible");
    assertThat(status(criteria(amended), "lvef")).isEqualTo("not-met");
  }

  // ---- randomization ---------------------------------------------------------------------------

  @Test
  void randomization_makesTheSubjectOnStudy_andASecondOneIsAConflict() throws Exception {
    ingest(
        new SourceRecords("rand", T0)
            .candidate()
            .procedure("iabp", "399217008", Duration.ofHours(4)));
    String p = patient("rand");
    HttpResponse<String> created =
        randomize("altshock-2", p, "early-iabp", T0.plus(Duration.ofHours(2)));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).contains("/fhir/ResearchSubject/"));
    JsonNode subject = subject("rand", "altshock-2");
    assertThat(subject.path("status").asText()).isEqualTo("on-study");
    assertThat(subject.path("assignedArm").asText()).isEqualTo("early-iabp");
    assertThat(subject.path("actualArm").asText()).isEqualTo("early-iabp");
    assertThat(Instant.parse(subject.path("period").path("start").asText()))
        .isEqualTo(T0.plus(Duration.ofHours(2)));
    // the eligibility of a randomized episode stays what it was at randomization
    assertThat(
            fact(subject, "eligibility")
                .path("valueCodeableConcept")
                .path("coding")
                .get(0)
                .path("code")
                .asText())
        .isEqualTo("potential-candidate");
    assertThat(hours(subject, "hours-diagnosis-to-randomization")).isEqualTo("2.00");
    assertThat(hours(subject, "hours-cicu-to-randomization")).isEqualTo("6.00");
    assertThat(hours(subject, "hours-randomization-to-intervention")).isEqualTo("2.00");
    assertThat(facts(subject, "protocol-deviation").size()).isZero();

    HttpResponse<String> again =
        randomize("altshock-2", p, "standard-care", T0.plus(Duration.ofHours(3)));
    assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
    assertThat(again.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
    assertThat(subject("rand", "altshock-2").path("assignedArm").asText()).isEqualTo("early-iabp");
  }

  @Test
  void randomizationErrors_are422WithAReason_andKeptAsDeadLetters() throws Exception {
    ingest(new SourceRecords("err", T0).candidate());
    String p = patient("err");
    Instant t = T0.plus(Duration.ofHours(1));
    assertThat(randomize("altshock-2", "no-such-patient", "early-iabp", t).statusCode())
        .isEqualTo(422);
    assertThat(randomize("altshock-2", p, "no-such-arm", t).statusCode()).isEqualTo(422);
    assertThat(randomize("no-such-study", p, "early-iabp", t).statusCode()).isEqualTo(422);
    HttpResponse<String> malformed =
        post("/edc/altshock-2/randomizations", "{not json", "application/json");
    assertThat(malformed.statusCode()).isEqualTo(422);
    JsonNode problem = json.readTree(malformed.body());
    assertThat(problem.path("detail").asText()).contains("not JSON");
    Long dead = problem.path("deadLetter").asLong();
    assertThat(
            jdbc.queryForObject(
                "SELECT convert_from(payload, 'UTF8') FROM dead_letter WHERE dead_letter_id = ?",
                String.class,
                dead))
        .isEqualTo("{not json");
    assertThat(subject("err", "altshock-2").path("status").asText())
        .isEqualTo("potential-candidate");
  }

  @Test
  void lateRandomizationWithoutIabp_isFlaggedAsDeviations_andControlEscalationIsReported()
      throws Exception {
    ingest(new SourceRecords("dev", T0).candidate());
    assertThat(
            randomize("altshock-2", patient("dev"), "early-iabp", T0.plus(Duration.ofHours(8)))
                .statusCode())
        .isEqualTo(201);
    JsonNode subject = subject("dev", "altshock-2");
    assertThat(facts(subject, "protocol-deviation"))
        .extracting(f -> f.path("valueCodeableConcept").path("coding").get(0).path("code").asText())
        .containsExactlyInAnyOrder("late-intervention", "randomized-after-window");
    assertThat(facts(subject, "protocol-deviation").get(0).path("meta").path("tag").toString())
        .contains("needs-review");
    assertThat(subject.path("actualArm").asText()).isEqualTo("standard-care");

    ingest(
        new SourceRecords("esc", T0)
            .candidate()
            .procedure("ecmo", "233573008", Duration.ofHours(9)));
    assertThat(
            randomize("altshock-2", patient("esc"), "standard-care", T0.plus(Duration.ofHours(3)))
                .statusCode())
        .isEqualTo(201);
    JsonNode control = subject("esc", "altshock-2");
    assertThat(fact(control, "tmcs-escalation").path("valueBoolean").asBoolean()).isTrue();
    // VA-ECMO after randomization does not make the randomized subject ineligible (stage E) in
    // hindsight
    assertThat(status(criteria(control), "scai")).isEqualTo("met");
  }

  // ---- endpoint --------------------------------------------------------------------------------

  @Test
  void primaryEndpoint_followsDeathRescueDevicesAndFollowUp() throws Exception {
    Duration rand = Duration.ofHours(2);
    ingest(
        new SourceRecords("dead10", T0)
            .candidate()
            .deceased("male", "1965-01-01", Duration.ofDays(10)));
    assertThat(endpoint("dead10", rand)).isEqualTo("failure");

    ingest(
        new SourceRecords("lvad", T0)
            .candidate()
            .procedure("lvad", "232967006", Duration.ofDays(5))
            .deceased("male", "1965-01-01", Duration.ofDays(20)));
    assertThat(endpoint("lvad", rand)).isEqualTo("success");

    ingest(
        new SourceRecords("alive", T0)
            .candidate()
            .observation("fu", "8867-4", 80, "/min", Duration.ofDays(61)));
    assertThat(endpoint("alive", rand)).isEqualTo("success");

    ingest(
        new SourceRecords("lost", T0)
            .candidate()
            .observation("fu", "8867-4", 80, "/min", Duration.ofDays(30)));
    assertThat(endpoint("lost", rand)).isEqualTo("incomplete");

    ingest(
        new SourceRecords("dead70", T0)
            .candidate()
            .deceased("male", "1965-01-01", Duration.ofDays(70)));
    assertThat(endpoint("dead70", rand)).isEqualTo("success");

    // follow-up arriving later turns incomplete into failure
    ingest(new SourceRecords("lost", T0).deceased("male", "1965-01-01", Duration.ofDays(45)));
    assertThat(endpointOf(subject("lost", "altshock-2"))).isEqualTo("failure");
  }

  private String endpoint(String patient, Duration rand) throws Exception {
    assertThat(
            randomize("altshock-2", patient(patient), "standard-care", T0.plus(rand)).statusCode())
        .isEqualTo(201);
    return endpointOf(subject(patient, "altshock-2"));
  }

  private String endpointOf(JsonNode subject) throws Exception {
    JsonNode f = fact(subject, "primary-endpoint-60d");
    assertThat(f.path("valueCodeableConcept").path("coding").get(0).path("system").asText())
        .isEqualTo("https://fhir.shockreg.org/CodeSystem/endpoint-outcome");
    return f.path("valueCodeableConcept").path("coding").get(0).path("code").asText();
  }

  // ---- intake and a second study ---------------------------------------------------------------

  @Test
  void incomingResearchSubject_isARandomization_andAnUnknownArmIsRejected() throws Exception {
    ingest(
        new SourceRecords("ehr", T0)
            .candidate()
            .researchSubject("altshock-2", "standard-care", Duration.ofHours(3)));
    JsonNode subject = subject("ehr", "altshock-2");
    assertThat(subject.path("status").asText()).isEqualTo("on-study");
    assertThat(subject.path("assignedArm").asText()).isEqualTo("standard-care");

    JsonNode report =
        ingest(
            new SourceRecords("ehr2", T0)
                .candidate()
                .researchSubject("altshock-2", "placebo", Duration.ofHours(3)));
    assertThat(parameter(report, "rejected")).isEqualTo(1);
    assertThat(report.toString()).contains("unknown-arm");

    // a date alone would read as midnight and shift every hours-to-randomization figure
    String dateOnly = T0.atZone(java.time.ZoneOffset.UTC).toLocalDate().toString();
    JsonNode imprecise =
        ingest(
            new SourceRecords("ehr3", T0)
                .candidate()
                .researchSubjectOn("altshock-2", "standard-care", dateOnly));
    assertThat(parameter(imprecise, "rejected")).isEqualTo(1);
    assertThat(imprecise.toString()).contains("imprecise-randomization-time");
    assertThat(subject("ehr3", "altshock-2").path("status").asText()).isNotEqualTo("on-study");
  }

  @Test
  void aSecondStudy_isAFileAlone() throws Exception {
    SourceRecords r =
        new SourceRecords("imp", T0)
            .patient("female", "1955-02-02")
            .icuStay(Duration.ofHours(-1))
            .shock()
            .condition("mi", "http://hl7.org/fhir/sid/icd-10-cm", "I21.09", Duration.ofHours(-5))
            .lvef(28, Duration.ofHours(1));
    ingest(r);
    JsonNode impella = subject("imp", "impella-ami");
    assertThat(impella.path("status").asText()).isEqualTo("potential-candidate");
    JsonNode window = criteria(impella).get("window").path("valuePeriod");
    assertThat(Instant.parse(window.path("end").asText())).isEqualTo(T0.plus(Duration.ofHours(12)));
    assertThat(subject("imp", "altshock-2").path("status").asText()).isEqualTo("ineligible");
    assertThat(
            randomize("impella-ami", patient("imp"), "early-impella", T0.plus(Duration.ofHours(10)))
                .statusCode())
        .isEqualTo(201);
    JsonNode on = subject("imp", "impella-ami");
    assertThat(on.path("status").asText()).isEqualTo("on-study");
    assertThat(facts(on, "protocol-deviation"))
        .extracting(f -> f.path("valueCodeableConcept").path("coding").get(0).path("code").asText())
        .containsExactly("late-intervention");
  }

  @Test
  void aNewOrChangedStudy_isAppliedToTheEpisodesAlreadyStored_once() throws Exception {
    ingest(new SourceRecords("stored", T0).candidate());
    String p = patient("stored");
    // as if altshock-2 had just been added: no subjects of it yet
    jdbc.update("DELETE FROM research_subject WHERE patient_id = ? AND study_id = 'altshock-2'", p);
    new StudyRescreening(
            Set.of("altshock-2"), trials, derivations, new TransactionTemplate(txManager))
        .run(null);
    assertThat(subject("stored", "altshock-2").path("status").asText())
        .isEqualTo("potential-candidate");
  }

  @Autowired org.shockreg.registry.trial.TrialStore trials;
  @Autowired org.shockreg.mappings.derive.EpisodeRecomputation derivations;
  @Autowired org.springframework.transaction.PlatformTransactionManager txManager;

  // ---- helpers ---------------------------------------------------------------------------------

  JsonNode ingest(SourceRecords r) throws Exception {
    HttpResponse<String> res = post("/ingest/" + SITE, r.ndjson(), "application/fhir+ndjson");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return json.readTree(res.body());
  }

  static int parameter(JsonNode parameters, String name) {
    for (JsonNode p : parameters.path("parameter")) {
      if (name.equals(p.path("name").asText())) {
        return p.path("valueInteger").asInt();
      }
    }
    return -1;
  }

  HttpResponse<String> randomize(String study, String patient, String arm, Instant time)
      throws Exception {
    String body =
        "{\"patient\":\"" + patient + "\",\"arm\":\"" + arm + "\",\"time\":\"" + time + "\"}";
    return post("/edc/" + study + "/randomizations", body, "application/json");
  }

  HttpResponse<String> post(String path, String body, String contentType) throws Exception {
    return post(path, contentType, body, TOKEN);
  }

  JsonNode get(String path) throws Exception {
    HttpResponse<String> res = get(path, TOKEN, "Accept", "application/fhir+json");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return json.readTree(res.body());
  }

  String patient(String sourceId) {
    return jdbc.queryForObject(
        "SELECT patient_id FROM patient_source_link WHERE site_id = ? AND source_patient_id = ?",
        String.class,
        SITE,
        sourceId);
  }

  JsonNode subject(String sourcePatient, String study) throws Exception {
    JsonNode bundle =
        get(
            "/fhir/ResearchSubject?study="
                + study
                + "&individual=Patient/"
                + patient(sourcePatient));
    assertThat(bundle.path("entry").size()).as(bundle.toString()).isEqualTo(1);
    return bundle.path("entry").get(0).path("resource");
  }

  java.util.List<JsonNode> facts(JsonNode subject, String variable) throws Exception {
    JsonNode bundle =
        get(
            "/fhir/Observation?code="
                + RV
                + "%7C"
                + variable
                + "&focus=ResearchSubject/"
                + subject.path("id").asText());
    java.util.List<JsonNode> out = new java.util.ArrayList<>();
    bundle.path("entry").forEach(e -> out.add(e.path("resource")));
    return out;
  }

  JsonNode fact(JsonNode subject, String variable) throws Exception {
    java.util.List<JsonNode> f = facts(subject, variable);
    assertThat(f).as(variable).hasSize(1);
    return f.get(0);
  }

  String hours(JsonNode subject, String variable) throws Exception {
    JsonNode q = fact(subject, variable).path("valueQuantity");
    assertThat(q.path("code").asText()).isEqualTo("h");
    return q.path("value").decimalValue().setScale(2).toPlainString();
  }

  Map<String, JsonNode> criteria(JsonNode subject) throws Exception {
    JsonNode eligibility = fact(subject, "eligibility");
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (JsonNode c : eligibility.path("component")) {
      out.put(c.path("code").path("coding").get(0).path("code").asText(), c);
    }
    return out;
  }

  static String status(Map<String, JsonNode> criteria, String key) {
    assertThat(criteria).containsKey(key);
    return criteria
        .get(key)
        .path("valueCodeableConcept")
        .path("coding")
        .get(0)
        .path("code")
        .asText();
  }

  static java.util.List<String> evidence(Map<String, JsonNode> criteria, String key) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (JsonNode e : criteria.get(key).path("extension")) {
      out.add(e.path("valueReference").path("reference").asText());
    }
    return out;
  }

  int consortIneligible() {
    return jdbc.queryForObject(
        "SELECT count(*) FROM research_subject WHERE study_id = 'altshock-2' AND screening_result = 'ineligible'",
        Integer.class);
  }
}
