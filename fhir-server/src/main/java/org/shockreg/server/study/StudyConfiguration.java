package org.shockreg.server.study;

import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.server.fhir.CuratedResourceMapper;
import org.shockreg.server.fhir.RegistryReader;
import org.shockreg.server.fhir.ResearchStudyProvider;
import org.shockreg.server.fhir.ResearchSubjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Studies as data (loaded and registered by the intake's TrialConfiguration), served as
 * ResearchStudy; their subjects as ResearchSubject.
 */
@Configuration(proxyBeanMethods = false)
public class StudyConfiguration {

  @Bean
  ResearchStudyProvider researchStudyProvider(RegistryReader reader, StudyCatalog registered) {
    return new ResearchStudyProvider(reader);
  }

  @Bean
  ResearchSubjectProvider researchSubjectProvider(
      RegistryReader reader,
      CuratedResourceMapper mapper,
      NamedParameterJdbcTemplate jdbc,
      StudyCatalog registered) {
    return new ResearchSubjectProvider(reader, mapper, jdbc);
  }
}
