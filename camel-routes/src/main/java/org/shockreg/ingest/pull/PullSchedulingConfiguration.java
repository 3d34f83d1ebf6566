package org.shockreg.ingest.pull;

import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.spi.ComponentCustomizer;
import org.quartz.Scheduler;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Camel's quartz component runs on Spring's Quartz scheduler, whose clustered JDBC job store lives
 * in the registry's PostgreSQL (spring.quartz.* in application.yaml): with several instances on one
 * database, each source's trigger fires on one instance only.
 */
@Configuration(proxyBeanMethods = false)
public class PullSchedulingConfiguration {

  @Bean
  ComponentCustomizer quartzOnSpringScheduler(Scheduler scheduler) {
    return ComponentCustomizer.forType(
        QuartzComponent.class, quartz -> quartz.setScheduler(scheduler));
  }
}
