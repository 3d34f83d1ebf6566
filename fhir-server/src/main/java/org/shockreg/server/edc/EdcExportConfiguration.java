package org.shockreg.server.edc;

import javax.sql.DataSource;
import org.shockreg.registry.db.ReadReplicaDataSource;
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
    // The primary, though the export reads in a read-only transaction: an EDC pulls right after a
    // randomization and must see it (a replica may lag).
    return new TrialExportReader(ReadReplicaDataSource.primary(dataSource), props.fetchSize());
  }
}
