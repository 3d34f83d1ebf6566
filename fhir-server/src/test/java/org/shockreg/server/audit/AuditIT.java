package org.shockreg.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.audit.AuditCodes;
import org.shockreg.server.IntegrationTestSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The audit trail over real HTTP (docs/security.md "Audit"): one AuditEvent per read, search, Bulk
 * export, ingest, admin action, 401 and 403, with who, what, outcome and query; {@code
 * /fhir/AuditEvent} searchable by admins only; the table is append-only; the audit and raw-store
 * retention purges (the raw store keeps every source's head).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditIT extends IntegrationTestSupport {

  static final String ADMIN = "audit-admin-token-0123456789";
  static final String ANALYST = "audit-analyst-token-0123456789";
  static final String INGEST = "audit-ingest-token-0123456789";
  static final String SITE = "audit-site";
  static final String RV = "https://fhir.shockreg.org/CodeSystem/registry-variable";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    registerServer(registry, newDataDir("it-audit-"));
    registry.add("shockreg.mllp.port", () -> "-1");
    registry.add("shockreg.intake.raw-retention", () -> "P7D");
    registry.add("shockreg.audit.retention", () -> "P1Y");
    String[][] tokens = {
      {"audit-admin", ADMIN, "admin"},
      {"audit-analyst", ANALYST, "analyst"},
      {"audit-ingest", INGEST, "ingest"}
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
  Instant started;

  static final String PATIENT =
      "{\"resourceType\":\"Patient\",\"id\":\"aud-p1\",\"gender\":\"female\",\"birthDate\":\"1958-06-07\"}";
  static final String LACTATE =
      "{\"resourceType\":\"Observation\",\"id\":\"aud-lac-1\",\"meta\":{\"versionId\":\"%s\"},\"status\":\"final\","
          + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"14118-4\"}]},"
          + "\"subject\":{\"reference\":\"Patient/aud-p1\"},\"effectiveDateTime\":\"2025-04-02T07:30:00Z\","
          + "\"valueQuantity\":{\"value\":%s,\"unit\":\"mg/dL\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg/dL\"}}";

  @BeforeAll
  void data() throws Exception {
    started = Instant.now().minusSeconds(1);
    assertThat(ingest(PATIENT + "\n" + LACTATE.formatted("1", "27")).statusCode()).isEqualTo(200);
    assertThat(ingest(LACTATE.formatted("2", "31")).statusCode()).isEqualTo(200);
  }

  HttpResponse<String> ingest(String ndjson) throws Exception {
    return post("/ingest/" + SITE, NDJSON, ndjson, INGEST);
  }

  /** The audit rows of one request path (after the writer has caught up), newest last. */
  List<Map<String, Object>> rows(String method, String path) {
    writer.flush();
    return jdbc.queryForList(
        "SELECT * FROM audit_event WHERE http_method = ? AND http_path = ? ORDER BY row_id",
        method,
        path);
  }

  /**
   * The newest row of a request made just before: an event is queued only once its response is
   * sent.
   */
  Map<String, Object> last(String method, String path) {
    List<Map<String, Object>> fresh =
        org.awaitility.Awaitility.await(method + " " + path)
            .atMost(java.time.Duration.ofSeconds(5))
            .pollInterval(java.time.Duration.ofMillis(20))
            .until(
                () ->
                    rows(method, path).stream()
                        .filter(r -> ((Number) r.get("row_id")).longValue() > mark)
                        .toList(),
                rows -> !rows.isEmpty());
    mark = ((Number) fresh.get(fresh.size() - 1).get("row_id")).longValue();
    return fresh.get(fresh.size() - 1);
  }

  /** Events up to here are written (and {@link #last} looks only after them). */
  void settle() {
    // An event is queued only once its response is sent, a moment after the client has it: wait
    // until two flushes in a row find no new row.
    long[] seen = {-1};
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .pollInterval(java.time.Duration.ofMillis(50))
        .until(
            () -> {
              writer.flush();
              Long max = jdbc.queryForObject("SELECT max(row_id) FROM audit_event", Long.class);
              long now = max == null ? 0 : max;
              boolean stable = now == seen[0];
              seen[0] = now;
              return stable;
            });
    mark = seen[0];
  }

  long mark;

  static String query(Map<String, Object> row) {
    Object q = row.get("entity_query");
    return q == null
        ? null
        : new String(java.util.Base64.getDecoder().decode((String) q), StandardCharsets.UTF_8);
  }

  String patientId() throws Exception {
    Bundle b = fhir.newJsonParser().parseResource(Bundle.class, get("/fhir/Patient", ADMIN).body());
    return b.getEntryFirstRep().getResource().getIdElement().getIdPart();
  }

  @Test
  void readAndSearch_areRecorded_withWhoWhatOutcomeAndQuery() throws Exception {
    String id = patientId();
    assertThat(get("/fhir/Patient/" + id, ANALYST).statusCode()).isEqualTo(200);
    Map<String, Object> read = last("GET", "/fhir/Patient/" + id);
    assertThat(read)
        .containsEntry("type_system", AuditCodes.AUDIT_EVENT_TYPE)
        .containsEntry("type_code", "rest")
        .containsEntry("subtype_system", AuditCodes.RESTFUL_INTERACTION)
        .containsEntry("subtype_code", "read")
        .containsEntry("action", "R")
        .containsEntry("outcome", 0)
        .containsEntry("agent_who", "token:audit-analyst")
        .containsEntry("agent_role", "analyst")
        .containsEntry("entity_type", "Patient")
        .containsEntry("entity_what", "Patient/" + id)
        .containsEntry("http_status", 200);
    assertThat((String) read.get("agent_address")).isIn("127.0.0.1", "0:0:0:0:0:0:0:1");

    String q =
        "code="
            + URLEncoder.encode(RV + "|lactate", StandardCharsets.UTF_8)
            + "&_count=5&birthdate=1958-06-07&mrn=12345";
    HttpResponse<String> search = get("/fhir/Observation?" + q, ANALYST);
    assertThat(search.statusCode()).isIn(200, 400);
    Map<String, Object> s = last("GET", "/fhir/Observation");
    assertThat(s)
        .containsEntry("subtype_code", "search-type")
        .containsEntry("action", "E")
        .containsEntry("entity_type", "Observation")
        .containsEntry("agent_who", "token:audit-analyst");
    // kept as sent, except: an unknown parameter's value masked, a birth date cut to the year
    assertThat(query(s))
        .isEqualTo(
            "code="
                + URLEncoder.encode(RV + "|lactate", StandardCharsets.UTF_8)
                + "&_count=5&birthdate=1958&mrn=***");

    assertThat(
            get(
                    "/fhir/Observation?code="
                        + URLEncoder.encode(RV + "|lactate", StandardCharsets.UTF_8),
                    ANALYST)
                .statusCode())
        .isEqualTo(200);
    assertThat(last("GET", "/fhir/Observation"))
        .containsEntry("outcome", 0)
        .containsEntry("http_status", 200);
  }

  @Test
  void unauthenticatedAndForbidden_areRecorded_neverWithTheTokenValue() throws Exception {
    String bad = "not-a-known-token-0123456789-secret";
    assertThat(get("/fhir/Patient?gender=female", bad).statusCode()).isEqualTo(401);
    Map<String, Object> unauth = last("GET", "/fhir/Patient");
    assertThat(unauth)
        .containsEntry("type_system", AuditCodes.DICOM)
        .containsEntry("type_code", "110114")
        .containsEntry("subtype_code", "110122")
        .containsEntry("action", "E")
        .containsEntry("outcome", 4)
        .containsEntry("agent_who", "anonymous")
        .containsEntry("http_status", 401)
        .containsEntry("entity_type", "Patient");
    assertThat(get("/admin/dead-letters", null).statusCode()).isEqualTo(401);
    assertThat(last("GET", "/admin/dead-letters"))
        .containsEntry("http_status", 401)
        .containsEntry("agent_who", "anonymous");

    assertThat(get("/fhir/Provenance", ANALYST).statusCode()).isEqualTo(403);
    Map<String, Object> denied = last("GET", "/fhir/Provenance");
    assertThat(denied)
        .containsEntry("type_code", "rest")
        .containsEntry("subtype_code", "search-type")
        .containsEntry("outcome", 4)
        .containsEntry("agent_who", "token:audit-analyst")
        .containsEntry("entity_type", "Provenance")
        .containsEntry("http_status", 403);
    assertThat((String) denied.get("outcome_desc")).startsWith("SR-AUTH-3");

    assertThat(post("/admin/mappings/reload", null, "", ANALYST).statusCode()).isEqualTo(403);
    assertThat(last("POST", "/admin/mappings/reload"))
        .containsEntry("type_code", "110100")
        .containsEntry("agent_who", "token:audit-analyst")
        .containsEntry("outcome", 4)
        .containsEntry("http_status", 403);

    writer.flush();
    for (String secret : List.of(bad, ADMIN, ANALYST, INGEST)) {
      assertThat(
              jdbc.queryForObject(
                  "SELECT count(*) FROM audit_event a WHERE a::text LIKE ?",
                  Integer.class,
                  "%" + secret + "%"))
          .as("token value in the audit trail")
          .isZero();
    }
  }

  @Test
  void ingestAndAdminActions_areRecorded() throws Exception {
    Map<String, Object> ingest = rows("POST", "/ingest/" + SITE).get(0);
    assertThat(ingest)
        .containsEntry("type_system", AuditCodes.DICOM)
        .containsEntry("type_code", "110107")
        .containsEntry("action", "C")
        .containsEntry("outcome", 0)
        .containsEntry("agent_who", "token:audit-ingest")
        .containsEntry("agent_role", "ingest")
        .containsEntry("entity_type", "2")
        .containsEntry("entity_what", "site:" + SITE);
    assertThat(ingest.get("entity_detail").toString())
        .contains("\"received\": \"2\"")
        .contains("\"curated\"");

    assertThat(post("/admin/mappings/reload", null, "", ADMIN).statusCode()).isLessThan(300);
    assertThat(last("POST", "/admin/mappings/reload"))
        .containsEntry("type_code", "110100")
        .containsEntry("action", "E")
        .containsEntry("agent_who", "token:audit-admin")
        .containsEntry("agent_role", "admin")
        .containsEntry("outcome", 0)
        .containsEntry("entity_what", "/admin/mappings/reload");
    assertThat(get("/admin/dead-letters?status=all", ADMIN).statusCode()).isEqualTo(200);
    Map<String, Object> list = last("GET", "/admin/dead-letters");
    assertThat(list).containsEntry("action", "R").containsEntry("outcome", 0);
    assertThat(query(list)).isEqualTo("status=all");

    HttpResponse<String> csv = get("/edc/altshock-2/export.csv", ADMIN);
    assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
    assertThat(last("GET", "/edc/altshock-2/export.csv"))
        .containsEntry("type_code", "110106")
        .containsEntry("action", "R")
        .containsEntry("entity_type", "ResearchStudy")
        .containsEntry("entity_what", "ResearchStudy/altshock-2")
        .containsEntry("agent_who", "token:audit-admin")
        .containsEntry("outcome", 0);
  }

  @Test
  void bulkExport_kickoffAndDownload_areExportEvents() throws Exception {
    HttpResponse<String> kick =
        get("/fhir/$export?_type=Patient", ANALYST, "Prefer", "respond-async");
    assertThat(kick.statusCode()).as(kick.body()).isEqualTo(202);
    Map<String, Object> k = last("GET", "/fhir/$export");
    assertThat(k)
        .containsEntry("type_code", "110106")
        .containsEntry("subtype_code", "operation")
        .containsEntry("action", "R")
        .containsEntry("agent_who", "token:audit-analyst")
        .containsEntry("outcome", 0);
    assertThat(query(k)).isEqualTo("_type=Patient");
    String status = kick.headers().firstValue("Content-Location").orElseThrow();
    String statusPath = URI.create(status).getRawPath() + "?" + URI.create(status).getRawQuery();
    HttpResponse<String> poll =
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(60))
            .pollInterval(java.time.Duration.ofMillis(200))
            .until(() -> get(statusPath, ANALYST), r -> r.statusCode() != 202);
    assertThat(poll.statusCode()).as(poll.body()).isEqualTo(200);
    String url =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(poll.body())
            .path("output")
            .get(0)
            .path("url")
            .asText();
    URI file = URI.create(url);
    assertThat(get(file.getRawPath() + "?" + file.getRawQuery(), ANALYST).statusCode())
        .isEqualTo(200);
    Map<String, Object> download = last("GET", file.getRawPath());
    assertThat(download)
        .containsEntry("type_code", "110106")
        .containsEntry("action", "R")
        .containsEntry("entity_type", "2")
        .containsEntry("agent_who", "token:audit-analyst");
    assertThat((String) download.get("entity_what")).startsWith("bulk-job:");
  }

  @Test
  void auditEvents_searchableByAdmins_byEachParameter_andNotByAnalysts() throws Exception {
    String id = patientId();
    get("/fhir/Patient/" + id, ANALYST);
    get("/fhir/Patient", null);
    assertThat(get("/fhir/AuditEvent", ANALYST).statusCode()).isEqualTo(403);
    assertThat(get("/fhir/AuditEvent?agent=token:audit-analyst", ANALYST).statusCode())
        .isEqualTo(403);
    settle();

    List<AuditEvent> byAgent = search("AuditEvent?agent=token:audit-analyst&_count=1000");
    assertThat(byAgent)
        .isNotEmpty()
        .allSatisfy(
            e -> assertThat(e.getAgentFirstRep().getAltId()).isEqualTo("token:audit-analyst"));
    assertThat(search("AuditEvent?agent=audit-analyst&_count=1000"))
        .hasSameSizeAs(byAgent); // the bare name too
    assertThat(search("AuditEvent?agent=anonymous"))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._4));

    List<AuditEvent> reads = search("AuditEvent?entity-type=Patient&action=R");
    assertThat(reads)
        .isNotEmpty()
        .allSatisfy(
            e -> {
              assertThat(e.getAction()).isEqualTo(AuditEvent.AuditEventAction.R);
              assertThat(e.getEntityFirstRep().getType().getCode()).isEqualTo("Patient");
            });
    AuditEvent one =
        reads.stream()
            .filter(e -> ("Patient/" + id).equals(e.getEntityFirstRep().getWhat().getReference()))
            .findFirst()
            .orElseThrow();
    assertThat(one.getType().getCode()).isEqualTo("rest");
    assertThat(one.getSubtypeFirstRep().getCode()).isEqualTo("read");
    assertThat(one.getAgentFirstRep().getRequestor()).isTrue();
    assertThat(one.getAgentFirstRep().getRoleFirstRep().getCodingFirstRep().getCode())
        .isEqualTo("analyst");
    assertThat(one.getAgentFirstRep().getNetwork().getAddress()).isNotBlank();
    assertThat(one.getSource().getObserver().getDisplay()).contains("ShockReg");
    AuditEvent read =
        fhir.newJsonParser()
            .parseResource(
                AuditEvent.class,
                get("/fhir/AuditEvent/" + one.getIdElement().getIdPart(), ADMIN).body());
    assertThat(read.getEntityFirstRep().getWhat().getReference()).isEqualTo("Patient/" + id);

    assertThat(search("AuditEvent?action=C&_count=1000"))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.getAction()).isEqualTo(AuditEvent.AuditEventAction.C));
    assertThat(search("AuditEvent?entity-type=2&_count=1000"))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.getEntityFirstRep().getType().getCode()).isEqualTo("2"));

    Instant now = Instant.now().plusSeconds(5);
    List<AuditEvent> window =
        search("AuditEvent?date=ge" + started + "&date=le" + now + "&_count=1000");
    assertThat(window)
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.getRecorded().toInstant()).isBetween(started, now));
    assertThat(search("AuditEvent?date=lt2000-01-01")).isEmpty();
    // newest first
    assertThat(window.get(0).getRecorded())
        .isAfterOrEqualTo(window.get(window.size() - 1).getRecorded());

    // keyset paging with _count: every event once
    Set<String> ids = new HashSet<>();
    int pages = 0;
    Bundle page = bundle("/fhir/AuditEvent?agent=token:audit-analyst&_count=2");
    while (true) {
      pages++;
      page.getEntry()
          .forEach(e -> assertThat(ids.add(e.getResource().getIdElement().getIdPart())).isTrue());
      if (page.getLink("next") == null) {
        break;
      }
      URI next = URI.create(page.getLink("next").getUrl());
      page = bundle(next.getRawPath() + "?" + next.getRawQuery());
    }
    assertThat(pages).isGreaterThan(1);
    assertThat(ids.size()).isGreaterThanOrEqualTo(byAgent.size());
    assertThat(get("/fhir/AuditEvent?_foo=1", ADMIN).statusCode()).isEqualTo(400);
  }

  Bundle bundle(String path) throws Exception {
    HttpResponse<String> res = get(path, ADMIN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return fhir.newJsonParser().parseResource(Bundle.class, res.body());
  }

  List<AuditEvent> search(String query) throws Exception {
    List<AuditEvent> out = new ArrayList<>();
    bundle("/fhir/" + query).getEntry().forEach(e -> out.add((AuditEvent) e.getResource()));
    return out;
  }

  @Test
  void theTableIsAppendOnly() {
    get0();
    writer.flush();
    assertThatThrownBy(() -> jdbc.update("UPDATE audit_event SET outcome = 0"))
        .hasStackTraceContaining("append-only");
    assertThatThrownBy(() -> jdbc.update("DELETE FROM audit_event"))
        .hasStackTraceContaining("append-only");
    assertThatThrownBy(() -> jdbc.execute("TRUNCATE audit_event"))
        .hasStackTraceContaining("append-only");
  }

  private void get0() {
    try {
      get("/fhir/Patient", ADMIN);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void retention_purgesOldAuditEvents_andOldRawVersions_butNeverAHead() throws Exception {
    writer.flush();
    // an event from three years ago (inserted as the writer would), and the raw rows aged by ten
    // days
    jdbc.update(
        "INSERT INTO audit_event (recorded, type_system, type_code, action, outcome, agent_who, http_status)"
            + " VALUES (now() - interval '3 years', ?, 'rest', 'R', 0, 'token:old', 200)",
        AuditCodes.AUDIT_EVENT_TYPE);
    jdbc.update(
        "UPDATE raw_resource SET received_at = received_at - interval '10 days' WHERE site_id = ?",
        SITE);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM raw_resource WHERE site_id = ? AND resource_id = 'aud-lac-1'",
                Integer.class,
                SITE))
        .isEqualTo(2);
    long recent =
        jdbc.queryForObject(
            "SELECT count(*) FROM audit_event WHERE recorded > now() - interval '1 day'",
            Long.class);

    HttpResponse<String> run = post("/admin/retention/run", null, "", ADMIN);
    assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
    assertThat(run.body()).contains("\"audit-events\":1").contains("\"raw-versions\":1");

    // the older lactate version is gone; its head, the patient (a head too) and the curated facts
    // stay
    assertThat(
            jdbc.queryForList(
                "SELECT version_id FROM raw_resource WHERE site_id = ? AND resource_id = 'aud-lac-1'",
                String.class,
                SITE))
        .containsExactly("2");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM raw_resource WHERE site_id = ? AND resource_id = 'aud-p1'",
                Integer.class,
                SITE))
        .isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM source_resource_head h LEFT JOIN raw_resource r ON r.raw_id = h.raw_id"
                    + " WHERE h.site_id = ? AND r.raw_id IS NULL",
                Integer.class,
                SITE))
        .isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM audit_event WHERE agent_who = 'token:old'", Integer.class))
        .isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM audit_event WHERE recorded > now() - interval '1 day'",
                Long.class))
        .isGreaterThanOrEqualTo(recent);
    // a second run finds nothing more; the purge itself is an audited admin action
    assertThat(post("/admin/retention/run", null, "", ADMIN).body()).contains("\"raw-versions\":0");
    assertThat(last("POST", "/admin/retention/run"))
        .containsEntry("agent_who", "token:audit-admin")
        .containsEntry("type_code", "110100");
  }
}
