package org.shockreg.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.junit.jupiter.api.Test;
import org.shockreg.server.IntegrationTestSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Intake limits over real HTTP (interfaces.md "Security", docs/intake.md "Limits"), with small
 * limits so that the tests stay quick: an over-size body answers 413 without the server holding it
 * (streamed, also when it is far larger than the limit), an over-long NDJSON line is rejected
 * alone, a Bundle with too many entries is rejected whole, a drop-folder file over the limit goes
 * to .error/; each with what it was in the dead-letter store. Also {@code _count} is capped.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class IntakeLimitsIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-limits-0123456789";
  static final Path DATA_DIR = newDataDir("it-limits-");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, DATA_DIR);
    registerToken(registry, 0, TOKEN, "admin");
    registry.add("shockreg.inbox.poll-delay", () -> "200ms");
    registry.add("shockreg.limits.max-body-bytes", () -> "256KB");
    registry.add("shockreg.limits.max-ndjson-line-bytes", () -> "4KB");
    registry.add("shockreg.limits.max-bundle-entries", () -> "5");
    registry.add("shockreg.limits.dead-letter-sample-bytes", () -> "1KB");
    registry.add("shockreg.fhir.max-page-size", () -> "3");
  }

  @Autowired JdbcTemplate jdbc;

  static String patient(String id) {
    return "{\"resourceType\":\"Patient\",\"id\":\""
        + id
        + "\",\"gender\":\"female\",\"birthDate\":\"1960-01-01\"}";
  }

  static String lvef(String id, String patient) {
    return "{\"resourceType\":\"Observation\",\"id\":\""
        + id
        + "\",\"status\":\"final\","
        + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"10230-1\"}]},"
        + "\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},\"effectiveDateTime\":\"2025-04-01T08:00:00Z\","
        + "\"valueQuantity\":{\"value\":25,\"unit\":\"%\"}}";
  }

  static String bundle(List<String> resources) {
    List<String> entries = new ArrayList<>();
    for (String r : resources) {
      entries.add("{\"resource\":" + r + "}");
    }
    return "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
        + String.join(",", entries)
        + "]}";
  }

  HttpResponse<String> post(String site, String contentType, String body) throws Exception {
    return post("/ingest/" + site, contentType, body, TOKEN);
  }

  OperationOutcome outcome(HttpResponse<String> res) {
    assertThat(res.headers().firstValue("Content-Type").orElse(""))
        .contains("application/fhir+json");
    return fhir.newJsonParser().parseResource(OperationOutcome.class, res.body());
  }

  int patients(String site) {
    return jdbc.queryForObject(
        "SELECT count(*) FROM patient WHERE site_id = ?", Integer.class, site);
  }

  Map<String, Object> deadLetter(String site, String code) {
    return jdbc.queryForMap(
        "SELECT reason, octet_length(payload) AS size, convert_from(payload, 'UTF8') AS payload"
            + " FROM dead_letter WHERE site_id = ? AND reason_code = ?",
        site,
        code);
  }

  /** Bytes allocated so far by the threads of this JVM (the server's, as the client is curl). */
  static long allocatedBytes() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long a : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      sum += Math.max(a, 0);
    }
    return sum;
  }

  @Test
  void bodyFarOverTheLimit_streamedChunked_413WithoutHoldingIt() throws Exception {
    long size = 300L * 1024 * 1024;
    long before = allocatedBytes();
    // curl in its own process streams the generated body chunked (no Content-Length), so what this
    // JVM allocates is the server's reading only
    Process curl =
        new ProcessBuilder(
                "bash",
                "-c",
                "yes '"
                    + lvef("flood", "p-flood")
                    + "' | head -c "
                    + size
                    + " | curl -sS -X POST -T - -H 'Content-Type: application/fhir+ndjson'"
                    + " -H 'Authorization: Bearer "
                    + TOKEN
                    + "' -o - -w '\\n%{http_code}'"
                    + " http://localhost:"
                    + port
                    + "/ingest/lim-flood")
            .redirectErrorStream(true)
            .start();
    assertThat(curl.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    long allocated = allocatedBytes() - before;
    assertThat(out.trim()).as(out).endsWith("413");
    OperationOutcome oo =
        fhir.newJsonParser()
            .parseResource(OperationOutcome.class, out.substring(0, out.lastIndexOf('\n')));
    assertThat(oo.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.TOOLONG);
    assertThat(oo.getIssueFirstRep().getDiagnostics())
        .contains("SR-INTAKE-3")
        .contains("max-body-bytes");
    // Reading the whole body into memory (as before) allocates at least its size.
    assertThat(allocated)
        .as("bytes allocated while a %d byte body was refused", size)
        .isLessThan(size / 4);
    Map<String, Object> dl = deadLetter("lim-flood", "body-too-large");
    assertThat(((Number) dl.get("size")).intValue()).isEqualTo(1024);
    assertThat((String) dl.get("reason")).contains("only its first 1024 bytes are kept");
    assertThat((String) dl.get("payload"))
        .startsWith("{\"resourceType\":\"Observation\",\"id\":\"flood\"");
    assertThat(patients("lim-flood")).isZero();
  }

  @Test
  void contentLengthOverTheLimit_isRefusedUpFront() throws Exception {
    StringBuilder body = new StringBuilder();
    for (int i = 0; body.length() < 300 * 1024; i++) {
      body.append(lvef("big-" + i, "p-big")).append('\n');
    }
    HttpResponse<String> res = post("lim-declared", "application/fhir+ndjson", body.toString());
    assertThat(res.statusCode()).isEqualTo(413);
    assertThat(outcome(res).getIssueFirstRep().getDiagnostics())
        .contains("over the limit of 262144");
    Map<String, Object> dl = deadLetter("lim-declared", "body-too-large");
    assertThat((String) dl.get("reason")).contains("the body is " + body.length() + " bytes");
    assertThat(patients("lim-declared")).isZero();
    // just under the limit is taken in
    String small = patient("p-small") + "\n" + lvef("small-1", "p-small") + "\n";
    assertThat(post("lim-declared", "application/fhir+ndjson", small).statusCode()).isEqualTo(200);
    assertThat(patients("lim-declared")).isEqualTo(1);
  }

  @Test
  void overLongNdjsonLine_isRejectedAlone_theRestGoesOn() throws Exception {
    String longLine =
        "{\"resourceType\":\"Patient\",\"id\":\"p-long\",\"text\":{\"status\":\"generated\",\"div\":\"<div>"
            + "x".repeat(10_000)
            + "</div>\"}}";
    String body =
        patient("p-a")
            + "\n"
            + longLine
            + "\n"
            + patient("p-b")
            + "\n"
            + lvef("ob-b", "p-b")
            + "\n";
    HttpResponse<String> res = post("lim-line", "application/fhir+ndjson", body);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    Parameters report = fhir.newJsonParser().parseResource(Parameters.class, res.body());
    assertThat(count(report, "received")).isEqualTo(4);
    assertThat(count(report, "rejected")).isEqualTo(1);
    assertThat(count(report, "curated")).isEqualTo(3);
    Parameters.ParametersParameterComponent issue = report.getParameter("issue");
    assertThat(issue.getPart())
        .anySatisfy(
            p -> {
              assertThat(p.getName()).isEqualTo("code");
              assertThat(p.getValue().primitiveValue()).isEqualTo("line-too-long");
            });
    assertThat(issue.getPart())
        .anySatisfy(p -> assertThat(p.getValue().primitiveValue()).isEqualTo("1"));
    Map<String, Object> dl = deadLetter("lim-line", "line-too-long");
    assertThat(((Number) dl.get("size")).intValue()).isEqualTo(1024);
    assertThat((String) dl.get("reason"))
        .contains("line is " + longLine.length() + " bytes")
        .contains("first 1024 bytes");
    assertThat((String) dl.get("payload")).isEqualTo(longLine.substring(0, 1024));
    assertThat(patients("lim-line")).isEqualTo(2);
  }

  @Test
  void bundleWithTooManyEntries_isRejectedWhole() throws Exception {
    List<String> six = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      six.add(patient("p-" + i));
    }
    HttpResponse<String> res = post("lim-entries", "application/fhir+json", bundle(six));
    assertThat(res.statusCode()).isEqualTo(413);
    assertThat(outcome(res).getIssueFirstRep().getDiagnostics()).contains("more than 5 entries");
    assertThat(patients("lim-entries")).isZero();
    Map<String, Object> dl = deadLetter("lim-entries", "too-many-entries");
    assertThat((String) dl.get("payload"))
        .isEqualTo(bundle(six)); // within the size limit: kept whole
    HttpResponse<String> five =
        post("lim-entries", "application/fhir+json", bundle(six.subList(0, 5)));
    assertThat(five.statusCode()).as(five.body()).isEqualTo(200);
    assertThat(patients("lim-entries")).isEqualTo(5);
  }

  @Test
  void dropFolderFileOverTheLimit_goesToErrorWithReason() throws Exception {
    Path inbox = DATA_DIR.resolve("inbox/lim-inbox");
    Files.createDirectories(inbox);
    StringBuilder body = new StringBuilder();
    for (int i = 0; body.length() < 300 * 1024; i++) {
      body.append(lvef("in-" + i, "p-in")).append('\n');
    }
    Path tmp = inbox.resolve("big.ndjson.tmp");
    Files.writeString(tmp, body);
    Files.move(tmp, inbox.resolve("big.ndjson"));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(inbox.resolve(".error/big.ndjson.reason")).exists());
    assertThat(Files.readString(inbox.resolve(".error/big.ndjson.reason")))
        .contains("max-body-bytes")
        .contains("dead-letter-id");
    assertThat(patients("lim-inbox")).isZero();
    assertThat(((Number) deadLetter("lim-inbox", "body-too-large").get("size")).intValue())
        .isEqualTo(1024);
  }

  @Test
  void countOverMaxPageSize_isCapped() throws Exception {
    String body =
        String.join(
            "\n", patient("c-1"), patient("c-2"), patient("c-3"), patient("c-4"), patient("c-5"));
    assertThat(post("lim-count", "application/fhir+ndjson", body).statusCode()).isEqualTo(200);
    HttpResponse<String> res = get("/fhir/Patient?_count=500", TOKEN);
    assertThat(res.statusCode()).isEqualTo(200);
    Bundle page = fhir.newJsonParser().parseResource(Bundle.class, res.body());
    assertThat(page.getEntry()).hasSize(3);
    assertThat(page.getLink("next")).isNotNull();
    assertThat(page.getLink("next").getUrl()).doesNotContain("_count=500");
  }
}
