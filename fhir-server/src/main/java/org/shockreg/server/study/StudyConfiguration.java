package org.shockreg.server.study;

import java.nio.file.Path;
import javax.sql.DataSource;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.server.fhir.CuratedResourceMapper;
import org.shockreg.server.fhir.RegistryReader;
import org.shockreg.server.fhir.ResearchStudyProvider;
import org.shockreg.server.fhir.ResearchSubjectProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Studies as data: the definitions are validated and registered in {@code research_study} at
 * start (after Liquibase), then served as ResearchStudy; their subjects as ResearchSubject.
 */
@Configuration(proxyBeanMethods = false)
public class StudyConfiguration {

  private static final Logger log = LoggerFactory.getLogger(StudyConfiguration.class);

  @Bean
  @DependsOnDatabaseInitialization
  StudyCatalog studyCatalog(DataSource dataSource, @Value("${shockreg.studies.dir:./studies}") Path dir) {
    StudyCatalog catalog = StudyCatalog.load(dir);
    catalog.register(dataSource);
    log.info("event=studies_registered studies={} dir={}", catalog.studies().size(), dir);
    return catalog;
  }

  @Bean
  ResearchStudyProvider researchStudyProvider(NamedParameterJdbcTemplate jdbc, StudyCatalog registered) {
    return new ResearchStudyProvider(jdbc);
  }

  @Bean
  ResearchSubjectProvider researchSubjectProvider(
      RegistryReader reader, CuratedResourceMapper mapper, NamedParameterJdbcTemplate jdbc, StudyCatalog registered) {
    return new ResearchSubjectProvider(reader, mapper, jdbc);
  }
}
