package org.shockreg.server.admin;

import org.shockreg.ingest.demo.DemoCohortLoader;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.stereotype.Component;

/** With {@code shockreg.demo=true}, health is UP only once the demo cohort is in the registry. */
@Component("demoCohort")
@ConditionalOnBean(DemoCohortLoader.class)
public class DemoCohortHealthIndicator implements HealthIndicator {

  private final DemoCohortLoader loader;

  public DemoCohortHealthIndicator(DemoCohortLoader loader) {
    this.loader = loader;
  }

  @Override
  public Health health() {
    return loader.isLoaded()
        ? Health.up().build()
        : Health.outOfService().withDetail("loading", true).build();
  }
}
