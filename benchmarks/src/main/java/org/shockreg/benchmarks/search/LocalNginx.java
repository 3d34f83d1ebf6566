package org.shockreg.benchmarks.search;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** nginx as a child process on loopback: one port for both instances, one for A alone. */
final class LocalNginx implements AutoCloseable {
  private final Process process;
  private final int both;
  private final int one;

  private LocalNginx(Process process, int both, int one) {
    this.process = process;
    this.both = both;
    this.one = one;
  }

  static LocalNginx start(String binary, Path dir, String a, String b) throws Exception {
    Files.createDirectories(dir);
    int both = TwoInstanceBenchmark.freePort();
    int one = TwoInstanceBenchmark.freePort();
    String hostA = URI.create(a).getAuthority();
    String hostB = URI.create(b).getAuthority();
    // HTTP only: MLLP is not measured here
    String conf =
        "daemon off;\nworker_processes 2;\npid "
            + dir.toAbsolutePath().resolve("nginx.pid")
            + ";\nerror_log "
            + dir.toAbsolutePath().resolve("error.log")
            + " warn;\n"
            + "events { worker_connections 1024; }\nhttp {\n  access_log off;\n"
            + "  client_body_temp_path "
            + dir.toAbsolutePath().resolve("body")
            + ";\n"
            + "  proxy_temp_path "
            + dir.toAbsolutePath().resolve("proxy")
            + ";\n"
            + "  upstream both { server "
            + hostA
            + "; server "
            + hostB
            + "; keepalive 32; }\n"
            + "  upstream one { server "
            + hostA
            + "; keepalive 32; }\n"
            + server(both, "both")
            + server(one, "one")
            + "}\n";
    Path file = dir.toAbsolutePath().resolve("nginx.conf");
    Files.writeString(file, conf);
    Process p =
        new ProcessBuilder(binary, "-p", dir.toAbsolutePath().toString(), "-c", file.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("nginx.out").toFile())
            .start();
    LocalNginx n = new LocalNginx(p, both, one);
    HttpClient http = HttpClient.newHttpClient();
    for (int i = 0; i < 100; i++) {
      try {
        http.send(
            HttpRequest.newBuilder(URI.create(n.bothUrl() + "/actuator/health")).build(),
            HttpResponse.BodyHandlers.discarding());
        return n;
      } catch (IOException notYet) {
        if (!p.isAlive()) {
          throw new IllegalStateException("nginx exited; see " + dir.resolve("nginx.out"));
        }
        Thread.sleep(100);
      }
    }
    n.close();
    throw new IllegalStateException("nginx did not start; see " + dir.resolve("nginx.out"));
  }

  private static String server(int port, String upstream) {
    return "  server {\n    listen 127.0.0.1:"
        + port
        + ";\n    client_max_body_size 200m;\n"
        + "    location / {\n      proxy_pass http://"
        + upstream
        + ";\n"
        + "      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n"
        + "      proxy_set_header Host $host;\n      proxy_set_header X-Forwarded-Proto $scheme;\n"
        + "      proxy_set_header X-Forwarded-Host $host;\n"
        + "      proxy_set_header X-Forwarded-Port $server_port;\n"
        + "      proxy_read_timeout 600s;\n    }\n  }\n";
  }

  String bothUrl() {
    return "http://127.0.0.1:" + both;
  }

  String oneUrl() {
    return "http://127.0.0.1:" + one;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
