package org.shockreg.benchmarks.mllp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HL7 v2 ORU throughput over MLLP ({@code -Dbench=mllp}, benchmarks/RESULTS.md): the packaged
 * server ({@code fhir-server/target/shockreg.jar}) on its embedded PostgreSQL, ORU^R01 messages
 * with {@code bench.mllp.obx} OBX each, sent and acknowledged one at a time per connection, over 1
 * and then {@code bench.mllp.connections} connections. Every message is answered AA after commit.
 */
public final class MllpBenchmark {

  private static final Logger log = LoggerFactory.getLogger(MllpBenchmark.class);

  private MllpBenchmark() {}

  public static void main(String[] args) throws Exception {
    int messages = Integer.getInteger("bench.mllp.messages", 2000);
    int obx = Integer.getInteger("bench.mllp.obx", 10);
    int connections = Integer.getInteger("bench.mllp.connections", 4);
    int warmup = Integer.getInteger("bench.mllp.warmup", 300);
    Path jar = Path.of(System.getProperty("bench.serverJar", "../fhir-server/target/shockreg.jar"));
    Path dir = Path.of(System.getProperty("bench.mllpDir", "target/bench-mllp"));
    Path results = Path.of(System.getProperty("bench.results", "RESULTS.md"));
    Files.createDirectories(dir);
    int mllpPort = freePort();
    Process server = start(jar, dir, mllpPort, System.getProperty("bench.serverHeap", "1g"));
    try {
      run(mllpPort, "WARMUP", warmup, obx, 1);
      Result one = run(mllpPort, "BENCH1", messages, obx, 1);
      Result many = run(mllpPort, "BENCH" + connections, messages, obx, connections);
      log.info("event=bench_mllp connections=1 {}", one);
      log.info("event=bench_mllp connections={} {}", connections, many);
      String row1 = row(one, obx, 1);
      String rowN = row(many, obx, connections);
      appendResults(results, row1, rowN, messages, obx);
    } finally {
      server.destroy();
      if (!server.waitFor(40, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  record Result(int messages, double seconds, long[] latenciesMicros) {
    double perSecond() {
      return messages / seconds;
    }

    long percentile(double p) {
      long[] sorted = latenciesMicros.clone();
      Arrays.sort(sorted);
      return sorted.length == 0
          ? 0
          : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    @Override
    public String toString() {
      return String.format(
          "messages=%d seconds=%.2f perSecond=%.1f p50Ms=%.1f p95Ms=%.1f",
          messages, seconds, perSecond(), percentile(0.5) / 1000.0, percentile(0.95) / 1000.0);
    }
  }

  static Result run(int port, String facility, int messages, int obx, int connections)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    long[] latencies = new long[messages];
    ExecutorService pool = Executors.newFixedThreadPool(connections);
    long started = System.nanoTime();
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      done.add(
          pool.submit(
              () -> {
                try (Socket s = new Socket("localhost", port)) {
                  s.setSoTimeout(60_000);
                  // like an interface engine: one write per frame, no Nagle delay waiting for our
                  // ACKs
                  s.setTcpNoDelay(true);
                  InputStream in = s.getInputStream();
                  OutputStream out = s.getOutputStream();
                  for (int i = next.getAndIncrement(); i < messages; i = next.getAndIncrement()) {
                    byte[] msg = oru(facility, i, obx).getBytes(StandardCharsets.UTF_8);
                    byte[] frame = new byte[msg.length + 3];
                    frame[0] = 0x0b;
                    System.arraycopy(msg, 0, frame, 1, msg.length);
                    frame[frame.length - 2] = 0x1c;
                    frame[frame.length - 1] = 0x0d;
                    long t = System.nanoTime();
                    out.write(frame);
                    out.flush();
                    String ack = readFrame(in);
                    latencies[i] = (System.nanoTime() - t) / 1000;
                    if (!ack.contains("MSA|AA|")) {
                      throw new IllegalStateException(
                          "message " + i + " was not accepted: " + ack.replace('\r', '\n'));
                    }
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    pool.shutdown();
    return new Result(messages, seconds, latencies);
  }

  /**
   * An ORU^R01 like a blood gas / monitor feed: one patient per 5 messages, {@code obx} results.
   */
  static String oru(String facility, int i, int obx) {
    String[][] tests = {
      {"8867-4", "Heart rate", "/min", "%d"}, {"8480-6", "Systolic BP", "mm[Hg]", "%d"},
      {"8462-4", "Diastolic BP", "mm[Hg]", "%d"}, {"8478-0", "Mean BP", "mm[Hg]", "%d"},
      {"2524-7", "Lactate", "mmol/L", "%d.%d"}, {"2160-0", "Creatinine", "mg/dL", "1.%d"},
      {"10230-1", "LVEF", "%", "%d"}, {"60985-9", "CVP", "mm[Hg]", "%d"},
      {"8741-1", "Cardiac output", "L/min", "4.%d"}, {"ZZLOCAL", "Local test", "U", "%d"}
    };
    StringBuilder s = new StringBuilder();
    String time = String.format("2025%02d%02d%02d%02d00", 1 + i % 12, 1 + i % 28, i % 24, i % 60);
    s.append("MSH|^~\\&|LIS|")
        .append(facility)
        .append("|SHOCKREG|REG|")
        .append(time)
        .append("||ORU^R01^ORU_R01|")
        .append(facility)
        .append('-')
        .append(i)
        .append("|P|2.5.1\r");
    s.append("PID|1||BENCH-").append(i / 5).append("^^^HOSP^MR||Doe^Bench||19600101|F\r");
    s.append("OBR|1||ORD-").append(i).append("|PANEL^Panel^L|||").append(time).append('\r');
    for (int k = 0; k < obx; k++) {
      String[] t = tests[k % tests.length];
      String value = String.format(t[3], 40 + (i + k) % 50, (i + k) % 9);
      s.append("OBX|")
          .append(k + 1)
          .append("|NM|")
          .append(t[0])
          .append('^')
          .append(t[1])
          .append(t[0].startsWith("ZZ") ? "^99LAB" : "^LN")
          .append("|")
          .append(k / tests.length + 1)
          .append('|')
          .append(value)
          .append('|')
          .append(t[2])
          .append("^^UCUM|||||F|||")
          .append(time)
          .append('\r');
    }
    return s.toString();
  }

  static String readFrame(InputStream in) throws IOException {
    int b;
    while ((b = in.read()) != 0x0b) {
      if (b < 0) {
        throw new IOException("connection closed");
      }
    }
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    while ((b = in.read()) != 0x1c) {
      if (b < 0) {
        throw new IOException("connection closed in an ACK");
      }
      frame.write(b);
    }
    in.read();
    return frame.toString(StandardCharsets.UTF_8);
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * The packaged server on its own embedded PostgreSQL under {@code dir}, MLLP on {@code mllpPort}.
   */
  static Process start(Path jar, Path dir, int mllpPort, String heap) throws Exception {
    Path data = dir.resolve("app-" + System.currentTimeMillis()).toAbsolutePath();
    return start(jar, data, mllpPort, freePort(), heap);
  }

  /**
   * The packaged server on its own embedded PostgreSQL in data dir {@code data} (its admin token in
   * {@code data/admin-token}), HTTP on {@code httpPort}, MLLP on {@code mllpPort}.
   */
  public static Process start(Path jar, Path data, int mllpPort, int httpPort, String heap)
      throws Exception {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run with -am (it packages fhir-server)");
    }
    Files.createDirectories(data);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap,
                "-Djava.io.tmpdir=" + data));
    // e.g. -Dbench.serverJvmArgs=-XX:StartFlightRecording=filename=mllp.jfr to profile the server
    String extra = System.getProperty("bench.serverJvmArgs", "").trim();
    if (!extra.isEmpty()) {
      cmd.addAll(Arrays.asList(extra.split("\\s+")));
    }
    cmd.addAll(
        List.of(
            "-jar",
            jar.toAbsolutePath().toString(),
            "--server.port=" + httpPort,
            "--shockreg.data-dir=" + data,
            "--shockreg.mllp.port=" + mllpPort,
            "--shockreg.mllp.host=127.0.0.1",
            "--shockreg.mllp.auto-register=true",
            "--shockreg.inbox.enabled=false",
            "--shockreg.demo=false",
            "--shockreg.mappings.sites-dir=" + data.resolve("sites")));
    Process p =
        new ProcessBuilder(cmd)
            .directory(data.toFile())
            .redirectErrorStream(true)
            .redirectOutput(data.resolve("server.log").toFile())
            .start();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException(
            "the server exited during start; see " + data.resolve("server.log"));
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://localhost:" + httpPort + "/actuator/health"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("\"UP\"")) {
          return p;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(500); // a benchmark harness polling a child process, not product code
    }
    p.destroyForcibly();
    throw new IllegalStateException(
        "the server did not become healthy; see " + data.resolve("server.log"));
  }

  static String row(Result r, int obx, int connections) {
    return String.format(
        "| %s | %d | %d | %d | %.1f | %.0f | %.1f | %.1f |",
        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")),
        connections,
        r.messages(),
        obx,
        r.perSecond(),
        r.perSecond() * obx,
        r.percentile(0.5) / 1000.0,
        r.percentile(0.95) / 1000.0);
  }

  /**
   * Adds the two rows to the MLLP table (after its last row), creating the section the first time.
   */
  static void appendResults(Path results, String row1, String rowN, int messages, int obx)
      throws IOException {
    String marker = "## MLLP benchmark";
    String text = Files.exists(results) ? Files.readString(results) : "";
    String rows = row1 + "\n" + rowN + "\n";
    int section = text.indexOf(marker);
    if (section < 0) {
      String head =
          "\n"
              + marker
              + "\n\n"
              + "```\n./mvnw -B -Pbenchmarks -pl benchmarks -am -DskipTests verify -Dbench=mllp\n```\n\n"
              + "`MllpBenchmark`: the packaged server on its embedded PostgreSQL; ORU^R01 messages with "
              + obx
              + " OBX, each sent and acknowledged (AA after commit) before the next on its connection.\n\n"
              + "| when | connections | messages | OBX/msg | msgs/s | OBX/s | p50 ms | p95 ms |\n"
              + "|---|---|---|---|---|---|---|---|\n";
      Files.writeString(results, text + head + rows);
      return;
    }
    int end = text.indexOf("\n## ", section + marker.length());
    end = end < 0 ? text.length() : end;
    int lastRow = text.lastIndexOf("\n|", end);
    int insertAt = lastRow < section ? end : text.indexOf('\n', lastRow + 1) + 1;
    Files.writeString(results, text.substring(0, insertAt) + rows + text.substring(insertAt));
  }
}
