package org.shockreg.server.trial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.testing.TestDatabase;
import org.shockreg.server.IntegrationTestSupport;
import org.shockreg.server.ShockRegApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Nothing is lost across a restart: events written while the receiver is down stay in the outbox
 * when ShockReg stops, and the next start delivers each of them once, in order.
 */
class ScreeningAlertRestartIT {

  static final String ADMIN = "it-alerts-restart-admin-0123456789";
  final HttpClient http = HttpClient.newHttpClient();
  final ObjectMapper json = new ObjectMapper();

  @Test
  void eventsPendingAtAStop_areDeliveredOnceAfterTheRestart() throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    Path dataDir = IntegrationTestSupport.newDataDir("it-alerts-restart-");
    String[] args = {
      "--spring.datasource.url=" + db.url(),
      "--spring.datasource.username=" + db.username(),
      "--spring.datasource.password=" + db.password(),
      "--shockreg.data-dir=" + dataDir,
      "--shockreg.security.tokens[0].token=" + ADMIN,
      "--shockreg.security.tokens[0].role=admin",
      "--shockreg.subscriptions.poll-interval=100ms",
      "--shockreg.subscriptions.initial-backoff=100ms",
      "--shockreg.subscriptions.max-backoff=300ms",
      "--server.port=0",
      "--shockreg.mllp.port=-1",
      "--shockreg.inbox.enabled=false"
    };
    try (NotificationReceiver receiver = NotificationReceiver.onFreePort()) {
      String sub;
      try (ConfigurableApplicationContext app =
          new SpringApplicationBuilder(ShockRegApplication.class).run(args)) {
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        HttpResponse<String> created =
            post(
                port,
                "/fhir/Subscription",
                ScreeningAlertsIT.restHook(receiver.url("/restart"), "application/fhir+json"),
                "application/fhir+json");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        sub = json.readTree(created.body()).path("id").asText();
        Instant t0 = Instant.now().minus(Duration.ofHours(2));
        SourceRecords three =
            new SourceRecords("restart-1", t0)
                .candidate()
                .and(new SourceRecords("restart-2", t0).candidate())
                .and(new SourceRecords("restart-3", t0).candidate());
        assertThat(
                post(port, "/ingest/restart-site", three.ndjson(), "application/fhir+ndjson")
                    .statusCode())
            .isEqualTo(200);
        JdbcTemplate jdbc = new JdbcTemplate(app.getBean(javax.sql.DataSource.class));
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    jdbc.queryForObject("SELECT count(*) FROM subscription_delivery", Integer.class)
                        >= 2);
      }
      assertThat(receiver.received()).isEmpty();
      receiver.up();
      try (ConfigurableApplicationContext app =
          new SpringApplicationBuilder(ShockRegApplication.class).run(args)) {
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.accepted().size() == 3);
        List<String> numbers = new ArrayList<>();
        for (String body : receiver.accepted()) {
          JsonNode status = json.readTree(body).path("entry").get(0).path("resource");
          JsonNode event = ScreeningAlertsIT.param(status, "notification-event");
          numbers.add(ScreeningAlertsIT.part(event, "event-number").path("valueString").asText());
          assertThat(
                  ScreeningAlertsIT.param(status, "subscription")
                      .path("valueReference")
                      .path("reference")
                      .asText())
              .endsWith("/Subscription/" + sub);
        }
        assertThat(numbers).containsExactly("1", "2", "3");
        await()
            .pollDelay(Duration.ofMillis(500))
            .atMost(Duration.ofSeconds(5))
            .until(() -> receiver.received().size() == 3);
      }
    }
  }

  /**
   * Two instances on one database, both dispatching: each event reaches the receiver once, and in
   * order, whichever instance took it (the per-subscription advisory lock).
   */
  @Test
  void twoInstancesDispatching_deliverEachEventOnce_inOrder() throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    String key = java.util.Base64.getEncoder().encodeToString(new byte[32]);
    try (NotificationReceiver receiver = NotificationReceiver.onFreePort().up();
        ConfigurableApplicationContext a =
            new SpringApplicationBuilder(ShockRegApplication.class).run(instance(db, key, "a"));
        ConfigurableApplicationContext b =
            new SpringApplicationBuilder(ShockRegApplication.class).run(instance(db, key, "b"))) {
      int portA = ((WebServerApplicationContext) a).getWebServer().getPort();
      int portB = ((WebServerApplicationContext) b).getWebServer().getPort();
      HttpResponse<String> created =
          post(
              portB,
              "/fhir/Subscription",
              ScreeningAlertsIT.restHook(receiver.url("/two"), null),
              "application/fhir+json");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      Instant t0 = Instant.now().minus(Duration.ofHours(1));
      for (int batch = 0; batch < 4; batch++) {
        SourceRecords records = new SourceRecords("two-" + batch + "-0", t0).candidate();
        for (int i = 1; i < 25; i++) {
          records.and(new SourceRecords("two-" + batch + "-" + i, t0).candidate());
        }
        int port = batch % 2 == 0 ? portA : portB;
        assertThat(
                post(port, "/ingest/two-site", records.ndjson(), "application/fhir+ndjson")
                    .statusCode())
            .isEqualTo(200);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> receiver.accepted().size() >= 100);
      await()
          .pollDelay(Duration.ofMillis(500))
          .atMost(Duration.ofSeconds(5))
          .until(() -> receiver.received().size() == 100);
      List<String> numbers = new ArrayList<>();
      for (String body : receiver.accepted()) {
        JsonNode status = json.readTree(body).path("entry").get(0).path("resource");
        numbers.add(
            ScreeningAlertsIT.part(
                    ScreeningAlertsIT.param(status, "notification-event"), "event-number")
                .path("valueString")
                .asText());
      }
      for (int i = 0; i < 100; i++) {
        assertThat(numbers.get(i)).isEqualTo(Integer.toString(i + 1));
      }
    }
  }

  static String[] instance(TestDatabase.Database db, String pseudonymKey, String name) {
    return new String[] {
      "--spring.datasource.url=" + db.url(),
      "--spring.datasource.username=" + db.username(),
      "--spring.datasource.password=" + db.password(),
      "--shockreg.data-dir=" + IntegrationTestSupport.newDataDir("it-alerts-two-" + name + "-"),
      "--shockreg.pseudonym.key=" + pseudonymKey,
      "--shockreg.security.tokens[0].token=" + ADMIN,
      "--shockreg.security.tokens[0].role=admin",
      "--shockreg.subscriptions.poll-interval=50ms",
      "--server.port=0",
      "--shockreg.mllp.port=-1",
      "--shockreg.inbox.enabled=false"
    };
  }

  HttpResponse<String> post(int port, String path, String body, String contentType)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Authorization", "Bearer " + ADMIN)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
