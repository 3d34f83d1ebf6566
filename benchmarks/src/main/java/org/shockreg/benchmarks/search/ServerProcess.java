package org.shockreg.benchmarks.search;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The application as a child JVM ({@code java -jar shockreg.jar}) on the bench database, with one
 * analyst token; its output goes to {@code <dir>/server.log}. Stopped with SIGTERM (graceful), then
 * killed if it does not end; a shutdown hook does the same if the benchmark fails or is
 * interrupted.
 */
final class ServerProcess implements AutoCloseable {

  private final Process process;
  private final Thread hook;
  private final String baseUrl;
  private final Path log;

  private ServerProcess(Process process, String baseUrl, Path log) {
    this.process = process;
    this.baseUrl = baseUrl;
    this.log = log;
    this.hook = new Thread(this::stop, "bench-server-stop");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  static ServerProcess start(Path jar, String heap, String jdbcUrl, Path dir, String analystToken)
      throws IOException, InterruptedException {
    return start(jar, heap, jdbcUrl, dir, analystToken, List.of());
  }

  /** As above, with further application arguments ({@code --name=value}). */
  static ServerProcess start(
      Path jar, String heap, String jdbcUrl, Path dir, String analystToken, List<String> extra)
      throws IOException, InterruptedException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar
              + " is missing: build it with ./mvnw -B -DskipTests package (or -am with -Dbench=search)");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path dataDir = dir.resolve("app");
    Files.createDirectories(dataDir);
    Path log = dir.resolve("server.log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx" + heap);
    cmd.add("-Djava.io.tmpdir=" + dataDir);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.add("--server.port=" + port);
    cmd.add("--spring.datasource.url=" + jdbcUrl);
    cmd.add("--spring.datasource.username=postgres");
    cmd.add("--spring.datasource.password=");
    cmd.add("--shockreg.data-dir=" + dataDir);
    cmd.add("--shockreg.security.tokens[0].token=" + analystToken);
    cmd.add("--shockreg.security.tokens[0].role=analyst");
    cmd.add("--shockreg.mllp.port=-1");
    cmd.add("--shockreg.inbox.enabled=false");
    cmd.add("--shockreg.demo=false");
    // one token sends every request: the per-caller rate limit (600/min) would answer 429
    cmd.add("--shockreg.limits.requests-per-minute=0");
    cmd.addAll(extra);
    Process p =
        new ProcessBuilder(cmd)
            .directory(dataDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    String base = "http://localhost:" + port;
    ServerProcess server = new ServerProcess(p, base, log);
    try {
      server.awaitHealthy(Duration.ofMinutes(5));
    } catch (IOException | InterruptedException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  String baseUrl() {
    return baseUrl;
  }

  long pid() {
    return process.pid();
  }

  private void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    long started = System.nanoTime();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the server exited with " + process.exitValue() + " during start; see " + log);
      }
      try {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/health"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("\"UP\"")) {
          System.out.printf(
              "bench: server pid %d up at %s in %.1f s (log %s)%n",
              process.pid(), baseUrl, (System.nanoTime() - started) / 1e9, log);
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(
        "the server did not become healthy in " + timeout + "; see " + log);
  }

  private void stop() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy(); // SIGTERM: graceful shutdown
    try {
      if (!process.waitFor(40, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }
}
