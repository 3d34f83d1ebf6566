package org.shockreg.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.testing.TestDatabase;
import org.shockreg.server.ShockRegApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What a real start does with the data dir and the database: the demo cohort is refused on a
 * configured (external) database unless forced; generated secrets are owner-only (0600) files with
 * no temporary left beside them, and the generated admin token works.
 */
class StartupSafetyIT {

  static List<String> args(TestDatabase.Database db, Path dataDir, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--spring.datasource.url=" + db.url(),
                "--spring.datasource.username=" + db.username(),
                "--spring.datasource.password=" + db.password(),
                "--shockreg.data-dir=" + dataDir,
                "--spring.quartz.properties.org.quartz.scheduler.instanceName=startup-safety-"
                    + db.url().hashCode(),
                "--server.port=0",
                "--shockreg.mllp.port=-1",
                "--shockreg.inbox.enabled=false"));
    args.addAll(List.of(more));
    return args;
  }

  @Test
  void demoOnAnExternalDatabase_isRefusedAtStart() throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    Path dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "startup-demo-");
    assertThatThrownBy(
            () ->
                new SpringApplicationBuilder(ShockRegApplication.class)
                    .run(args(db, dataDir, "--shockreg.demo=true").toArray(String[]::new)))
        .rootCause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("spring.datasource.url")
        .hasMessageContaining("shockreg.demo-force=true");
  }

  @Test
  void generatedSecrets_areOwnerOnly_andTheAdminTokenWorks() throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    Path dataDir =
        Files.createTempDirectory(Path.of("target").toAbsolutePath(), "startup-secrets-");
    try (ConfigurableApplicationContext app =
        new SpringApplicationBuilder(ShockRegApplication.class)
            .run(args(db, dataDir).toArray(String[]::new))) {
      for (String name : List.of("admin-token", "pseudonym-key")) {
        Path file = dataDir.resolve(name);
        assertThat(file).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
            .as(name)
            .isEqualTo("rw-------");
      }
      try (Stream<Path> files = Files.list(dataDir)) {
        assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
      }
      int port = ((WebServerApplicationContext) app).getWebServer().getPort();
      String token = Files.readString(dataDir.resolve("admin-token")).trim();
      HttpResponse<String> res =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://localhost:" + port + "/fhir/Patient?_count=1"))
                      .header("Authorization", "Bearer " + token)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    }
  }
}
