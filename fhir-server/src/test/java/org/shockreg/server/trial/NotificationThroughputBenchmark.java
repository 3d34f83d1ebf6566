package org.shockreg.server.trial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.testing.TestDatabase;
import org.shockreg.server.IntegrationTestSupport;
import org.shockreg.server.ShockRegApplication;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Not part of the suite (no IT suffix): notifications delivered per second to a real HTTP receiver
 * on this machine. The outbox is filled while the receiver is down (N candidates through intake),
 * then the receiver comes up and a replay releases everything at once; the clock runs from the
 * replay to the last delivered event. With one subscription (strictly in order) and with four
 * (delivered in parallel, each in order). Run it alone: {@code ./mvnw -B -o verify -pl
 * registry,mappings,camel-routes,fhir-server -Dit.test=NotificationThroughputBenchmark -Dtest=NONE
 * -Dsurefire.failIfNoSpecifiedTests=false}; it logs {@code event=notification_benchmark ...}.
 * Results: benchmarks/RESULTS.md "Notifications".
 */
class NotificationThroughputBenchmark {

  private static final Logger log = LoggerFactory.getLogger(NotificationThroughputBenchmark.class);
  static final String ADMIN = "bench-alerts-admin-0123456789";
  static final int CANDIDATES = Integer.getInteger("bench.candidates", 2_000);

  @Test
  void notificationsPerSecond() throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    String[] args = {
      "--spring.datasource.url=" + db.url(),
      "--spring.datasource.username=" + db.username(),
      "--spring.datasource.password=" + db.password(),
      "--shockreg.data-dir=" + IntegrationTestSupport.newDataDir("bench-alerts-"),
      "--shockreg.security.tokens[0].token=" + ADMIN,
      "--shockreg.security.tokens[0].role=admin",
      "--shockreg.subscriptions.poll-interval=50ms",
      "--shockreg.subscriptions.initial-backoff=1h",
      "--shockreg.audit.enabled=false",
      "--server.port=0",
      "--shockreg.mllp.port=-1",
      "--shockreg.inbox.enabled=false",
      "--logging.level.org.shockreg.server.subscription=WARN"
    };
    try (ConfigurableApplicationContext app =
        new SpringApplicationBuilder(ShockRegApplication.class).run(args)) {
      int port = ((WebServerApplicationContext) app).getWebServer().getPort();
      JdbcTemplate jdbc = new JdbcTemplate(app.getBean(DataSource.class));
      run(port, jdbc, 1, 0);
      run(port, jdbc, 4, CANDIDATES);
    }
  }

  private void run(int port, JdbcTemplate jdbc, int subscriptions, int offset) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    ObjectMapper json = new ObjectMapper();
    try (NotificationReceiver receiver = NotificationReceiver.onFreePort()) {
      List<String> subs = new ArrayList<>();
      for (int s = 0; s < subscriptions; s++) {
        HttpResponse<String> res =
            send(
                http,
                port,
                "/fhir/Subscription",
                ScreeningAlertsIT.restHook(receiver.url("/bench"), "application/fhir+json"),
                "application/fhir+json");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        subs.add(json.readTree(res.body()).path("id").asText());
      }
      // receiver down: the first attempt of each subscription fails and waits an hour
      Instant t0 = Instant.now().minus(Duration.ofHours(1));
      int per = CANDIDATES / subscriptions;
      for (int from = 0; from < CANDIDATES; from += 500) {
        SourceRecords records = new SourceRecords("bench-" + (offset + from), t0).candidate();
        for (int i = from + 1; i < Math.min(CANDIDATES, from + 500); i++) {
          records.and(new SourceRecords("bench-" + (offset + i), t0).candidate());
        }
        assertThat(
                send(http, port, "/ingest/bench-site", records.ndjson(), "application/fhir+ndjson")
                    .statusCode())
            .isEqualTo(200);
      }
      int expected = CANDIDATES * subscriptions;
      await()
          .atMost(Duration.ofMinutes(2))
          .until(
              () ->
                  jdbc.queryForObject(
                          "SELECT count(*) FROM subscription_event WHERE subscription_id = ANY(?::text[])",
                          Integer.class,
                          "{" + String.join(",", subs) + "}")
                      == expected);
      receiver.up();
      long start = System.nanoTime();
      for (String sub : subs) {
        send(http, port, "/admin/subscriptions/" + sub + "/replay", "", "application/json");
      }
      await()
          .atMost(Duration.ofMinutes(10))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> receiver.accepted().size() >= expected);
      double seconds = (System.nanoTime() - start) / 1e9;
      log.info(
          "event=notification_benchmark subscriptions={} notifications={} seconds={} per_second={} candidates_per_subscription={}",
          subscriptions,
          expected,
          String.format("%.2f", seconds),
          String.format("%.0f", expected / seconds),
          per);
      for (String sub : subs) {
        send(http, port, "/fhir/Subscription/" + sub, null, null);
      }
    }
  }

  private static HttpResponse<String> send(
      HttpClient http, int port, String path, String body, String contentType) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Authorization", "Bearer " + ADMIN);
    if (body == null) {
      b.DELETE();
    } else {
      b.header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
