package org.shockreg.server.crash;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.shockreg.registry.db.CrashProcesses;
import org.shockreg.server.crash.SourceChunks.Chunk;

/**
 * The real ShockReg server as a child process, as an operator runs it: no datasource configured, so
 * it starts its own embedded PostgreSQL under {@code <dataDir>/pg}, and its admin token is the
 * generated {@code <dataDir>/admin-token}. It runs in a process group of its own ({@code setsid}),
 * so it can be killed alone, with its process group, or with every PostgreSQL process too.
 */
public final class RegistryServer implements AutoCloseable {

  /** How the server is killed. */
  public enum KillMode {
    /** kill -9 of the JVM alone (the OOM killer): the watchdog and the postmaster survive it. */
    JVM,
    /**
     * kill -9 -- -pgid: the JVM and the watchdog shell. pg_ctl starts the postmaster in a session
     * of its own (and every PostgreSQL child calls setsid), so the postmaster is left running.
     */
    GROUP,
    /**
     * The process group and every PostgreSQL process of the data dir at once, like a cgroup kill.
     */
    ALL
  }

  /**
   * How to run the server: JVM flags (e.g. {@code -Xmx1g}), then {@code ["-jar", jar]} or {@code
   * ["-cp", classpath, mainClass]}, then extra application arguments.
   */
  public record Launch(List<String> jvmArgs, List<String> javaTarget, List<String> extraArgs) {}

  /** The outcome of one start: up or not, how long it took, its log. */
  public record Start(boolean up, double seconds, Path log, String failure) {}

  private static final String CONTENT_TYPE = "application/fhir+ndjson";

  private final Process jvm;
  private final Path dataDir;

  /** Known once the server listens: it binds a port of its own choosing and writes it to a file. */
  private volatile String baseUrl;

  private final HttpClient client;
  private String token;

  private final Path log;
  private final long logOffset;

  private RegistryServer(Process jvm, Path dataDir, Path log, long logOffset) {
    this.jvm = jvm;
    this.dataDir = dataDir;
    this.log = log;
    this.logOffset = logOffset;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  /** Launches the server on {@code dataDir}; {@link #awaitUp} tells whether it came up. */
  public static RegistryServer launch(Launch launch, Path dataDir, String pseudonymKey, Path log)
      throws IOException {
    Files.createDirectories(dataDir.resolve("tmp"));
    // Port 0, read back from the log, not a free port picked here: between picking and binding
    // (10 s of start-up) another process could take it.
    long logOffset = Files.exists(log) ? Files.size(log) : 0;
    List<String> cmd = new ArrayList<>();
    cmd.add(CrashProcesses.javaCommand());
    cmd.addAll(launch.jvmArgs());
    cmd.add("-Djava.io.tmpdir=" + dataDir.resolve("tmp"));
    cmd.addAll(launch.javaTarget());
    cmd.add("--server.port=0");
    cmd.add("--shockreg.data-dir=" + dataDir);
    cmd.add("--shockreg.pseudonym.key=" + pseudonymKey);
    cmd.add("--shockreg.mllp.port=-1");
    cmd.add("--shockreg.inbox.enabled=false");
    cmd.add("--shockreg.demo=false");
    cmd.addAll(launch.extraArgs());
    Process p =
        CrashProcesses.inOwnProcessGroup(cmd)
            .directory(dataDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    return new RegistryServer(p, dataDir, log, logOffset);
  }

  /** Waits until {@code /actuator/health} answers UP, the process exits, or the timeout passes. */
  public Start awaitUp(Path log, Duration timeout, long launchedNanos) throws InterruptedException {
    long deadline = launchedNanos + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!jvm.isAlive()) {
        return new Start(false, seconds(launchedNanos), log, "exited with " + jvm.exitValue());
      }
      if (baseUrl == null) {
        baseUrl = listeningUrl();
        if (baseUrl == null) {
          Thread.sleep(200);
          continue;
        }
      }
      try {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/health"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("\"UP\"")) {
          token = Files.readString(dataDir.resolve("admin-token")).trim();
          return new Start(true, seconds(launchedNanos), log, null);
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    return new Start(false, seconds(launchedNanos), log, "not healthy within " + timeout);
  }

  private static final java.util.regex.Pattern TOMCAT_STARTED =
      java.util.regex.Pattern.compile("Tomcat started on port (\\d+)");

  /** The port this launch's Tomcat reported in its part of the log, or null before it listens. */
  private String listeningUrl() {
    try {
      byte[] all = Files.readAllBytes(log);
      String mine =
          new String(
              all,
              (int) Math.min(logOffset, all.length),
              (int) Math.max(0, all.length - logOffset),
              java.nio.charset.StandardCharsets.UTF_8);
      java.util.regex.Matcher m = TOMCAT_STARTED.matcher(mine);
      return m.find() ? "http://localhost:" + m.group(1) : null;
    } catch (IOException notYet) {
      return null;
    }
  }

  public long pid() {
    return jvm.pid();
  }

  public Process process() {
    return jvm;
  }

  public String baseUrl() {
    return baseUrl;
  }

  public String token() {
    return token;
  }

  /** Posts one chunk; the future completes with the response or fails when the server dies. */
  public CompletableFuture<HttpResponse<String>> postAsync(Chunk chunk) {
    try {
      return client.sendAsync(
          HttpRequest.newBuilder(URI.create(baseUrl + "/ingest/" + chunk.site()))
              .header("Authorization", "Bearer " + token)
              .header("Content-Type", CONTENT_TYPE)
              .timeout(Duration.ofMinutes(10))
              .POST(HttpRequest.BodyPublishers.ofFile(chunk.file()))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Posts one chunk and requires a 200. */
  public String post(Chunk chunk) throws Exception {
    HttpResponse<String> r = postAsync(chunk).get(10, TimeUnit.MINUTES);
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          "POST /ingest/"
              + chunk.site()
              + " of "
              + chunk.file()
              + " answered "
              + r.statusCode()
              + ": "
              + r.body());
    }
    return r.body();
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .header("Authorization", "Bearer " + token)
            .header("Accept", "application/fhir+json")
            .timeout(Duration.ofMinutes(5))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** SIGKILL as {@code mode} says; returns once the killed processes are gone. */
  public void kill(KillMode mode) {
    switch (mode) {
      case JVM -> CrashProcesses.killJvm(jvm);
      case GROUP -> CrashProcesses.killProcessGroups(jvm.pid());
      case ALL -> {
        List<ProcessHandle> postgres = CrashProcesses.postgresProcessesOf(dataDir.resolve("pg"));
        CrashProcesses.killProcessGroupsAndProcesses(
            new long[] {jvm.pid()}, postgres.stream().mapToLong(ProcessHandle::pid).toArray());
      }
    }
  }

  /** SIGTERM (graceful: in-flight batches commit or roll back, PostgreSQL stops), then SIGKILL. */
  @Override
  public void close() {
    if (!jvm.isAlive()) {
      return;
    }
    jvm.destroy();
    try {
      if (!jvm.waitFor(60, TimeUnit.SECONDS)) {
        jvm.destroyForcibly();
        jvm.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      jvm.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }
}
