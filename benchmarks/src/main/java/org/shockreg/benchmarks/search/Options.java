package org.shockreg.benchmarks.search;

import java.nio.file.Path;

/** The search benchmark's {@code -Dbench.*} options (defaults in the pom and here). */
record Options(
    long observations,
    long seed,
    boolean reload,
    boolean loadOnly,
    Path dir,
    int batchSize,
    int bodyResources,
    int warmup,
    int sequential,
    int concurrent,
    int clients,
    boolean export,
    long exportPollCapMillis,
    long exportTimeoutSeconds,
    int plans,
    Path serverJar,
    String serverHeap,
    String machineNote,
    Path results) {

  static Options fromSystemProperties() {
    return new Options(
        longProp("bench.observations", 1_000_000),
        longProp("bench.seed", 20261125),
        Boolean.getBoolean("bench.reload"),
        Boolean.getBoolean("bench.loadOnly"),
        path("bench.searchDir", "target/bench-search"),
        (int) longProp("bench.batchSize", 1000),
        (int) longProp("bench.bodyResources", 5000),
        (int) longProp("bench.warmup", 500),
        (int) longProp("bench.sequential", 2000),
        (int) longProp("bench.concurrent", 8000),
        (int) longProp("bench.clients", 16),
        !"false".equalsIgnoreCase(System.getProperty("bench.export", "true")),
        longProp("bench.exportPollCapMillis", 1000),
        longProp("bench.exportTimeoutSeconds", 1800),
        (int) longProp("bench.plans", 3),
        path("bench.serverJar", "../fhir-server/target/shockreg.jar"),
        System.getProperty("bench.serverHeap", "1g"),
        System.getProperty("bench.machineNote", "").trim(),
        path("bench.results", "RESULTS.md"));
  }

  private static long longProp(String name, long def) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? def : Long.parseLong(v.trim().replace("_", ""));
  }

  private static Path path(String name, String def) {
    String v = System.getProperty(name);
    return Path.of(v == null || v.isBlank() ? def : v.trim()).toAbsolutePath().normalize();
  }
}
