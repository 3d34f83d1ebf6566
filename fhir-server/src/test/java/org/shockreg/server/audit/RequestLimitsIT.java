package org.shockreg.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.server.IntegrationTestSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Limits over real HTTP (docs/security.md "Limits"): with {@code requests-per-minute} 5, the sixth
 * request of a principal within the minute is 429 with {@code Retry-After} (OperationOutcome under
 * /fhir, problem+json elsewhere) while other principals go on; a principal at {@code
 * max-concurrent-bulk-exports} gets 429 on a further kick-off. Every 429 is in the audit trail.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestLimitsIT extends IntegrationTestSupport {

  static final String ADMIN = "limits-admin-token-0123456789";
  static final String ANALYST = "limits-analyst-token-0123456789";
  static final String EXPORTER = "limits-exporter-token-0123456789";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    registerServer(registry, newDataDir("it-limits-"));
    registry.add("shockreg.mllp.port", () -> "-1");
    registry.add("shockreg.limits.requests-per-minute", () -> "5");
    registry.add("shockreg.limits.max-concurrent-bulk-exports", () -> "1");
    String[][] tokens = {
      {"lim-admin", ADMIN, "admin"},
      {"lim-analyst", ANALYST, "analyst"},
      {"lim-exporter", EXPORTER, "analyst"}
    };
    for (int i = 0; i < tokens.length; i++) {
      String[] t = tokens[i];
      registry.add("shockreg.security.tokens[" + i + "].name", () -> t[0]);
      registry.add("shockreg.security.tokens[" + i + "].token", () -> t[1]);
      registry.add("shockreg.security.tokens[" + i + "].role", () -> t[2]);
    }
  }

  @Autowired JdbcTemplate jdbc;
  @Autowired AuditWriter writer;
  final ObjectMapper json = new ObjectMapper();

  /** The 429s audited for a caller, once the event of the answer just received is written. */
  List<Map<String, Object>> audited429(String who) {
    // an event is queued as its request completes, which can be just after the client has the
    // answer
    return org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(
            () -> {
              writer.flush();
              return jdbc.queryForList(
                  "SELECT * FROM audit_event WHERE agent_who = ? AND http_status = 429", who);
            },
            rows -> !rows.isEmpty());
  }

  @Test
  void overTheRate_429WithRetryAfter_perPrincipal_andAudited() throws Exception {
    for (int i = 0; i < 5; i++) {
      assertThat(get("/fhir/Patient", ANALYST).statusCode())
          .as("request " + (i + 1))
          .isEqualTo(200);
    }
    HttpResponse<String> over = get("/fhir/Patient", ANALYST);
    assertThat(over.statusCode()).isEqualTo(429);
    long retryAfter = Long.parseLong(over.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isBetween(1L, 60L);
    assertThat(over.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/fhir+json");
    JsonNode oo = json.readTree(over.body());
    assertThat(oo.path("resourceType").asText()).isEqualTo("OperationOutcome");
    assertThat(oo.path("issue").get(0).path("code").asText()).isEqualTo("throttled");
    assertThat(oo.path("issue").get(0).path("diagnostics").asText()).startsWith("SR-LIMIT-1");

    // another principal has a bucket of its own; outside /fhir the answer is problem+json
    for (int i = 0; i < 5; i++) {
      assertThat(get("/admin/dead-letters", ADMIN).statusCode()).isEqualTo(200);
    }
    HttpResponse<String> admin = get("/admin/dead-letters", ADMIN);
    assertThat(admin.statusCode()).isEqualTo(429);
    assertThat(admin.headers().firstValue("Retry-After")).isPresent();
    assertThat(admin.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/problem+json");
    assertThat(json.readTree(admin.body()).path("status").asInt()).isEqualTo(429);

    List<Map<String, Object>> audited = audited429("token:lim-analyst");
    assertThat(audited).hasSize(1);
    assertThat(audited.get(0))
        .containsEntry("outcome", 4)
        .containsEntry("http_path", "/fhir/Patient");
    assertThat((String) audited.get(0).get("outcome_desc")).startsWith("SR-LIMIT-1");
    assertThat(audited429("token:lim-admin")).hasSize(1);
  }

  @Test
  void aPrincipalAtItsConcurrentBulkExports_gets429OnKickoff() throws Exception {
    // a job of this caller still running (on another instance, so this one leaves it alone)
    jdbc.update(
        "INSERT INTO bulk_export_job (job_id, owner, export_level, request_url, resource_types, output_format, status,"
            + " principal) VALUES ('lim-running', 'another-instance', 'system', 'x', '{Patient}', 'application/fhir+ndjson',"
            + " 'in-progress', 'token:lim-exporter')");
    HttpResponse<String> busy =
        get("/fhir/$export?_type=Patient", EXPORTER, "Prefer", "respond-async");
    assertThat(busy.statusCode()).as(busy.body()).isEqualTo(429);
    assertThat(busy.headers().firstValue("Retry-After").orElseThrow()).matches("[1-9][0-9]*");
    JsonNode oo = json.readTree(busy.body());
    assertThat(oo.path("resourceType").asText()).isEqualTo("OperationOutcome");
    assertThat(oo.path("issue").get(0).path("diagnostics").asText()).startsWith("SR-LIMIT-2");
    List<Map<String, Object>> audited = audited429("token:lim-exporter");
    assertThat(audited).hasSize(1);
    assertThat(audited.get(0)).containsEntry("type_code", "110106").containsEntry("outcome", 4);

    // once it has finished, the caller may kick off again
    jdbc.update("UPDATE bulk_export_job SET status = 'completed' WHERE job_id = 'lim-running'");
    HttpResponse<String> accepted =
        get("/fhir/$export?_type=Patient", EXPORTER, "Prefer", "respond-async");
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
  }
}
