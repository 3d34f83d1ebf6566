package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The privacy scan (issue 11 item 6, interfaces.md "Security": no patient name, identifier value or
 * exact birth date in a log line). Patients with a distinctive name, record number and birth date
 * go in through every intake path (Bundle and NDJSON over HTTP, the inbox drop folder, a
 * ResearchSubject, rejected resources and their dead-letter replay); then searches, reads,
 * $everything, Bulk export (files downloaded), EDC exports and admin endpoints. Every answer and
 * every log line of the run is scanned for the name, the identifier value and the birth date in
 * several spellings. The one place source payloads may be shown is the single dead letter, {@code
 * GET /admin/dead-letters/{id}} (admin only, docs/privacy.md); the scan checks that the data did
 * arrive there, which also proves the scan would see a leak.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrivacyScanIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-privacy-0123456789";
  static final String GIVEN = "Zyxwortha";
  static final String FAMILY = "Qlmnopstein";
  static final String MRN = "PRIV-SCAN-7734921";
  static final String MRN_SYSTEM = "urn:oid:1.2.276.0.76.4.8";
  static final String BIRTH = "1937-02-19";

  /**
   * What must not appear, case-insensitively: names, the identifier (and its digits), the birth
   * date.
   */
  static final List<String> SECRETS =
      List.of(
          GIVEN,
          FAMILY,
          MRN,
          "7734921",
          BIRTH,
          "19370219",
          "19.02.1937",
          "02/19/1937",
          "19/02/1937",
          "1937/02/19",
          "19 Feb 1937",
          "Feb 19, 1937",
          "1937-02-19T",
          "5550199",
          "Qlmnopsteinweg");

  static Path dataDir;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    dataDir = newDataDir("it-privacy-");
    registerServer(registry, dataDir);
    registerToken(registry, 0, TOKEN, "admin");
    registry.add("shockreg.mllp.port", () -> "-1");
    registry.add("spring.datasource.hikari.maximum-pool-size", () -> "8");
    registry.add("spring.datasource.hikari.minimum-idle", () -> "1");
    registry.add("shockreg.inbox.poll-delay", () -> "200ms");
    registry.add("shockreg.bulk-export.retry-after", () -> "1s");
    registry.add("shockreg.bulk-export.heartbeat", () -> "200ms");
    // Debug lines are log lines too: the scan reads the registry's own at their most talkative.
    registry.add("logging.level.org.shockreg", () -> "DEBUG");
  }

  @Autowired JdbcTemplate jdbc;
  final ObjectMapper json = new ObjectMapper();

  /** Every answer of the run: what was asked, and the body. */
  record Seen(String request, int status, String body) {}

  final List<Seen> answers = new ArrayList<>();

  /** Answers allowed to show source payloads (the single dead letter, admin only). */
  final List<Seen> payloadViews = new ArrayList<>();

  final ConcurrentLinkedQueue<String> logLines = new ConcurrentLinkedQueue<>();
  final AppenderBase<ILoggingEvent> capture =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
          StringBuilder line =
              new StringBuilder(e.getLoggerName()).append(' ').append(e.getFormattedMessage());
          for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            line.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
            for (StackTraceElementProxy s : t.getStackTraceElementProxyArray()) {
              line.append(' ').append(s.getSTEAsString());
            }
          }
          e.getMDCPropertyMap().forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
          logLines.add(line.toString());
        }
      };

  @BeforeAll
  void captureLogs() {
    // Spring Boot has configured Logback by now; the appender sees every line from here on.
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    capture.setContext(context);
    capture.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(capture);
  }

  @AfterAll
  void stopCapture() {
    ((LoggerContext) LoggerFactory.getILoggerFactory())
        .getLogger(Logger.ROOT_LOGGER_NAME)
        .detachAppender(capture);
  }

  // ---- the patients ---------------------------------------------------------------------------

  static String patient(String id, String birthDate) {
    return """
        {"resourceType":"Patient","id":"%s",
         "identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},
                        "system":"%s","value":"%s"}],
         "name":[{"use":"official","family":"%s","given":["%s"],"text":"%s %s"}],
         "telecom":[{"system":"phone","value":"+49-30-5550199"}],
         "address":[{"line":["Qlmnopsteinweg 17"],"city":"Berlin","postalCode":"10117"}],
         "gender":"female","birthDate":"%s"}"""
        .formatted(id, MRN_SYSTEM, MRN, FAMILY, GIVEN, GIVEN, FAMILY, birthDate)
        .replace("\n", "");
  }

  /** A patient's shock: ICU stay, cardiogenic shock, lactate, SBP, LVEF and an IABP. */
  static List<String> clinical(String p, String subject) {
    String subj = subject != null ? subject : "{\"reference\":\"Patient/" + p + "\"}";
    return List.of(
        ("{\"resourceType\":\"Encounter\",\"id\":\"%s-enc\",\"status\":\"finished\",\"class\":{\"system\":"
                + "\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"IMP\"},\"type\":[{\"coding\":[{\"system\":"
                + "\"http://terminology.hl7.org/CodeSystem/v3-RoleCode\",\"code\":\"ICU\"}]}],\"subject\":%s,"
                + "\"period\":{\"start\":\"2025-03-01T08:00:00Z\",\"end\":\"2025-03-09T08:00:00Z\"}}")
            .formatted(p, subj),
        ("{\"resourceType\":\"Condition\",\"id\":\"%s-cs\",\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/icd-10\","
                + "\"code\":\"R57.0\"}]},\"subject\":%s,\"onsetDateTime\":\"2025-03-01T09:00:00Z\"}")
            .formatted(p, subj),
        ("{\"resourceType\":\"Condition\",\"id\":\"%s-hf\",\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/icd-10\","
                + "\"code\":\"I50.1\"}]},\"subject\":%s,\"onsetDateTime\":\"2025-03-01T09:00:00Z\"}")
            .formatted(p, subj),
        obs(p + "-lac", subj, "2524-7", "5.1", "mmol/L", "mmol/L"),
        obs(p + "-sbp", subj, "8480-6", "78", "mmHg", "mm[Hg]"),
        obs(p + "-ef", subj, "10230-1", "20", "%", "%"),
        ("{\"resourceType\":\"Procedure\",\"id\":\"%s-iabp\",\"status\":\"completed\",\"code\":{\"coding\":[{\"system\":"
                + "\"http://snomed.info/sct\",\"code\":\"399217008\"}]},\"subject\":%s,"
                + "\"performedPeriod\":{\"start\":\"2025-03-01T12:00:00Z\"}}")
            .formatted(p, subj));
  }

  static String obs(
      String id, String subject, String loinc, String value, String unit, String ucum) {
    return ("{\"resourceType\":\"Observation\",\"id\":\"%s\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"
            + "\"http://loinc.org\",\"code\":\"%s\"}]},\"subject\":%s,\"effectiveDateTime\":\"2025-03-01T10:00:00Z\","
            + "\"valueQuantity\":{\"value\":%s,\"unit\":\"%s\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"%s\"}}")
        .formatted(id, loinc, subject, value, unit, ucum);
  }

  static String bundle(List<String> resources) {
    List<String> entries = new ArrayList<>();
    for (String r : resources) {
      entries.add("{\"resource\":" + r + "}");
    }
    return "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + String.join(",", entries)
        + "]}";
  }

  // ---- the run --------------------------------------------------------------------------------

  @Test
  void noNameIdentifierOrBirthDate_inAnyAnswerOrLogLine() throws Exception {
    // 1. a Bundle over HTTP: the patient, its shock, a fact referencing the patient by identifier
    //    only, one by a conditional reference, a ResearchSubject naming the patient, and a second
    //    Patient whose birth date is malformed (rejected: a dead letter carrying all of it)
    String byIdentifier =
        "{\"identifier\":{\"system\":\""
            + MRN_SYSTEM
            + "\",\"value\":\""
            + MRN
            + "\"},\"display\":\""
            + GIVEN
            + " "
            + FAMILY
            + "\"}";
    List<String> first = new ArrayList<>();
    first.add(patient("priv-1", BIRTH));
    first.addAll(clinical("priv-1", null));
    first.add(obs("priv-1-lac-by-identifier", byIdentifier, "2524-7", "6.0", "mmol/L", "mmol/L"));
    first.add(
        obs(
            "priv-1-lac-conditional",
            "{\"reference\":\"Patient?identifier=" + MRN_SYSTEM + "|" + MRN + "\"}",
            "2524-7",
            "6.5",
            "mmol/L",
            "mmol/L"));
    first.add(
        obs(
            "priv-1-lac-unknown",
            "{\"identifier\":{\"system\":\""
                + MRN_SYSTEM
                + "\",\"value\":\""
                + MRN
                + "-X\"},\"display\":\""
                + FAMILY
                + "\"}",
            "2524-7",
            "6.5",
            "mmol/L",
            "mmol/L"));
    first.add(
        ("{\"resourceType\":\"ResearchSubject\",\"id\":\"priv-1-rs\",\"status\":\"on-study\",\"study\":"
            + "{\"reference\":\"ResearchStudy/altshock-2\"},\"individual\":"
            + byIdentifier
            + ",\"assignedArm\":\"early-iabp\","
            + "\"period\":{\"start\":\"2025-03-01T13:00:00Z\"}}"));
    first.add(patient("priv-bad", BIRTH + "T25:61:00"));
    first.add(patient("priv-bad-2", "19370219"));
    post("/ingest/priv-bundle", "application/fhir+json", bundle(first));

    // 2. NDJSON over HTTP: another site's record of the same person, and lines that are not JSON
    List<String> lines = new ArrayList<>();
    lines.add(patient("priv-2", BIRTH));
    lines.addAll(clinical("priv-2", null));
    lines.add(GIVEN + " " + FAMILY + " " + MRN + " " + BIRTH);
    lines.add(patient("priv-2-cut", BIRTH).substring(0, 300));
    post("/ingest/priv-ndjson", "application/fhir+ndjson", String.join("\n", lines) + "\n");

    // 3. bodies that cannot be read at all (400, dead-lettered whole)
    post(
        "/ingest/priv-bundle",
        "application/fhir+json",
        GIVEN + " " + FAMILY + " " + MRN + " " + BIRTH);
    post(
        "/ingest/priv-bundle",
        "application/fhir+json",
        "{\"resourceType\":\"" + FAMILY + "\",\"entry\":[]}");
    post("/ingest/priv-bundle", "application/fhir+json", patient("priv-x", BIRTH) + " " + MRN);

    // 4. the inbox drop folder
    Path inbox = dataDir.resolve("inbox").resolve("priv-inbox");
    Files.createDirectories(inbox);
    List<String> dropped = new ArrayList<>();
    dropped.add(patient("priv-3", BIRTH));
    dropped.addAll(clinical("priv-3", null));
    dropped.add(GIVEN + " not json " + MRN);
    Files.writeString(inbox.resolve("priv.ndjson.part"), String.join("\n", dropped) + "\n");
    Files.move(inbox.resolve("priv.ndjson.part"), inbox.resolve("priv.ndjson"));
    Files.writeString(inbox.resolve("broken.json"), "{\"name\":\"" + GIVEN + "\", " + MRN);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                !Files.exists(inbox.resolve("priv.ndjson"))
                    && !Files.exists(inbox.resolve("broken.json")));

    // 5. dead letters: the payload view (allowed), then replay of each (not allowed to show it)
    JsonNode deadLetters = getJson("/admin/dead-letters?status=all&limit=1000");
    assertThat(deadLetters.size()).as("the run made dead letters").isGreaterThanOrEqualTo(5);
    for (JsonNode d : deadLetters) {
      HttpResponse<String> payload =
          send("GET", "/admin/dead-letters/" + d.get("id").asText(), null, null, false);
      payloadViews.add(
          new Seen(
              "GET /admin/dead-letters/" + d.get("id").asText(),
              payload.statusCode(),
              payload.body()));
      send("POST", "/admin/dead-letters/" + d.get("id").asText() + "/replay", null, null);
    }
    assertThat(String.join("\n", payloadViews.stream().map(Seen::body).toList()))
        .as("the data reached the dead-letter store (so the scan can see it)")
        .contains(GIVEN, MRN, BIRTH);

    // 6. the curated API: reads, searches, $everything, Provenance, cohorts, studies
    List<String> patients =
        jdbc.queryForList(
            "SELECT patient_id FROM patient WHERE site_id LIKE 'priv-%' ORDER BY 1", String.class);
    assertThat(patients).as("curated patients of the run").hasSizeGreaterThanOrEqualTo(2);
    for (String p : patients) {
      get("/fhir/Patient/" + p);
      get("/fhir/Patient/" + p + "/$everything");
      for (String type :
          List.of("Observation", "Condition", "Procedure", "Encounter", "ResearchSubject")) {
        get("/fhir/" + type + "?patient=Patient/" + p + "&_count=200");
      }
      get("/fhir/Provenance?target=Patient/" + p);
      get(
          "/fhir/Observation?subject=Patient/"
              + p
              + "&_include=Observation:subject&_revinclude=Provenance:target");
    }
    get("/fhir/Patient?birthdate=1937&_count=200");
    get("/fhir/Patient?birthdate=" + enc("ge1937-01-01") + "&_count=200");
    get("/fhir/Patient?gender=female&_count=200");
    get("/fhir/Provenance?_count=200");
    get("/fhir/ResearchSubject?study=altshock-2&_include=ResearchSubject:individual");
    get("/fhir/Group?_count=50");
    for (String group : List.of("hf-cs", "ami-cs", "altshock-2-screening")) {
      get("/fhir/Group/" + group);
      get("/fhir/Group/" + group + "/$cohort-summary");
    }
    get("/fhir/ResearchStudy/altshock-2/$interim-report");

    // 7. the EDC: a randomization, then its exports
    send(
        "POST",
        "/edc/altshock-2/randomizations",
        "application/json",
        "{\"patient\":\""
            + patients.get(0)
            + "\",\"arm\":\"early-iabp\",\"time\":\""
            + Instant.parse("2025-03-01T13:00:00Z")
            + "\"}");
    get("/edc/altshock-2/odm");
    get("/edc/altshock-2/export.csv");
    get("/edc/altshock-2/data-dictionary.csv");

    // 8. Bulk export, every file downloaded
    bulkExport("/fhir/$export");
    bulkExport("/fhir/Patient/$export");

    // 9. the admin side (but the single dead letter's payload view)
    for (String path :
        List.of(
            "/admin/dead-letters?status=all&limit=1000",
            "/admin/unmapped-codes",
            "/admin/sites",
            "/admin/sources",
            "/actuator/health",
            "/actuator/prometheus")) {
      get(path);
    }

    // ---- the scan ----
    List<String> hits = new ArrayList<>();
    for (Seen s : answers) {
      assertThat(s.status()).as("%s answered %s", s.request(), s.body()).isLessThan(500);
      String hit = secretIn(s.body());
      if (hit != null) {
        hits.add("answer of " + s.request() + " contains '" + hit + "': " + around(s.body(), hit));
      }
    }
    for (String line : logLines) {
      String hit = secretIn(line);
      if (hit != null) {
        hits.add("log line contains '" + hit + "': " + around(line, hit));
      }
    }
    assertThat(answers).hasSizeGreaterThan(40);
    assertThat(logLines).as("the log capture works").anyMatch(l -> l.contains("event=intake_done"));
    assertThat(hits).as("patient name, identifier or birth date leaked").isEmpty();
  }

  void bulkExport(String kickoff) throws Exception {
    HttpResponse<String> kick =
        get(kickoff, TOKEN, "Prefer", "respond-async", "Accept", "application/fhir+json");
    answers.add(new Seen("GET " + kickoff, kick.statusCode(), kick.body()));
    assertThat(kick.statusCode()).as(kick.body()).isEqualTo(202);
    String status = kick.headers().firstValue("Content-Location").orElseThrow();
    AtomicReference<HttpResponse<String>> done = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(300))
        .until(
            () -> {
              done.set(get(status, TOKEN));
              return done.get().statusCode() != 202;
            });
    answers.add(new Seen("GET " + status, done.get().statusCode(), done.get().body()));
    assertThat(done.get().statusCode()).isEqualTo(200);
    int files = 0;
    for (JsonNode out : json.readTree(done.get().body()).path("output")) {
      String url = out.get("url").asText();
      HttpResponse<String> file = get(url, TOKEN);
      answers.add(new Seen("GET " + url, file.statusCode(), file.body()));
      files++;
    }
    assertThat(files).as("exported files of " + kickoff).isPositive();
  }

  // ---- helpers --------------------------------------------------------------------------------

  static String secretIn(String text) {
    if (text == null) {
      return null;
    }
    String lower = text.toLowerCase(Locale.ROOT);
    for (String s : SECRETS) {
      if (lower.contains(s.toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    return null;
  }

  static String around(String text, String secret) {
    int at = text.toLowerCase(Locale.ROOT).indexOf(secret.toLowerCase(Locale.ROOT));
    return text.substring(
        Math.max(0, at - 200), Math.min(text.length(), at + secret.length() + 100));
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  HttpResponse<String> get(String path) throws Exception {
    return send("GET", path, null, null);
  }

  JsonNode getJson(String path) throws Exception {
    return json.readTree(get(path).body());
  }

  HttpResponse<String> post(String path, String contentType, String body) throws Exception {
    return send("POST", path, contentType, body);
  }

  HttpResponse<String> send(String method, String path, String contentType, String body)
      throws Exception {
    return send(method, path, contentType, body, true);
  }

  HttpResponse<String> send(
      String method, String path, String contentType, String body, boolean scanned)
      throws Exception {
    HttpResponse<String> res =
        send(
            method,
            path,
            TOKEN,
            contentType,
            body == null ? null : body.getBytes(StandardCharsets.UTF_8),
            "Accept",
            "application/fhir+json, application/json;q=0.9, */*;q=0.8");
    if (scanned) {
      answers.add(new Seen(method + " " + path, res.statusCode(), res.body()));
    }
    return res;
  }
}
