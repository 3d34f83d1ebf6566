package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The default a new user gets: no datasource configured, so the app runs its own embedded
 * PostgreSQL under the data dir, loads the demo cohort through intake, and keeps everything across
 * a restart without loading it twice.
 */
class EmbeddedDefaultRestartIT {

  static final String[] COUNTS = {
    "patient", "measurement", "device_therapy", "diagnosis", "encounter", "raw_resource"
  };

  @Test
  void restartOnTheSameDataDir_keepsEverything_andTheDemoIsNotLoadedTwice() throws Exception {
    Path dataDir =
        Files.createTempDirectory(Path.of("target").toAbsolutePath(), "embedded-restart-");
    String[] args = {
      "--shockreg.data-dir=" + dataDir,
      "--shockreg.demo=true",
      "--shockreg.demo-cohort.patients=24",
      "--shockreg.demo-cohort.trial-subjects=0",
      "--server.port=0",
      "--shockreg.mllp.port=-1",
      "--shockreg.inbox.enabled=false"
    };

    Map<String, Integer> first;
    String token;
    try (ConfigurableApplicationContext app = start(args)) {
      first = counts(app);
      assertThat(first.get("patient")).isEqualTo(24);
      assertThat(first.get("measurement")).isPositive();
      assertThat(first.get("device_therapy")).isPositive();
      token = Files.readString(dataDir.resolve("admin-token")).trim();
      assertThat(Files.getPosixFilePermissions(dataDir.resolve("admin-token")))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      assertThat(dataDir.resolve("pseudonym-key")).exists();
      assertThat(dataDir.resolve("pg/PG_VERSION")).exists();
      HttpResponse<String> patients = get(app, "/fhir/Patient?_summary=count", token);
      assertThat(patients.statusCode()).isEqualTo(200);
      assertThat(patients.body()).contains("\"total\":24");
      assertThat(get(app, "/actuator/health", null).body()).startsWith("{\"status\":\"UP\"");
    }

    try (ConfigurableApplicationContext app = start(args)) {
      assertThat(counts(app)).isEqualTo(first);
      assertThat(Files.readString(dataDir.resolve("admin-token")).trim()).isEqualTo(token);
      assertThat(get(app, "/fhir/Patient?_summary=count", token).body()).contains("\"total\":24");
      assertThat(
              new JdbcTemplate(app.getBean(javax.sql.DataSource.class))
                  .queryForObject("SELECT count(*) FROM demo_load", Integer.class))
          .isEqualTo(1);
    }
  }

  private static ConfigurableApplicationContext start(String[] args) {
    return new SpringApplicationBuilder(ShockRegApplication.class).run(args);
  }

  private static Map<String, Integer> counts(ConfigurableApplicationContext app) {
    JdbcTemplate jdbc = new JdbcTemplate(app.getBean(javax.sql.DataSource.class));
    Map<String, Integer> counts = new java.util.TreeMap<>();
    for (String table : COUNTS) {
      counts.put(table, jdbc.queryForObject("SELECT count(*) FROM " + table, Integer.class));
    }
    return counts;
  }

  private static HttpResponse<String> get(
      ConfigurableApplicationContext app, String path, String token) throws Exception {
    int port = ((WebServerApplicationContext) app).getWebServer().getPort();
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(req.build(), HttpResponse.BodyHandlers.ofString());
  }
}
