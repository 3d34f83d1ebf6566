package org.shockreg.ingest;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.shockreg.ingest.pipeline.IntakeLimits;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeProperties;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.config.MappingsConfiguration;
import org.shockreg.mappings.derive.EpisodeRecomputation;
import org.shockreg.registry.derive.DerivationStore;
import org.shockreg.registry.store.RegistryWriter;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.trial.TrialStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Wires the intake pipeline that every channel (HTTP, drop folder, pulls, demo) feeds. */
@Configuration(proxyBeanMethods = false)
@Import({MappingsConfiguration.class, org.shockreg.ingest.trial.TrialConfiguration.class})
@EnableConfigurationProperties({IntakeProperties.class, IntakeLimits.class, InboxProperties.class})
public class IntakeConfiguration {

  @Bean
  FhirContext fhirContext() {
    return FhirContext.forR4Cached();
  }

  /** Nothing is written before the pseudonym key is known to be the database's own. */
  @Bean
  RegistryWriter registryWriter(JdbcTemplate jdbc, ObjectMapper json, MappingEngine engine) {
    PseudonymKeyCheck.verify(jdbc, engine.pseudonyms());
    return new RegistryWriter(jdbc, json);
  }

  @Bean
  EpisodeRecomputation episodeRecomputation(
      JdbcTemplate jdbc,
      ObjectMapper json,
      MappingEngine engine,
      TrialStore trials,
      StudyCatalog studies) {
    return new EpisodeRecomputation(
        new DerivationStore(jdbc, json), engine, trials, () -> studies.studies().values());
  }

  @Bean
  IntakePipeline intakePipeline(
      RegistryWriter writer,
      MappingEngine engine,
      EpisodeRecomputation derivations,
      PlatformTransactionManager txManager,
      ObjectMapper json,
      FhirContext fhir,
      IntakeProperties props,
      IntakeLimits limits,
      ObjectProvider<MeterRegistry> meters) {
    return new IntakePipeline(
        writer,
        engine,
        derivations,
        new TransactionTemplate(txManager),
        json,
        fhir,
        props,
        limits,
        meters.getIfAvailable(SimpleMeterRegistry::new));
  }
}
