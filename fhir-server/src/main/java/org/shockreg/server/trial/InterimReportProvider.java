package org.shockreg.server.trial;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Parameters;
import org.shockreg.registry.trial.InterimReport;
import org.shockreg.registry.trial.InterimReportQuery;
import org.shockreg.server.fhir.FhirOperationProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /fhir/ResearchStudy/{id}/$interim-report[?as-of=]}: the data-monitoring view of a
 * trial's randomized subjects (interfaces.md "Trial EDC", docs/interim-report.md), computed from
 * the registry when asked.
 */
public class InterimReportProvider implements FhirOperationProvider {

  private static final Logger log = LoggerFactory.getLogger(InterimReportProvider.class);

  private final InterimReportQuery query;

  public InterimReportProvider(InterimReportQuery query) {
    this.query = query;
  }

  @Description(
      shortDefinition = "Interim (data-monitoring) report of a trial",
      value =
          "CONSORT counts of the screened shock episodes (with the criteria that made them ineligible),"
              + " per arm baseline and timing of the randomized subjects (n, median, q1, q3), the non-ischemic"
              + " share and the primary endpoint, and the effect of the first arm against the second: risk"
              + " difference with its 95 % Newcombe hybrid score interval and the two-sided Fisher exact"
              + " p-value. See docs/interim-report.md.")
  @Operation(name = "$interim-report", typeName = "ResearchStudy", idempotent = true)
  public Parameters interimReport(
      @IdParam IIdType studyId,
      @Description(
              shortDefinition =
                  "The report as it stood then: randomizations, baseline values, IABP starts and endpoint"
                      + " decisions dated after it do not count; a date means the end of that day (UTC)")
          @OperationParam(name = "as-of", typeName = "dateTime", min = 0, max = 1)
          DateTimeType asOf) {
    long started = System.nanoTime();
    Instant cutoff = cutoff(asOf);
    String id = studyId.getIdPart();
    InterimReport report =
        query
            .report(id, cutoff)
            .orElseThrow(
                () ->
                    new ResourceNotFoundException(
                        "SR-INTERIM-1: ResearchStudy/" + id + " is not a registered study"));
    log.info(
        "event=interim_report study={} as_of={} randomized={} elapsedMs={}",
        id,
        cutoff,
        report.consort().randomized(),
        (System.nanoTime() - started) / 1_000_000);
    return InterimReportResources.parameters(report);
  }

  /**
   * The inclusive cut-off of {@code as-of}: a dateTime with a time is that instant; a date (or
   * year, year-month) is the last microsecond of that period in UTC (PostgreSQL keeps
   * microseconds).
   */
  static Instant cutoff(DateTimeType asOf) {
    if (asOf == null || asOf.isEmpty()) {
      return null;
    }
    if (asOf.getValue() == null) {
      throw new InvalidRequestException(
          "SR-INTERIM-2: as-of must be a FHIR date or dateTime, e.g. 2026-03-01");
    }
    TemporalPrecisionEnum precision = asOf.getPrecision();
    if (precision.ordinal() > TemporalPrecisionEnum.DAY.ordinal()) {
      return asOf.getValue().toInstant();
    }
    String text = asOf.getValueAsString();
    LocalDate next =
        switch (precision) {
          case YEAR -> Year.parse(text).atDay(1).plusYears(1);
          case MONTH -> YearMonth.parse(text).atDay(1).plusMonths(1);
          default -> LocalDate.parse(text).plusDays(1);
        };
    return next.atStartOfDay(ZoneOffset.UTC).toInstant().minus(1, ChronoUnit.MICROS);
  }
}
