package org.shockreg.server.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.registry.testing.TestDatabase;
import org.shockreg.server.ShockRegApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The running application for the fuzzers: started here once per JVM (real HTTP on a random port, a
 * fresh database of the test PostgreSQL, a token of its own) and shared by every fuzz class, so
 * their static generators and checks reach it without a Spring test context; it is closed when the
 * JVM ends, like Spring's cached contexts.
 */
final class FuzzServer {

  static final String TOKEN = "fuzz-admin-token-0123456789abcdef";

  private static FuzzServer instance;

  final ConfigurableApplicationContext context;
  final int port;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private FuzzServer(ConfigurableApplicationContext context) {
    this.context = context;
    this.port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  static synchronized FuzzServer get() {
    if (instance == null) {
      TestDatabase.Database db = TestDatabase.newDatabase();
      Map<String, Object> props = new LinkedHashMap<>();
      props.put("server.port", "0");
      props.put("spring.datasource.url", db.url());
      props.put("spring.datasource.username", db.username());
      props.put("spring.datasource.password", db.password());
      props.put("shockreg.data-dir", dataDir());
      props.put("shockreg.mllp.port", "-1");
      props.put("shockreg.inbox.enabled", "false");
      props.put("shockreg.security.tokens[0].token", TOKEN);
      props.put("shockreg.security.tokens[0].role", "admin");
      props.put(
          "shockreg.limits.requests-per-minute",
          "0"); // the fuzzers flood one token on purpose: no 429 may hide a 500
      // It stays up beside the ITs' cached contexts, all on one test PostgreSQL: a small pool.
      props.put("spring.datasource.hikari.maximum-pool-size", "6");
      props.put("spring.datasource.hikari.minimum-idle", "1");
      // As command-line arguments: they outrank application.yaml (default properties do not).
      String[] args =
          props.entrySet().stream()
              .map(e -> "--" + e.getKey() + "=" + e.getValue())
              .toArray(String[]::new);
      instance = new FuzzServer(new SpringApplicationBuilder(ShockRegApplication.class).run(args));
    }
    return instance;
  }

  private static String dataDir() {
    try {
      Path target = Path.of("target").toAbsolutePath();
      Files.createDirectories(target);
      return Files.createTempDirectory(target, "it-fuzz-").toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  IntakePipeline pipeline() {
    return context.getBean(IntakePipeline.class);
  }

  JdbcTemplate jdbc() {
    return context.getBean(JdbcTemplate.class);
  }

  HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + pathAndQuery))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Accept", "application/fhir+json")
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String contentType, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + TOKEN)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (!contentType.isEmpty()) {
      request.header("Content-Type", contentType);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
