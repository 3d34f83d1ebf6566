package org.shockreg.server.audit;

import java.time.Clock;
import org.shockreg.registry.audit.AuditEventStore;
import org.shockreg.registry.retention.AuditPurge;
import org.shockreg.registry.retention.RawStorePurge;
import org.shockreg.server.fhir.RegistryReader;
import org.shockreg.server.retention.RawRetentionProperties;
import org.shockreg.server.retention.RetentionJobs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The audit trail (docs/security.md "Audit"): the writer, the filter that records every request,
 * the FHIR interceptor that says what a FHIR request was, {@code /fhir/AuditEvent}, and the
 * retention purges of the audit trail and the raw store.
 */
@Configuration(proxyBeanMethods = false)
public class AuditConfiguration {

  private static final Logger log = LoggerFactory.getLogger(AuditConfiguration.class);

  /**
   * Just outside Spring Security's chain (which Spring Boot registers at order -100), so that it
   * sees the status of refusals too; after the firewall and forwarded-header filters.
   */
  static final int FILTER_ORDER =
      org.springframework.boot.autoconfigure.security.SecurityProperties.DEFAULT_FILTER_ORDER - 1;

  @Bean
  AuditWriter auditWriter(JdbcTemplate jdbc, AuditProperties props) {
    log.info(
        "event=audit_configured enabled={} retention={} queue_capacity={} batch_size={}",
        props.enabled(),
        props.retention(),
        props.queueCapacity(),
        props.batchSize());
    return new AuditWriter(new AuditEventStore(jdbc), props);
  }

  @Bean
  RekeyAudit rekeyAudit(AuditWriter writer) {
    return new RekeyAudit(writer, Clock.systemUTC());
  }

  @Bean
  FilterRegistrationBean<AuditFilter> auditFilter(AuditWriter writer) {
    FilterRegistrationBean<AuditFilter> bean =
        new FilterRegistrationBean<>(new AuditFilter(writer, Clock.systemUTC()));
    bean.setOrder(FILTER_ORDER);
    bean.addUrlPatterns("/*");
    return bean;
  }

  @Bean
  FhirAuditInterceptor fhirAuditInterceptor() {
    return new FhirAuditInterceptor();
  }

  @Bean
  AuditEventProvider auditEventProvider(JdbcTemplate jdbc, RegistryReader reader) {
    return new AuditEventProvider(jdbc, reader);
  }

  @Bean
  RetentionJobs retentionJobs(
      JdbcTemplate jdbc,
      TransactionTemplate tx,
      AuditProperties audit,
      RawRetentionProperties raw) {
    return new RetentionJobs(
        new AuditPurge(jdbc, tx, 5_000),
        audit.retention(),
        new RawStorePurge(jdbc, raw.rawPurgeBatchSize()),
        raw.keepForever() ? null : raw.rawRetention(),
        audit.purgeInterval(),
        Clock.systemUTC());
  }
}
