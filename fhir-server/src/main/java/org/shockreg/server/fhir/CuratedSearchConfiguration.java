package org.shockreg.server.fhir;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.shockreg.registry.search.HeldSearchStore;
import org.shockreg.registry.search.ObservationCodeTally;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Beans of the curated search that plug into the FHIR server (see {@link FhirServerConfiguration}).
 */
@Configuration(proxyBeanMethods = false)
public class CuratedSearchConfiguration {

  /**
   * Searches with a next page held in PostgreSQL too, unless {@code
   * shockreg.fhir.persist-searches=false}.
   */
  @Bean
  HeldSearches heldSearches(
      KeysetPagingProvider paging,
      JdbcTemplate jdbc,
      ObjectMapper json,
      FhirServerProperties props) {
    HeldSearches held = new HeldSearches(new HeldSearchStore(jdbc, json), props.searchTtl());
    if (props.persistSearches()) {
      paging.persistTo(held);
    }
    return held;
  }

  /** Folds the Observation count deltas now and then (see {@link CodeTallyCompaction}). */
  @Bean
  CodeTallyCompaction codeTallyCompaction(JdbcTemplate jdbc, FhirServerProperties props) {
    return new CodeTallyCompaction(
        new ObservationCodeTally(jdbc), props.codeTallyCompactionInterval());
  }
}
