package org.shockreg.server.capability;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** How the API describes itself: CapabilityStatement additions and the OpenAPI console. */
@Configuration(proxyBeanMethods = false)
public class ApiDescriptionConfiguration {

  @Bean
  CapabilityStatementCustomizer capabilityStatementCustomizer() {
    return new CapabilityStatementCustomizer();
  }

  @Bean
  @ConditionalOnProperty(
      name = "shockreg.openapi.enabled",
      havingValue = "true",
      matchIfMissing = true)
  LazyOpenApiInterceptor openApiInterceptor() {
    return new LazyOpenApiInterceptor();
  }
}
