package org.shockreg.server.fhir;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Beans of the curated search that plug into the FHIR server (see {@link FhirServerConfiguration}). */
@Configuration(proxyBeanMethods = false)
public class CuratedSearchConfiguration {

  @Bean
  CuratedSearchGuard curatedSearchGuard() {
    return new CuratedSearchGuard();
  }
}
