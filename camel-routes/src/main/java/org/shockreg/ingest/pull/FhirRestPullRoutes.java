package org.shockreg.ingest.pull;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * One route per enabled {@code fhir-rest} or {@code fhir-bulk} source, {@code fhir-pull-<sourceId>}, driven by a
 * {@code timer} endpoint: for a duration schedule the timer fires every interval (first after one
 * interval); for a cron schedule it ticks every second and {@link FhirRestPullService#tick} runs
 * the source when Spring's {@code CronExpression} says it is due. A timer has a thread of its
 * own, so sources never wait for each other, and a tick while a run is still going is skipped.
 *
 * <p>A run's failure is not an exchange failure: it is recorded in {@code pull_run} (state,
 * last_error), counted in {@code shockreg.pull.errors} and logged by the service; bad pages are
 * in the dead-letter store. Nothing is swallowed, and the timer keeps its schedule.
 */
@Component
public class FhirRestPullRoutes extends RouteBuilder {

  static final String ROUTE_PREFIX = "fhir-pull-";

  /** Tick of the timer of a cron-scheduled source. */
  static final long CRON_TICK_MS = 1000;

  private final FhirRestPullService service;

  public FhirRestPullRoutes(FhirRestPullService service) {
    this.service = service;
  }

  @Override
  public void configure() {
    for (String id : service.runnableSources()) {
      PullSchedule schedule = service.schedule(id);
      long period = schedule.isCron() ? CRON_TICK_MS : schedule.interval().toMillis();
      fromF("timer:%s%s?delay=%d&period=%d&fixedRate=false", ROUTE_PREFIX, id, period, period)
          .routeId(ROUTE_PREFIX + id)
          .setHeader("ShockRegSourceId", constant(id))
          .process(exchange -> service.tick(id));
    }
  }
}
