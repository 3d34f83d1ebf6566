package org.shockreg.ingest.hl7v2;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.registry.intake.Hl7MessageStore;
import org.shockreg.registry.store.RegistryWriter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * HL7 v2 intake: the message store and {@link MllpIntake} always (dead letters of HL7 messages are
 * replayed through it), the listener only when {@code shockreg.mllp.port} is 0 or more.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(MllpProperties.class)
public class MllpConfiguration {

  @Bean
  Hl7MessageStore hl7MessageStore(JdbcTemplate jdbc, ObjectMapper json) {
    return new Hl7MessageStore(jdbc, json);
  }

  @Bean
  MllpIntake mllpIntake(
      IntakePipeline pipeline,
      MappingEngine engine,
      RegistryWriter writer,
      Hl7MessageStore store,
      MllpProperties props,
      ObjectMapper json,
      ObjectProvider<MeterRegistry> meters) {
    return new MllpIntake(
        pipeline,
        engine,
        writer,
        store,
        props,
        json,
        meters.getIfAvailable(SimpleMeterRegistry::new));
  }

  @Bean
  @ConditionalOnExpression("${shockreg.mllp.port:2575} >= 0")
  MllpRoutes mllpRoutes(MllpIntake intake, MllpProperties props) {
    return new MllpRoutes(intake, props);
  }
}
