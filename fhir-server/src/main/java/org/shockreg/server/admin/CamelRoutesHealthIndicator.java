package org.shockreg.server.admin;

import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/** Health is UP only when the Camel context and all its routes have started. */
@Component("intakeRoutes")
public class CamelRoutesHealthIndicator implements HealthIndicator {

  private final CamelContext camel;

  public CamelRoutesHealthIndicator(CamelContext camel) {
    this.camel = camel;
  }

  @Override
  public Health health() {
    if (!camel.isStarted()) {
      return Health.down().withDetail("camel", camel.getStatus().name()).build();
    }
    Health.Builder health = Health.up();
    for (var route : camel.getRoutes()) {
      ServiceStatus status = camel.getRouteController().getRouteStatus(route.getRouteId());
      health.withDetail(route.getRouteId(), status == null ? "unknown" : status.name());
      if (status != ServiceStatus.Started) {
        health.down();
      }
    }
    return health.build();
  }
}
