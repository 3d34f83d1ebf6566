package org.shockreg.server.audit;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import org.hl7.fhir.r4.model.AuditEvent;
import org.shockreg.server.fhir.CuratedResourceProvider;
import org.shockreg.server.fhir.RegistryReader;
import org.shockreg.server.fhir.SearchArguments;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The audit trail, read-only, at {@code /fhir/AuditEvent} (admins only: {@code FhirAccessRules}).
 * Search by {@code agent} (a principal id such as {@code token:lab-feed}, or the bare name), {@code
 * date} (every prefix), {@code entity-type} (a resource type, or {@code 2} for system objects such
 * as sites and export jobs), {@code action} (C, R, U, D, E), {@code _id}; newest first ({@code
 * _sort=date}: oldest first); keyset paging like the other types. HAPI's search signature only: the
 * behaviour is {@link AuditEventType}.
 */
public class AuditEventProvider extends CuratedResourceProvider<AuditEvent> {

  public AuditEventProvider(JdbcTemplate jdbc, RegistryReader reader) {
    super(AuditEventType.declaration(jdbc), reader);
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id (the event's number)") @OptionalParam(name = "_id")
          TokenOrListParam id,
      @Description(
              shortDefinition =
                  "Who: a principal id (token:<name>, jwt:<iss>#<sub>, anonymous) or a bare name")
          @OptionalParam(name = AuditEvent.SP_AGENT)
          TokenOrListParam agent,
      @Description(shortDefinition = "When it was recorded (every prefix: ge, le, gt, lt, eq ...)")
          @OptionalParam(name = AuditEvent.SP_DATE)
          DateAndListParam date,
      @Description(
              shortDefinition =
                  "What kind of thing it touched: a resource type, or 2 (system object: site, export job, admin endpoint)")
          @OptionalParam(name = AuditEvent.SP_ENTITY_TYPE)
          TokenOrListParam entityType,
      @Description(shortDefinition = "C, R, U, D or E") @OptionalParam(name = AuditEvent.SP_ACTION)
          TokenOrListParam action,
      @Sort SortSpec sort,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    return search(
        SearchArguments.of(request, summary, total)
            .sort(sort)
            .with("_id", id)
            .with(AuditEvent.SP_AGENT, agent)
            .with(AuditEvent.SP_DATE, date)
            .with(AuditEvent.SP_ENTITY_TYPE, entityType)
            .with(AuditEvent.SP_ACTION, action));
  }
}
