package org.shockreg.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.testing.TestDatabase;
import org.shockreg.server.ShockRegApplication;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Not part of the suite (no IT suffix): 1,000 FHIR searches with the audit trail on and off, to see
 * that recording does not slow searches measurably. Run it alone: {@code ./mvnw -B -o verify -pl
 * registry,mappings,camel-routes,fhir-server -Dit.test=AuditOverheadBenchmark -Dtest=NONE
 * -Dsurefire.failIfNoSpecifiedTests=false}; it logs {@code event=audit_benchmark ...}. Results:
 * benchmarks/RESULTS.md "Audit overhead". No timing is asserted.
 */
class AuditOverheadBenchmark {

  private static final Logger log = LoggerFactory.getLogger(AuditOverheadBenchmark.class);
  static final String ADMIN = "bench-admin-token-0123456789";
  static final int SEARCHES = 1_000;
  static final int WARMUP = 300;

  /**
   * Both applications run side by side (audit on, audit off) and take turns in blocks of 100
   * searches, so load from elsewhere on the machine hits both alike.
   */
  @Test
  void searchesWithAuditOnAndOff() throws Exception {
    try (ConfigurableApplicationContext on = start(true);
        ConfigurableApplicationContext off = start(false)) {
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest searchOn = prepare(http, on);
      HttpRequest searchOff = prepare(http, off);
      for (int i = 0; i < WARMUP; i++) {
        http.send(searchOn, HttpResponse.BodyHandlers.discarding());
        http.send(searchOff, HttpResponse.BodyHandlers.discarding());
      }
      long[] withAudit = new long[SEARCHES];
      long[] without = new long[SEARCHES];
      long totalOn = 0;
      long totalOff = 0;
      for (int block = 0; block < SEARCHES / 100; block++) {
        totalOn += time(http, searchOn, withAudit, block * 100);
        totalOff += time(http, searchOff, without, block * 100);
      }
      report(true, totalOn, withAudit);
      report(false, totalOff, without);
    }
  }

  private static long time(HttpClient http, HttpRequest search, long[] nanos, int from)
      throws Exception {
    long start = System.nanoTime();
    for (int i = from; i < from + 100; i++) {
      long t = System.nanoTime();
      HttpResponse<String> res = http.send(search, HttpResponse.BodyHandlers.ofString());
      nanos[i] = System.nanoTime() - t;
      assertThat(res.statusCode()).isEqualTo(200);
    }
    return System.nanoTime() - start;
  }

  private static void report(boolean audit, long total, long[] nanos) {
    Arrays.sort(nanos);
    log.info(
        "event=audit_benchmark audit={} searches={} total_ms={} mean_ms={} p50_ms={} p95_ms={} p99_ms={}",
        audit,
        SEARCHES,
        total / 1_000_000,
        String.format("%.2f", total / 1e6 / SEARCHES),
        String.format("%.2f", nanos[SEARCHES / 2] / 1e6),
        String.format("%.2f", nanos[SEARCHES * 95 / 100] / 1e6),
        String.format("%.2f", nanos[SEARCHES * 99 / 100] / 1e6));
  }

  private static ConfigurableApplicationContext start(boolean audit) throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    Path target = Path.of("target");
    Files.createDirectories(target);
    Path dataDir = Files.createTempDirectory(target.toAbsolutePath(), "bench-audit-");
    return new SpringApplicationBuilder(ShockRegApplication.class)
        .run(
            "--server.port=0",
            "--shockreg.mllp.port=-1",
            "--shockreg.inbox.enabled=false",
            "--shockreg.data-dir=" + dataDir,
            "--spring.datasource.url=" + db.url(),
            "--spring.datasource.username=" + db.username(),
            "--spring.datasource.password=" + db.password(),
            "--shockreg.security.tokens[0].name=bench",
            "--shockreg.security.tokens[0].token=" + ADMIN,
            "--shockreg.security.tokens[0].role=admin",
            "--shockreg.limits.requests-per-minute=0",
            "--shockreg.audit.enabled=" + audit);
  }

  /** 50 patients with 10 lactates each; the search: one page of 20 lactates after a date. */
  private static HttpRequest prepare(HttpClient http, ConfigurableApplicationContext app)
      throws Exception {
    int port = ((WebServerApplicationContext) app).getWebServer().getPort();
    StringBuilder ndjson = new StringBuilder();
    for (int p = 0; p < 50; p++) {
      ndjson
          .append("{\"resourceType\":\"Patient\",\"id\":\"b")
          .append(p)
          .append("\",\"gender\":\"female\"}\n");
      for (int o = 0; o < 10; o++) {
        ndjson
            .append("{\"resourceType\":\"Observation\",\"id\":\"b")
            .append(p)
            .append('-')
            .append(o)
            .append(
                "\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"14118-4\"}]},")
            .append("\"subject\":{\"reference\":\"Patient/b")
            .append(p)
            .append("\"},\"effectiveDateTime\":\"2025-04-0")
            .append(1 + o % 9)
            .append("T07:30:00Z\",\"valueQuantity\":{\"value\":")
            .append(10 + o)
            .append(
                ",\"unit\":\"mg/dL\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg/dL\"}}\n");
      }
    }
    HttpResponse<String> ingest =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ingest/bench"))
                .header("Authorization", "Bearer " + ADMIN)
                .header("Content-Type", "application/fhir+ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson.toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ingest.statusCode()).as(ingest.body()).isEqualTo(200);
    String code =
        URLEncoder.encode(
            "https://fhir.shockreg.org/CodeSystem/registry-variable|lactate",
            StandardCharsets.UTF_8);
    return HttpRequest.newBuilder(
            URI.create(
                "http://localhost:"
                    + port
                    + "/fhir/Observation?code="
                    + code
                    + "&_count=20&date=ge2025-04-03"))
        .header("Authorization", "Bearer " + ADMIN)
        .build();
  }
}
