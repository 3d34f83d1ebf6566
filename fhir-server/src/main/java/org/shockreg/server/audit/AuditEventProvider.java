package org.shockreg.server.audit;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.IdType;
import org.shockreg.server.fhir.CuratedSearchGuard;
import org.shockreg.server.fhir.RegistryReader;
import org.shockreg.server.fhir.SearchClauses;
import org.shockreg.server.fhir.SqlSearch;
import org.shockreg.server.fhir.SqlSearch.KeyType;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The audit trail, read-only, at {@code /fhir/AuditEvent} (admins only: {@code FhirAccessRules}).
 * Search by {@code agent} (a principal id such as {@code token:lab-feed}, or the bare name),
 * {@code date} (every prefix), {@code entity-type} (a resource type, or {@code 2} for system
 * objects such as sites and export jobs), {@code action} (C, R, U, D, E), {@code _id}; newest first
 * ({@code _sort=date}: oldest first); keyset paging like the other types.
 */
public class AuditEventProvider implements IResourceProvider {

  private final JdbcTemplate jdbc;
  private final RegistryReader reader;
  private final AuditEventMapper mapper = new AuditEventMapper();

  public AuditEventProvider(JdbcTemplate jdbc, RegistryReader reader) {
    this.jdbc = jdbc;
    this.reader = reader;
  }

  @Override
  public Class<AuditEvent> getResourceType() {
    return AuditEvent.class;
  }

  @Read
  public AuditEvent read(@IdParam IdType id) {
    long rowId;
    try {
      rowId = Long.parseLong(id.getIdPart());
    } catch (NumberFormatException e) {
      throw new ResourceNotFoundException(id);
    }
    List<AuditEvent> rows =
        jdbc.query("SELECT " + AuditEventMapper.COLUMNS + " FROM audit_event WHERE row_id = ?", mapper, rowId);
    if (rows.isEmpty()) {
      throw new ResourceNotFoundException(id);
    }
    return rows.get(0);
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id (the event's number)") @OptionalParam(name = "_id") TokenOrListParam id,
      @Description(shortDefinition = "Who: a principal id (token:<name>, jwt:<iss>#<sub>, anonymous) or a bare name")
          @OptionalParam(name = AuditEvent.SP_AGENT)
          TokenOrListParam agent,
      @Description(shortDefinition = "When it was recorded (every prefix: ge, le, gt, lt, eq ...)")
          @OptionalParam(name = AuditEvent.SP_DATE)
          DateAndListParam date,
      @Description(shortDefinition = "What kind of thing it touched: a resource type, or 2 (system object: site, export job, admin endpoint)")
          @OptionalParam(name = AuditEvent.SP_ENTITY_TYPE)
          TokenOrListParam entityType,
      @Description(shortDefinition = "C, R, U, D or E")
          @OptionalParam(name = AuditEvent.SP_ACTION)
          TokenOrListParam action,
      @Sort SortSpec sort,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    CuratedSearchGuard.checkSearch(request, "_id", "_sort");
    SqlSearch s = new SqlSearch("AuditEvent", "audit_event", AuditEventMapper.COLUMNS, mapper);
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
    if (agent != null && !agent.getValuesAsQueryTokens().isEmpty()) {
      List<String> exact = values(agent);
      List<String> named = exact.stream().map(v -> "token:" + v).toList();
      s.where(
          "(agent_who = ANY(" + s.param(exact.toArray(String[]::new)) + ") OR agent_who = ANY("
              + s.param(named.toArray(String[]::new)) + "))");
    }
    if (entityType != null && !entityType.getValuesAsQueryTokens().isEmpty()) {
      s.where("entity_type = ANY(" + s.param(values(entityType).toArray(String[]::new)) + ")");
    }
    if (action != null && !action.getValuesAsQueryTokens().isEmpty()) {
      List<String> actions = values(action).stream().map(v -> v.toUpperCase(Locale.ROOT)).toList();
      s.where("action = ANY(" + s.param(actions.toArray(String[]::new)) + ")");
    }
    SearchClauses.date(s, "recorded", date);
    s.sortBy(new SqlSearch.SortKey("recorded", KeyType.TIMESTAMP, descending(sort), false));
    return reader.search(s, summary, total, request);
  }

  private static boolean descending(SortSpec sort) {
    if (sort == null) {
      return true;
    }
    if (sort.getChain() != null || !"date".equals(sort.getParamName())) {
      throw new InvalidRequestException("SR-AUDIT-1: AuditEvent sorts by date only (_sort=date or _sort=-date)");
    }
    return sort.getOrder() == SortOrderEnum.DESC;
  }

  private static List<String> values(TokenOrListParam or) {
    List<String> out = new ArrayList<>();
    for (TokenParam t : or.getValuesAsQueryTokens()) {
      if (t.getModifier() != null) {
        throw new InvalidRequestException("SR-AUDIT-2: modifiers are not supported on AuditEvent searches");
      }
      if (t.getValue() != null && !t.getValue().isBlank()) {
        out.add(t.getValue().trim());
      }
    }
    return out;
  }
}
