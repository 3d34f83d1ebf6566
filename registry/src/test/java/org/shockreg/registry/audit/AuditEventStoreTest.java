package org.shockreg.registry.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Audit events as {@link AuditEventStore} writes them, on a real PostgreSQL with the registry
 * schema.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditEventStoreTest {

  JdbcTemplate jdbc;
  AuditEventStore store;

  @BeforeAll
  void schema() throws Exception {
    jdbc = new JdbcTemplate(TestDatabase.newMigratedDataSource());
    store = new AuditEventStore(jdbc);
  }

  @Test
  void writesABatchColumnByColumnAndTheDetailAsJson() {
    Instant at = Instant.parse("2026-12-01T10:15:30Z");
    store.insert(
        List.of(
            new AuditRecord(
                at,
                AuditCodes.REST,
                AuditCodes.interaction("read"),
                "R",
                0,
                null,
                "token:reader",
                "researcher",
                "10.0.0.1",
                "Patient",
                "Patient/p-1",
                null,
                Map.of(),
                "GET",
                "/fhir/Patient/p-1",
                200),
            new AuditRecord(
                at,
                AuditCodes.IMPORT,
                null,
                "C",
                4,
                "SR-INGEST-1",
                "token:lab-feed",
                "ingest",
                "10.0.0.2",
                "2",
                "site:site-a",
                null,
                Map.of("received", "3"),
                "POST",
                "/ingest/site-a",
                400)));

    List<Map<String, Object>> rows =
        jdbc.queryForList(
            "SELECT recorded, type_system, type_code, type_display, subtype_system, subtype_code, action, outcome,"
                + " outcome_desc, agent_who, agent_role, agent_address, entity_type, entity_what, entity_detail::text"
                + " AS detail, http_method, http_path, http_status FROM audit_event ORDER BY row_id");
    assertThat(rows).hasSize(2);
    assertThat(((Timestamp) rows.get(0).get("recorded")).toInstant()).isEqualTo(at);
    assertThat(rows.get(0))
        .containsEntry("type_system", AuditCodes.AUDIT_EVENT_TYPE)
        .containsEntry("type_code", "rest")
        .containsEntry("type_display", "Restful Operation")
        .containsEntry("subtype_system", AuditCodes.RESTFUL_INTERACTION)
        .containsEntry("subtype_code", "read")
        .containsEntry("action", "R")
        .containsEntry("agent_who", "token:reader")
        .containsEntry("agent_role", "researcher")
        .containsEntry("entity_what", "Patient/p-1")
        .containsEntry("detail", null)
        .containsEntry("http_status", 200);
    assertThat(rows.get(1))
        .containsEntry("type_code", "110107")
        .containsEntry("subtype_system", null)
        .containsEntry("outcome", 4)
        .containsEntry("outcome_desc", "SR-INGEST-1")
        .containsEntry("entity_type", "2")
        .containsEntry("detail", "{\"received\": \"3\"}")
        .containsEntry("http_path", "/ingest/site-a");
  }
}
