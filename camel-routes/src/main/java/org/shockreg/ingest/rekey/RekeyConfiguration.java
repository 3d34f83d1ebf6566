package org.shockreg.ingest.rekey;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeProperties;
import org.shockreg.ingest.trial.RandomizationService;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.registry.store.RegistryWriter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** The re-keying job; it runs only when an operator starts it ({@code POST /admin/rekey}). */
@Configuration(proxyBeanMethods = false)
public class RekeyConfiguration {

  @Bean
  RekeyJob rekeyJob(
      IntakePipeline pipeline,
      RandomizationService randomizations,
      RegistryWriter writer,
      JdbcTemplate jdbc,
      MappingEngine engine,
      IntakeProperties intake,
      RekeyProperties props,
      ObjectMapper json) {
    return new RekeyJob(
        pipeline,
        randomizations,
        writer,
        jdbc,
        engine.pseudonyms(),
        intake,
        props,
        json,
        Clock.systemUTC());
  }
}
