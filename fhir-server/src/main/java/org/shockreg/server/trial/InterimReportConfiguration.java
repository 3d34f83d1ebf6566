package org.shockreg.server.trial;

import org.shockreg.registry.trial.InterimReportQuery;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The trial interim report ({@code ResearchStudy/{id}/$interim-report}, docs/interim-report.md).
 */
@Configuration(proxyBeanMethods = false)
public class InterimReportConfiguration {

  @Bean
  InterimReportQuery interimReportQuery(
      NamedParameterJdbcTemplate jdbc, PlatformTransactionManager transactions) {
    return new InterimReportQuery(jdbc, transactions);
  }

  @Bean
  InterimReportProvider interimReportProvider(InterimReportQuery query) {
    return new InterimReportProvider(query);
  }
}
