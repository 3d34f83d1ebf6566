package org.shockreg.registry.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Timestamp;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The {@code audit_event} table, append only: a batch of events is one multi-row INSERT (the
 * writer's queue and batching stay with the server; deletes are {@code retention.AuditPurge}'s).
 */
public final class AuditEventStore {

  private static final ObjectMapper JSON = new ObjectMapper();

  static final String INSERT =
      "INSERT INTO audit_event (recorded, type_system, type_code, type_display, subtype_system, subtype_code,"
          + " action, outcome, outcome_desc, agent_who, agent_role, agent_address, entity_type, entity_what,"
          + " entity_query, entity_detail, http_method, http_path, http_status)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)";

  private final JdbcTemplate jdbc;

  public AuditEventStore(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Writes the events in one batch (reWriteBatchedInserts makes it one statement). */
  public void insert(List<AuditRecord> events) {
    jdbc.batchUpdate(
        INSERT,
        events,
        events.size(),
        (ps, e) -> {
          ps.setTimestamp(1, Timestamp.from(e.recorded()));
          ps.setString(2, e.type().system());
          ps.setString(3, e.type().code());
          ps.setString(4, e.type().display());
          ps.setString(5, e.subtype() == null ? null : e.subtype().system());
          ps.setString(6, e.subtype() == null ? null : e.subtype().code());
          ps.setString(7, e.action());
          ps.setInt(8, e.outcome());
          ps.setString(9, e.outcomeDesc());
          ps.setString(10, e.agentWho());
          ps.setString(11, e.agentRole());
          ps.setString(12, e.agentAddress());
          ps.setString(13, e.entityType());
          ps.setString(14, e.entityWhat());
          ps.setString(15, e.entityQuery());
          ps.setString(16, e.detail().isEmpty() ? null : json(e));
          ps.setString(17, e.httpMethod());
          ps.setString(18, e.httpPath());
          ps.setInt(19, e.httpStatus());
        });
  }

  private static String json(AuditRecord e) {
    try {
      return JSON.writeValueAsString(e.detail());
    } catch (JsonProcessingException x) {
      throw new IllegalStateException(x);
    }
  }
}
