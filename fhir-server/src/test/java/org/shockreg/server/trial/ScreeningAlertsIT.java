package org.shockreg.server.trial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.notify.SubscriptionStore;
import org.shockreg.registry.testing.TestDatabase;
import org.shockreg.server.IntegrationTestSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Screening alerts over real HTTP, end to end: a Subscription created through the FHIR API, a
 * candidate arriving through intake, the notification POSTed to a real receiver in the Backport
 * IG's R4 shape; receivers that are down or answer 500; backfills that stay silent; 1,000
 * candidates in one batch delivered in order; the error state after the retry budget and replay.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScreeningAlertsIT {

  static final String ADMIN = "it-alerts-admin-0123456789";
  static final String EDC = "it-alerts-edc-0123456789";
  static final String ANALYST = "it-alerts-analyst-0123456789";
  static final String SITE = "alerts-site";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.register(registry);
    registry.add(
        "shockreg.data-dir", () -> IntegrationTestSupport.newDataDir("it-alerts-").toString());
    registry.add("shockreg.security.tokens[0].token", () -> ADMIN);
    registry.add("shockreg.security.tokens[0].role", () -> "admin");
    registry.add("shockreg.security.tokens[1].token", () -> EDC);
    registry.add("shockreg.security.tokens[1].role", () -> "edc");
    registry.add("shockreg.security.tokens[1].studies", () -> "altshock-2");
    registry.add("shockreg.security.tokens[2].token", () -> ANALYST);
    registry.add("shockreg.security.tokens[2].role", () -> "analyst");
    registry.add("shockreg.subscriptions.poll-interval", () -> "100ms");
    registry.add("shockreg.subscriptions.initial-backoff", () -> "100ms");
    registry.add("shockreg.subscriptions.max-backoff", () -> "400ms");
    // long enough that a slow CI machine does not turn the receiver-down tests into error states,
    // short enough for the error-state test
    registry.add("shockreg.subscriptions.retry-for", () -> "8s");
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired SubscriptionStore store;
  final HttpClient http = HttpClient.newHttpClient();
  final ObjectMapper json = new ObjectMapper();
  final List<NotificationReceiver> receivers = new ArrayList<>();

  final List<String> subscriptions = new ArrayList<>();

  /** Each test's subscriptions end with it, so later candidates do not reach its receivers. */
  @AfterEach
  void deleteSubscriptions() throws Exception {
    for (String id : subscriptions) {
      send("DELETE", "/fhir/Subscription/" + id, null, ADMIN);
    }
    subscriptions.clear();
  }

  @AfterAll
  void stopReceivers() {
    receivers.forEach(NotificationReceiver::close);
  }

  NotificationReceiver receiver() throws Exception {
    NotificationReceiver r = NotificationReceiver.onFreePort().up();
    receivers.add(r);
    return r;
  }

  /** A candidate whose shock was diagnosed an hour ago: its randomization window is open. */
  static SourceRecords openCandidate(String id) {
    return new SourceRecords(id, Instant.now().minus(Duration.ofHours(1))).candidate();
  }

  // ---- the resource -----------------------------------------------------------------------------

  @Test
  void create_read_search_delete() throws Exception {
    NotificationReceiver r = receiver();
    HttpResponse<String> created =
        post("/fhir/Subscription", restHook(r.url("/crud"), "application/fhir+json"), ADMIN);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode s = json.readTree(created.body());
    assertThat(s.path("status").asText()).isEqualTo("active");
    String id = s.path("id").asText();
    assertThat(created.headers().firstValue("Location").orElse("")).contains("/Subscription/" + id);

    JsonNode read = json.readTree(get("/fhir/Subscription/" + id, ADMIN).body());
    assertThat(read.path("criteria").asText())
        .isEqualTo("ResearchSubject?study=altshock-2&status=potential-candidate");
    // a credential in a header is not given back
    assertThat(read.path("channel").path("header").get(0).asText())
        .isEqualTo("Authorization: ****");
    JsonNode search = json.readTree(get("/fhir/Subscription?status=active", ADMIN).body());
    assertThat(search.path("entry").toString()).contains(id);

    HttpResponse<String> deleted = send("DELETE", "/fhir/Subscription/" + id, null, ADMIN);
    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(get("/fhir/Subscription/" + id, ADMIN).statusCode()).isEqualTo(410);
    assertThat(get("/fhir/Subscription?_id=" + id, ADMIN).body())
        .doesNotContain("\"id\":\"" + id + "\"");
  }

  @Test
  void criteriaTheServerCannotEvaluate_andBadChannels_are400WithTheReason() throws Exception {
    String[][] bad = {
      {
        "Observation?code=http://loinc.org|2524-7&value-quantity=gt8",
        "rest-hook",
        "http://localhost:1/x",
        "only ResearchSubject"
      },
      {"ResearchSubject?individual=Patient/x", "rest-hook", "http://localhost:1/x", "individual"},
      {"ResearchSubject?study=no-such-study", "rest-hook", "http://localhost:1/x", "unknown study"},
      {
        "ResearchSubject?status=almost",
        "rest-hook",
        "http://localhost:1/x",
        "unknown ResearchSubject status"
      },
      {"ResearchSubject?study=altshock-2", "rest-hook", "ftp://localhost/x", "http(s)"},
      {"ResearchSubject?study=altshock-2", "websocket", "ws://localhost/x", "not supported"},
      {
        "ResearchSubject?study=altshock-2",
        "email",
        "mailto:coordinator@example.org",
        "not configured"
      },
    };
    for (String[] b : bad) {
      String body =
          "{\"resourceType\":\"Subscription\",\"status\":\"requested\",\"reason\":\"it\",\"criteria\":\""
              + b[0]
              + "\",\"channel\":{\"type\":\""
              + b[1]
              + "\",\"endpoint\":\""
              + b[2]
              + "\"}}";
      HttpResponse<String> res = post("/fhir/Subscription", body, ADMIN);
      assertThat(res.statusCode()).as(b[0] + " " + res.body()).isEqualTo(400);
      assertThat(res.body()).contains("OperationOutcome").contains(b[3]);
    }
  }

  @Test
  void roles_edcOnItsOwnStudies_analystNot() throws Exception {
    NotificationReceiver r = receiver();
    assertThat(post("/fhir/Subscription", restHook(r.url("/a"), null), ANALYST).statusCode())
        .isEqualTo(403);
    HttpResponse<String> edc = post("/fhir/Subscription", restHook(r.url("/edc"), null), EDC);
    assertThat(edc.statusCode()).as(edc.body()).isEqualTo(201);
    String id = json.readTree(edc.body()).path("id").asText();
    assertThat(get("/fhir/Subscription/" + id, EDC).statusCode()).isEqualTo(200);
    String anyStudy =
        "{\"resourceType\":\"Subscription\",\"status\":\"requested\",\"reason\":\"it\",\"criteria\":\"ResearchSubject?status=potential-candidate\","
            + "\"channel\":{\"type\":\"rest-hook\",\"endpoint\":\""
            + r.url("/edc2")
            + "\"}}";
    HttpResponse<String> all = post("/fhir/Subscription", anyStudy, EDC);
    assertThat(all.statusCode()).isEqualTo(400);
    assertThat(all.body()).contains("its own studies");
    assertThat(send("DELETE", "/fhir/Subscription/" + id, null, EDC).statusCode()).isEqualTo(200);
  }

  // ---- delivery ---------------------------------------------------------------------------------

  @Test
  void aNewCandidate_isNotifiedOnce_inTheBackportShape_withTheChannelHeaders() throws Exception {
    NotificationReceiver r = receiver();
    String sub = subscribe(r.url("/hook"), "application/fhir+json");
    ingest(openCandidate("alert-1"));
    await().atMost(Duration.ofSeconds(20)).until(() -> r.accepted().size() == 1);

    NotificationReceiver.Received got = r.received().get(0);
    assertThat(got.headers().get("Authorization")).containsExactly("Bearer gateway-secret");
    assertThat(got.headers().get("Content-type")).containsExactly("application/fhir+json");
    JsonNode bundle = json.readTree(got.body());
    assertThat(bundle.path("type").asText()).isEqualTo("history");
    JsonNode status = bundle.path("entry").get(0).path("resource");
    assertThat(status.path("resourceType").asText()).isEqualTo("Parameters");
    assertThat(param(status, "type").path("valueCode").asText()).isEqualTo("event-notification");
    assertThat(param(status, "subscription").path("valueReference").path("reference").asText())
        .endsWith("/Subscription/" + sub);
    JsonNode event = param(status, "notification-event");
    assertThat(part(event, "event-number").path("valueString").asText()).isEqualTo("1");
    String focus = part(event, "focus").path("valueReference").path("reference").asText();
    assertThat(focus).contains("/ResearchSubject/");
    JsonNode subject = bundle.path("entry").get(1).path("resource");
    assertThat(subject.path("resourceType").asText()).isEqualTo("ResearchSubject");
    assertThat(subject.path("status").asText()).isEqualTo("potential-candidate");
    assertThat(focus).endsWith("/ResearchSubject/" + subject.path("id").asText());

    // the same data again, and a new fact that keeps the match: no second notification
    ingest(openCandidate("alert-1"));
    ingest(
        new SourceRecords("alert-1", Instant.now().minus(Duration.ofHours(1)))
            .lactate(4, Duration.ofHours(2)));
    assertThat(delivered(sub)).isEqualTo(1);
    await()
        .pollDelay(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> r.received().size() == 1);
  }

  @Test
  void aBackfill_whoseWindowHasClosed_sendsNothing_andAnIdOnlySubscriptionGetsNoResource()
      throws Exception {
    NotificationReceiver r = receiver();
    String sub = subscribe(r.url("/idonly"), null);
    ingest(new SourceRecords("backfill", Instant.parse("2025-03-01T08:00:00Z")).candidate());
    ingest(openCandidate("fresh"));
    await().atMost(Duration.ofSeconds(20)).until(() -> r.accepted().size() == 1);
    JsonNode bundle = json.readTree(r.accepted().get(0));
    String focus =
        part(param(bundle.path("entry").get(0).path("resource"), "notification-event"), "focus")
            .path("valueReference")
            .path("reference")
            .asText();
    assertThat(focus).endsWith("/ResearchSubject/" + subjectOf("fresh"));
    assertThat(bundle.path("entry").get(1).has("resource")).isFalse();
    assertThat(events(sub)).isEqualTo(1);
  }

  @Test
  void aReceiverDownForAWhile_thenUp_receivesEveryEventExactlyOnce() throws Exception {
    NotificationReceiver r = receiver();
    String sub = subscribe(r.url("/down"), "application/fhir+json");
    r.down();
    ingest(openCandidate("down-1").and(openCandidate("down-2")));
    await().atMost(Duration.ofSeconds(10)).until(() -> failedAttempts(sub) >= 2);
    r.up();
    await().atMost(Duration.ofSeconds(20)).until(() -> r.accepted().size() == 2);
    assertThat(eventNumbers(r.accepted())).containsExactly("1", "2");
    await()
        .pollDelay(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> r.received().size() == 2);
  }

  @Test
  void aReceiverAnswering500_thenOk_getsEachEventOnce_inOrder() throws Exception {
    NotificationReceiver r = receiver();
    String sub = subscribe(r.url("/flaky"), null);
    r.answerNext(500, 503);
    ingest(openCandidate("flaky-1"));
    ingest(openCandidate("flaky-2"));
    await().atMost(Duration.ofSeconds(20)).until(() -> r.accepted().size() == 2);
    assertThat(eventNumbers(r.accepted())).containsExactly("1", "2");
    assertThat(r.received()).hasSize(4);
    assertThat(
            eventNumbers(r.received().stream().map(NotificationReceiver.Received::body).toList()))
        .containsExactly("1", "1", "1", "2");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM subscription_delivery WHERE subscription_id = ? AND outcome = 'failed'",
                Integer.class,
                sub))
        .isEqualTo(2);
  }

  @Test
  void afterTheRetryBudget_theSubscriptionIsInError_keepsItsEvents_andReplayDeliversThem()
      throws Exception {
    NotificationReceiver r = receiver();
    String sub = subscribe(r.url("/gone"), null);
    r.down();
    ingest(openCandidate("err-1"));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                "error"
                    .equals(
                        json.readTree(get("/fhir/Subscription/" + sub, ADMIN).body())
                            .path("status")
                            .asText()));
    JsonNode read = json.readTree(get("/fhir/Subscription/" + sub, ADMIN).body());
    assertThat(read.path("error").asText()).contains("failed for PT8S");
    JsonNode overview = adminOverview(sub);
    assertThat(overview.path("status").asText()).isEqualTo("error");
    assertThat(overview.path("pending").asInt()).isEqualTo(1);
    assertThat(overview.path("lastOutcome").asText()).isEqualTo("failed");

    // a candidate while in error is kept too
    ingest(openCandidate("err-2"));
    r.up();
    HttpResponse<String> replay =
        send("POST", "/admin/subscriptions/" + sub + "/replay", "", ADMIN);
    assertThat(replay.statusCode()).as(replay.body()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(20)).until(() -> r.accepted().size() == 2);
    assertThat(eventNumbers(r.accepted())).containsExactly("1", "2");
    assertThat(adminOverview(sub).path("status").asText()).isEqualTo("active");
    assertThat(send("POST", "/admin/subscriptions/nope/replay", "", ADMIN).statusCode())
        .isEqualTo(404);
  }

  @Test
  void aThousandCandidatesInOneBatch_areAllDelivered_inOrder() throws Exception {
    NotificationReceiver r = receiver();
    String sub = subscribe(r.url("/bulk"), null);
    StringBuilder ndjson = new StringBuilder();
    for (int i = 0; i < 1_000; i++) {
      ndjson.append(openCandidate(String.format("many-%04d", i)).ndjson());
    }
    HttpResponse<String> res =
        post("/ingest/" + SITE, ndjson.toString(), "application/fhir+ndjson", ADMIN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(90)).until(() -> r.accepted().size() >= 1_000);
    List<String> numbers = eventNumbers(r.accepted());
    assertThat(numbers).hasSize(1_000);
    for (int i = 0; i < numbers.size(); i++) {
      assertThat(numbers.get(i)).isEqualTo(Integer.toString(i + 1));
    }
    assertThat(events(sub)).isEqualTo(1_000);
  }

  @Test
  void theDeliveryLogRetention_purgesDeliveredEvents_neverPendingOnes() throws Exception {
    NotificationReceiver r = receiver();
    String sub = subscribe(r.url("/purge"), null);
    ingest(openCandidate("purge-1"));
    await().atMost(Duration.ofSeconds(20)).until(() -> delivered(sub) == 1);
    r.down();
    ingest(openCandidate("purge-2"));
    await().atMost(Duration.ofSeconds(10)).until(() -> failedAttempts(sub) >= 1);
    store.purgeBefore(Instant.now().plusSeconds(1));
    assertThat(
            jdbc.queryForList(
                "SELECT status FROM subscription_event WHERE subscription_id = ?",
                String.class,
                sub))
        .containsExactly("pending");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM subscription_delivery WHERE subscription_id = ? AND attempted_at < now() - interval '1 second'",
                Integer.class,
                sub))
        .isZero();
  }

  @Test
  void metrics_areOnPrometheus() throws Exception {
    HttpResponse<String> res =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/prometheus"))
                .header("Authorization", "Bearer " + ADMIN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).isEqualTo(200);
    String body = res.body();
    assertThat(body)
        .contains("shockreg_subscriptions_pending")
        .contains("shockreg_subscriptions_oldest_pending_age_seconds");
    assertThat(body).contains("shockreg_subscriptions_delivered_total");
  }

  // ---- helpers ----------------------------------------------------------------------------------

  static String restHook(String endpoint, String payload) {
    return "{\"resourceType\":\"Subscription\",\"status\":\"requested\",\"reason\":\"ALTSHOCK-2 screening\","
        + "\"criteria\":\"ResearchSubject?study=altshock-2&status=potential-candidate\",\"channel\":{\"type\":\"rest-hook\","
        + "\"endpoint\":\""
        + endpoint
        + "\","
        + (payload == null ? "" : "\"payload\":\"" + payload + "\",")
        + "\"header\":[\"Authorization: Bearer gateway-secret\"]}}";
  }

  String subscribe(String endpoint, String payload) throws Exception {
    HttpResponse<String> res = post("/fhir/Subscription", restHook(endpoint, payload), ADMIN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
    String id = json.readTree(res.body()).path("id").asText();
    subscriptions.add(id);
    return id;
  }

  void ingest(SourceRecords r) throws Exception {
    HttpResponse<String> res =
        post("/ingest/" + SITE, r.ndjson(), "application/fhir+ndjson", ADMIN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
  }

  String subjectOf(String sourcePatient) {
    return jdbc.queryForObject(
        "SELECT rs.subject_id FROM research_subject rs JOIN patient_source_link l ON l.patient_id = rs.patient_id"
            + " WHERE l.site_id = ? AND l.source_patient_id = ? AND rs.study_id = 'altshock-2'",
        String.class,
        SITE,
        sourcePatient);
  }

  int events(String sub) {
    return jdbc.queryForObject(
        "SELECT count(*) FROM subscription_event WHERE subscription_id = ?", Integer.class, sub);
  }

  int delivered(String sub) {
    return jdbc.queryForObject(
        "SELECT count(*) FROM subscription_event WHERE subscription_id = ? AND status = 'delivered'",
        Integer.class,
        sub);
  }

  int failedAttempts(String sub) {
    return jdbc.queryForObject(
        "SELECT count(*) FROM subscription_delivery WHERE subscription_id = ? AND outcome = 'failed'",
        Integer.class,
        sub);
  }

  JsonNode adminOverview(String sub) throws Exception {
    for (JsonNode o : json.readTree(get("/admin/subscriptions", ADMIN).body())) {
      if (sub.equals(o.path("id").asText())) {
        return o;
      }
    }
    throw new AssertionError("subscription " + sub + " not in /admin/subscriptions");
  }

  List<String> eventNumbers(List<String> bodies) throws Exception {
    List<String> out = new ArrayList<>();
    for (String b : bodies) {
      JsonNode status = json.readTree(b).path("entry").get(0).path("resource");
      out.add(
          part(param(status, "notification-event"), "event-number").path("valueString").asText());
    }
    return out;
  }

  static JsonNode param(JsonNode parameters, String name) {
    for (JsonNode p : parameters.path("parameter")) {
      if (name.equals(p.path("name").asText())) {
        return p;
      }
    }
    throw new AssertionError("no parameter " + name + " in " + parameters);
  }

  static JsonNode part(JsonNode parameter, String name) {
    for (JsonNode p : parameter.path("part")) {
      if (name.equals(p.path("name").asText())) {
        return p;
      }
    }
    throw new AssertionError("no part " + name + " in " + parameter);
  }

  HttpResponse<String> get(String path, String token) throws Exception {
    return send("GET", path, null, token);
  }

  HttpResponse<String> post(String path, String body, String token) throws Exception {
    return post(path, body, "application/fhir+json", token);
  }

  HttpResponse<String> post(String path, String body, String contentType, String token)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> send(String method, String path, String body, String token)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Authorization", "Bearer " + token)
            .header("Accept", "application/fhir+json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
