package org.shockreg.server.edc;

import javax.sql.DataSource;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.trial.TrialExportReader;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The trial EDC exports: the reader of randomized subjects; the endpoints are {@link
 * EdcExportController}. Starts after the study definitions are registered.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "shockreg.edc-exports", name = "enabled", matchIfMissing = true)
public class EdcExportConfiguration {

  @Bean
  TrialExportReader trialExportReader(
      DataSource dataSource, EdcExportProperties props, StudyCatalog registered) {
    return new TrialExportReader(dataSource, props.fetchSize());
  }
}
