package org.shockreg.server.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentNetworkType;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.registry.audit.AuditCodes;
import org.springframework.jdbc.core.RowMapper;

/** An {@code audit_event} row as a FHIR R4 AuditEvent (id = the row id). */
final class AuditEventMapper implements RowMapper<AuditEvent> {

  static final String COLUMNS =
      "row_id, recorded, type_system, type_code, type_display, subtype_system, subtype_code, action, outcome,"
          + " outcome_desc, agent_who, agent_role, agent_address, entity_type, entity_what, entity_query,"
          + " entity_detail::text AS entity_detail, http_method, http_path, http_status";

  static final String PRINCIPAL_SYSTEM = "https://fhir.shockreg.org/sid/principal";
  static final String ROLE_SYSTEM = "https://fhir.shockreg.org/CodeSystem/role";
  static final String RESOURCE_TYPES = "http://hl7.org/fhir/resource-types";
  static final String ENTITY_TYPES = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
  static final String SOURCE_TYPES = "http://terminology.hl7.org/CodeSystem/security-source-type";
  static final String OBJECT_ROLES = "http://terminology.hl7.org/CodeSystem/object-role";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> ENTITY_TYPE_CODES = Set.of("1", "2", "3", "4");

  @Override
  public AuditEvent mapRow(ResultSet rs, int rowNum) throws SQLException {
    AuditEvent e = new AuditEvent();
    e.setId(Long.toString(rs.getLong("row_id")));
    e.getMeta().setLastUpdated(rs.getTimestamp("recorded"));
    AuditCodes.Code type = AuditCodes.of(rs.getString("type_system"), rs.getString("type_code"));
    e.setType(new Coding(type.system(), type.code(), display(type, rs.getString("type_display"))));
    AuditCodes.Code subtype =
        AuditCodes.of(rs.getString("subtype_system"), rs.getString("subtype_code"));
    if (subtype != null) {
      e.addSubtype(new Coding(subtype.system(), subtype.code(), subtype.display()));
    }
    e.setAction(AuditEventAction.fromCode(rs.getString("action").trim()));
    e.setRecorded(rs.getTimestamp("recorded"));
    e.setOutcome(AuditEventOutcome.fromCode(Integer.toString(rs.getInt("outcome"))));
    e.setOutcomeDesc(rs.getString("outcome_desc"));

    AuditEventAgentComponent agent = e.addAgent();
    String who = rs.getString("agent_who");
    agent.setWho(
        new Reference()
            .setIdentifier(new Identifier().setSystem(PRINCIPAL_SYSTEM).setValue(who))
            .setDisplay(who));
    agent.setAltId(who);
    String role = rs.getString("agent_role");
    if (role != null) {
      agent.addRole(new CodeableConcept(new Coding(ROLE_SYSTEM, role, role)));
    }
    agent.setRequestor(true);
    String address = rs.getString("agent_address");
    if (address != null) {
      agent.getNetwork().setAddress(address).setType(AuditEventAgentNetworkType._2);
    }

    e.getSource()
        .setSite("ShockReg")
        .setObserver(new Reference().setDisplay("ShockReg registry server"))
        .addType(new Coding(SOURCE_TYPES, "4", "Application Server"));

    AuditEventEntityComponent entity = e.addEntity();
    String entityType = rs.getString("entity_type");
    String what = rs.getString("entity_what");
    if (entityType != null) {
      entity.setType(
          ENTITY_TYPE_CODES.contains(entityType)
              ? new Coding(ENTITY_TYPES, entityType, "System Object")
              : new Coding(RESOURCE_TYPES, entityType, entityType));
    }
    if (what != null) {
      entity.setWhat(
          what.contains("/") && entityType != null && !ENTITY_TYPE_CODES.contains(entityType)
              ? new Reference(what)
              : new Reference().setDisplay(what));
    }
    String query = rs.getString("entity_query");
    if (query != null) {
      entity.setQuery(Base64.getDecoder().decode(query));
      entity.setRole(new Coding(OBJECT_ROLES, "24", "Query"));
    }
    entity.setDescription(rs.getString("http_method") + " " + rs.getString("http_path"));
    entity
        .addDetail()
        .setType("http-status")
        .setValue(new org.hl7.fhir.r4.model.StringType(Integer.toString(rs.getInt("http_status"))));
    String detail = rs.getString("entity_detail");
    if (detail != null) {
      try {
        JsonNode node = JSON.readTree(detail);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          entity
              .addDetail()
              .setType(f.getKey())
              .setValue(new org.hl7.fhir.r4.model.StringType(f.getValue().asText()));
        }
      } catch (java.io.IOException x) {
        throw new SQLException("audit_event " + e.getId() + ": entity_detail is not JSON", x);
      }
    }
    return e;
  }

  private static String display(AuditCodes.Code type, String stored) {
    return stored != null ? stored : type.display();
  }
}
