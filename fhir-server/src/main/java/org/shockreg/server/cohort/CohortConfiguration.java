package org.shockreg.server.cohort;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.registry.cohort.CohortCatalog;
import org.shockreg.registry.cohort.CohortDefinitionReader;
import org.shockreg.registry.cohort.CohortEngine;
import org.shockreg.server.fhir.RegistryReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Cohorts as FHIR Groups: the definitions (validated at start; an invalid file stops the start with
 * messages naming file and key), the engine, the Group provider and the membership used by {@code
 * Group/{id}/$export}.
 */
@Configuration(proxyBeanMethods = false)
public class CohortConfiguration {

  private static final Logger log = LoggerFactory.getLogger(CohortConfiguration.class);

  @Bean
  CohortEngine cohortEngine(
      NamedParameterJdbcTemplate jdbc, RuleSet rules, CohortProperties props) {
    CohortCatalog catalog =
        CohortCatalog.load(new CohortDefinitionReader(rules.devices().keySet()), props.dir());
    List<String> tmcs =
        rules.devices().entrySet().stream()
            .filter(e -> Boolean.TRUE.equals(e.getValue().tmcs()))
            .map(Map.Entry::getKey)
            .toList();
    log.info(
        "event=cohorts_loaded cohorts={} per_site_templates={} dir={}",
        catalog.cohorts().size(),
        catalog.templates().size(),
        props.dir());
    return new CohortEngine(jdbc, catalog, tmcs);
  }

  @Bean
  GroupProvider groupProvider(
      CohortEngine engine, CohortProperties props, RuleSet rules, RegistryReader reader) {
    Map<String, String> devices =
        rules.devices().values().stream()
            .collect(
                Collectors.toMap(
                    DeviceRule::device, d -> d.display() == null ? d.device() : d.display()));
    return new GroupProvider(engine, new CohortResources(props.memberLimit(), devices), reader);
  }

  @Bean
  CohortGroupMembers cohortGroupMembers(CohortEngine engine) {
    return new CohortGroupMembers(engine);
  }
}
