package org.shockreg.ingest.trial;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.derive.EpisodeRecomputation;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleFiles.DiagnosisCategoryRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.registry.notify.SubscriptionOutbox;
import org.shockreg.registry.notify.SubscriptionStore;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.trial.TrialStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Studies as executable data: definitions are loaded, checked against the active rules (variables,
 * diagnosis categories, devices) and registered at start; a failure names file, key and line.
 * Intake then accepts randomizations for them and screens every shock episode.
 */
@Configuration(proxyBeanMethods = false)
public class TrialConfiguration {

  private static final Logger log = LoggerFactory.getLogger(TrialConfiguration.class);

  @Bean
  @DependsOnDatabaseInitialization
  StudyCatalog studyCatalog(
      DataSource dataSource,
      MappingEngine engine,
      @Value("${shockreg.studies.dir:./studies}") Path dir) {
    StudyCatalog catalog = StudyCatalog.load(dir);
    RuleSet rules = engine.rules();
    catalog.checkVocabulary(
        rules.variables().keySet(),
        rules.diagnosisCategories().stream()
            .map(DiagnosisCategoryRule::category)
            .collect(Collectors.toSet()),
        rules.devices().values().stream().map(DeviceRule::device).collect(Collectors.toSet()));
    Set<String> changed = catalog.register(dataSource);
    engine.acceptStudies(catalog);
    log.info(
        "event=studies_registered studies={} changed={} dir={}",
        catalog.studies().size(),
        changed.size(),
        dir);
    return catalog;
  }

  @Bean
  StudyRescreening studyRescreening(
      StudyCatalog catalog,
      TrialStore trials,
      EpisodeRecomputation derivations,
      PlatformTransactionManager txManager) {
    return new StudyRescreening(
        catalog.changedAtRegistration(), trials, derivations, new TransactionTemplate(txManager));
  }

  @Bean
  SubscriptionOutbox subscriptionOutbox(JdbcTemplate jdbc) {
    return new SubscriptionOutbox(jdbc);
  }

  @Bean
  SubscriptionStore subscriptionStore(JdbcTemplate jdbc, SubscriptionOutbox outbox) {
    return new SubscriptionStore(jdbc, outbox);
  }

  /** Subjects are matched against the subscriptions where they are written (the outbox). */
  @Bean
  TrialStore trialStore(JdbcTemplate jdbc, ObjectMapper json, SubscriptionOutbox outbox) {
    return new TrialStore(jdbc, json, outbox);
  }

  @Bean
  RandomizationService randomizationService(
      StudyCatalog catalog,
      TrialStore trials,
      EpisodeRecomputation derivations,
      PlatformTransactionManager txManager) {
    return new RandomizationService(
        catalog, trials, derivations, new TransactionTemplate(txManager));
  }
}
