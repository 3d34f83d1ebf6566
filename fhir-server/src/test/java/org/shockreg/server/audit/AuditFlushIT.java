package org.shockreg.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.testing.TestDatabase;
import org.shockreg.server.ShockRegApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Audit events are never lost on a clean stop: requests are answered, the application is closed at
 * once, and every request is in {@code audit_event} afterwards (the writer drains its queue before
 * the datasource closes). A queue of one entry forces the back-pressure path (request threads
 * writing their own events) as well.
 */
class AuditFlushIT {

  static final String ADMIN = "flush-admin-token-0123456789";

  ConfigurableApplicationContext start(TestDatabase.Database db, Path dataDir, int queueCapacity) {
    return new SpringApplicationBuilder(ShockRegApplication.class)
        .run(
            "--server.port=0",
            "--shockreg.mllp.port=-1",
            "--shockreg.inbox.enabled=false",
            "--shockreg.data-dir=" + dataDir,
            "--spring.datasource.url=" + db.url(),
            "--spring.datasource.username=" + db.username(),
            "--spring.datasource.password=" + db.password(),
            "--shockreg.security.tokens[0].name=flush-admin",
            "--shockreg.security.tokens[0].token=" + ADMIN,
            "--shockreg.security.tokens[0].role=admin",
            "--shockreg.limits.requests-per-minute=0",
            "--shockreg.audit.queue-capacity=" + queueCapacity,
            "--shockreg.audit.batch-size=50");
  }

  /**
   * The audit table is locked by another connection while the requests run, so the writer is stuck
   * on its first batch and the rest wait in the queue (the requests are answered all the same: they
   * do not wait for the audit insert). The lock is released only once the stop has begun.
   */
  @Test
  void everyQueuedEventIsWritten_whenTheAppStopsWithAFullQueue() throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    ConfigurableApplicationContext app = start(db, dataDir(), 10_000);
    try (Connection lock = DriverManager.getConnection(db.url(), db.username(), db.password())) {
      lock.setAutoCommit(false);
      lock.createStatement().execute("LOCK TABLE audit_event IN EXCLUSIVE MODE");
      send(app, 300);
      Thread closing = new Thread(app::close, "test-close");
      closing.start();
      closing.join(
          1_000); // the web server stops, the writer is asked to stop: its queue is still full
      assertThat(closing.isAlive()).as("the stop waits for the audit writer").isTrue();
      lock.commit();
      closing.join(60_000);
    }
    assertThat(count(db)).isEqualTo(300);
  }

  @Test
  void aFullQueue_makesRequestThreadsWriteTheirOwnEvents() throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    ConfigurableApplicationContext app = start(db, dataDir(), 1);
    send(app, 100);
    app.close();
    assertThat(count(db)).isEqualTo(100);
  }

  private static Path dataDir() throws java.io.IOException {
    Path target = Path.of("target");
    Files.createDirectories(target);
    return Files.createTempDirectory(target.toAbsolutePath(), "it-audit-flush-");
  }

  private static void send(ConfigurableApplicationContext app, int requests) throws Exception {
    int port = ((WebServerApplicationContext) app).getWebServer().getPort();
    HttpClient http = HttpClient.newHttpClient();
    List<CompletableFuture<HttpResponse<Void>>> sent = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      HttpRequest req =
          HttpRequest.newBuilder(
                  URI.create("http://localhost:" + port + "/fhir/Patient?_count=1&gender=female"))
              .header("Authorization", "Bearer " + ADMIN)
              .build();
      sent.add(http.sendAsync(req, HttpResponse.BodyHandlers.discarding()));
    }
    for (CompletableFuture<HttpResponse<Void>> f : sent) {
      assertThat(f.get().statusCode()).isEqualTo(200);
    }
  }

  private static int count(TestDatabase.Database db) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.username(), db.password());
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT count(*) FROM audit_event WHERE agent_who = 'token:flush-admin'"
                        + " AND http_path = '/fhir/Patient' AND http_status = 200")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
