package org.shockreg.server.audit;

import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.AuditEvent;
import org.shockreg.server.fhir.CuratedSearchGuard;
import org.shockreg.server.fhir.CuratedTypeDeclaration;
import org.shockreg.server.fhir.SqlSearch;
import org.shockreg.server.fhir.SqlSearch.KeyType;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The audit trail ({@code audit_event}) as a declaration: ids are row numbers, {@code agent}
 * matches a principal id or its bare name, {@code entity-type} and {@code action} exact values,
 * {@code date} every prefix; newest first ({@code _sort=date}: oldest first).
 */
final class AuditEventType {

  private AuditEventType() {}

  static CuratedTypeDeclaration<AuditEvent> declaration(JdbcTemplate jdbc) {
    AuditEventMapper mapper = new AuditEventMapper();
    return CuratedTypeDeclaration.of(
            AuditEvent.class, "audit_event", "row_id", AuditEventMapper.COLUMNS, mapper)
        .guardedBy(request -> CuratedSearchGuard.checkSearch(request, "_id", "_sort"))
        .parameter("_id", TokenOrListParam.class, AuditEventType::ids)
        .parameter(AuditEvent.SP_AGENT, TokenOrListParam.class, AuditEventType::agents)
        .parameter(
            AuditEvent.SP_ENTITY_TYPE, TokenOrListParam.class, (s, v) -> exact(s, "entity_type", v))
        .parameter(AuditEvent.SP_ACTION, TokenOrListParam.class, AuditEventType::actions)
        .date(AuditEvent.SP_DATE, "recorded")
        .sortedBy(
            (s, args) ->
                s.sortBy(
                    new SqlSearch.SortKey(
                        "recorded", KeyType.TIMESTAMP, descending(args.sort()), false)))
        .readBy(
            (id, byId) -> {
              long rowId;
              try {
                rowId = Long.parseLong(id.getIdPart());
              } catch (NumberFormatException e) {
                throw new ResourceNotFoundException(id);
              }
              List<AuditEvent> rows =
                  jdbc.query(
                      "SELECT " + AuditEventMapper.COLUMNS + " FROM audit_event WHERE row_id = ?",
                      mapper,
                      rowId);
              if (rows.isEmpty()) {
                throw new ResourceNotFoundException(id);
              }
              return rows.get(0);
            });
  }

  private static void ids(SqlSearch s, TokenOrListParam id) {
    if (id != null && !id.getValuesAsQueryTokens().isEmpty()) {
      List<Long> ids = new ArrayList<>();
      for (String v : values(id)) {
        try {
          ids.add(Long.parseLong(v));
        } catch (NumberFormatException e) {
          // an id that is no number matches nothing
        }
      }
      s.where("row_id = ANY(" + s.param(ids.toArray(Long[]::new)) + ")");
    }
  }

  private static void agents(SqlSearch s, TokenOrListParam agent) {
    if (agent != null && !agent.getValuesAsQueryTokens().isEmpty()) {
      List<String> exact = values(agent);
      List<String> named = exact.stream().map(v -> "token:" + v).toList();
      s.where(
          "(agent_who = ANY("
              + s.param(exact.toArray(String[]::new))
              + ") OR agent_who = ANY("
              + s.param(named.toArray(String[]::new))
              + "))");
    }
  }

  private static void exact(SqlSearch s, String column, TokenOrListParam tokens) {
    if (tokens != null && !tokens.getValuesAsQueryTokens().isEmpty()) {
      s.where(column + " = ANY(" + s.param(values(tokens).toArray(String[]::new)) + ")");
    }
  }

  private static void actions(SqlSearch s, TokenOrListParam action) {
    if (action != null && !action.getValuesAsQueryTokens().isEmpty()) {
      List<String> actions = values(action).stream().map(v -> v.toUpperCase(Locale.ROOT)).toList();
      s.where("action = ANY(" + s.param(actions.toArray(String[]::new)) + ")");
    }
  }

  private static boolean descending(SortSpec sort) {
    if (sort == null) {
      return true;
    }
    if (sort.getChain() != null || !"date".equals(sort.getParamName())) {
      throw new InvalidRequestException(
          "SR-AUDIT-1: AuditEvent sorts by date only (_sort=date or _sort=-date)");
    }
    return sort.getOrder() == SortOrderEnum.DESC;
  }

  private static List<String> values(TokenOrListParam or) {
    List<String> out = new ArrayList<>();
    for (TokenParam t : or.getValuesAsQueryTokens()) {
      if (t.getModifier() != null) {
        throw new InvalidRequestException(
            "SR-AUDIT-2: modifiers are not supported on AuditEvent searches");
      }
      if (t.getValue() != null && !t.getValue().isBlank()) {
        out.add(t.getValue().trim());
      }
    }
    return out;
  }
}
