package org.shockreg.ingest.pull;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * One route per enabled source, {@code fhir-pull-<sourceId>}, fired by a Quartz trigger (a repeat
 * interval for a duration schedule, a cron trigger for a cron schedule) in the clustered JDBC job
 * store (see {@link PullSchedulingConfiguration}): with several ShockReg instances on one database
 * each firing happens on one instance only; the per-source advisory lock of the service still
 * guards runs started by hand. {@code stateful=true}: a firing waits for the previous one of the
 * same source instead of overlapping it.
 *
 * <p>A run's failure is not an exchange failure: it is recorded in {@code pull_run} (state,
 * last_error), counted in {@code shockreg.pull.errors} and logged by the service; bad pages are in
 * the dead-letter store. Nothing is swallowed, and the trigger keeps its schedule.
 */
@Component
public class FhirRestPullRoutes extends RouteBuilder {

  static final String ROUTE_PREFIX = "fhir-pull-";

  private final FhirRestPullService service;

  public FhirRestPullRoutes(FhirRestPullService service) {
    this.service = service;
  }

  @Override
  public void configure() {
    for (String id : service.runnableSources()) {
      PullSchedule schedule = service.schedule(id);
      String trigger;
      if (schedule.isCron()) {
        trigger = "cron=" + schedule.cron().replace(' ', '+');
      } else {
        long ms = schedule.interval().toMillis();
        // first firing after one interval, as before: a start is not a reason to pull
        trigger =
            "trigger.repeatInterval=" + ms + "&trigger.repeatCount=-1&triggerStartDelay=" + ms;
      }
      fromF("quartz://shockreg-pull/%s?%s&stateful=true", id, trigger)
          .routeId(ROUTE_PREFIX + id)
          .setHeader("ShockRegSourceId", constant(id))
          .process(exchange -> service.fire(id));
    }
  }
}
