package org.shockreg.benchmarks.crash;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.shockreg.benchmarks.JvmMeasurements;
import org.shockreg.server.crash.CrashDrill;
import org.shockreg.server.crash.RegistryServer.KillMode;
import org.shockreg.server.crash.RegistryServer.Launch;

/**
 * The kill -9 drill of issue 10 at full size (benchmarks/RESULTS.md, "Crash recovery benchmark"):
 * {@link CrashDrill} with 100 k synthetic source resources, the real server jar as a child process
 * on its own embedded PostgreSQL, five kills of the JVM alone, five of its process group and five
 * of everything including PostgreSQL, each mid-ingest and followed by one start; then a re-post of
 * everything and the registry compared with a crash-free run. Exits non-zero on any mismatch or any
 * start that did not come up on the first try.
 */
public final class CrashRecoveryBenchmark {

  private CrashRecoveryBenchmark() {}

  public static void main(String[] args) {
    // System.exit, also on failure: the HTTP client's threads would keep the JVM alive.
    int status = 1;
    try {
      status = run() ? 0 : 2;
    } catch (Throwable t) {
      System.err.println("bench: FAILED");
      t.printStackTrace();
    }
    System.exit(status);
  }

  static boolean run() throws Exception {
    Path jar = path("bench.serverJar", "../fhir-server/target/shockreg.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: run with -am (it packages fhir-server first)");
    }
    List<KillMode> kills = new ArrayList<>();
    kills.addAll(Collections.nCopies(intProp("bench.crash.jvmKills", 5), KillMode.JVM));
    kills.addAll(Collections.nCopies(intProp("bench.crash.groupKills", 5), KillMode.GROUP));
    kills.addAll(Collections.nCopies(intProp("bench.crash.allKills", 5), KillMode.ALL));
    String heap = System.getProperty("bench.serverHeap", "1g");
    CrashDrill.Options options =
        new CrashDrill.Options(
            Long.parseLong(System.getProperty("bench.seed", "20261125")),
            intProp("bench.crash.resources", 100_000),
            intProp("bench.crash.chunkResources", 2_500),
            kills,
            new Launch(List.of("-Xmx" + heap), List.of("-jar", jar.toString()), List.of()),
            path("bench.crashDir", "target/bench-crash"),
            Duration.ofSeconds(intProp("bench.crash.startTimeoutSeconds", 180)));
    String loadBefore = loadAverage();
    CrashDrill.Result result = new CrashDrill(options).run();
    String note = System.getProperty("bench.machineNote", "").trim();
    // 2 shared cores: the load says how comparable the times to up are
    note =
        (note.isEmpty() ? "" : note + ", ")
            + "load average "
            + loadBefore
            + " before, "
            + loadAverage()
            + " after";
    Path results = path("bench.results", "RESULTS.md");
    CrashResults.append(results, result, heap, machine(), note);
    System.out.println("bench: appended the crash recovery results to " + results);
    if (!result.passed()) {
      System.err.println(
          "bench: FAILED: "
              + result.firstTryUps()
              + "/"
              + result.restarts().size()
              + " restarts up on the first try; mismatches:\n  "
              + String.join("\n  ", result.mismatches()));
    }
    return result.passed();
  }

  private static String machine() {
    String cpu = JvmMeasurements.cpuModel();
    return String.format(
        Locale.ROOT,
        "%d cores, %s, Java %s (%s)",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        System.getProperty("java.version"),
        ManagementFactory.getRuntimeMXBean().getVmName());
  }

  /** The 1-minute load average of the host. */
  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static int intProp(String name, int def) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? def : Integer.parseInt(v.trim().replace("_", ""));
  }

  private static Path path(String name, String def) {
    String v = System.getProperty(name);
    return Path.of(v == null || v.isBlank() ? def : v.trim()).toAbsolutePath().normalize();
  }
}
