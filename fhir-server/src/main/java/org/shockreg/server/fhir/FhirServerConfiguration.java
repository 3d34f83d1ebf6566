package org.shockreg.server.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import javax.sql.DataSource;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.registry.db.AnalystReads;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/** The HAPI plain RestfulServer over the registry's own SQL, mounted at {@code /fhir/*}. */
@Configuration(proxyBeanMethods = false)
public class FhirServerConfiguration {

  /** Writes search pages with the entries rendered from their rows (see {@link RenderedJson}). */
  @Bean
  RenderedSearchBundles renderedSearchBundles() {
    return new RenderedSearchBundles();
  }

  @Bean
  KeysetPagingProvider keysetPagingProvider(
      NamedParameterJdbcTemplate jdbc, AnalystReads reads, FhirServerProperties props) {
    return new KeysetPagingProvider(
        jdbc,
        reads,
        props.defaultPageSize(),
        props.maxPageSize(),
        props.searchTtl(),
        props.maxHeldSearches());
  }

  /** Read-only transactions on the read replica, when one is configured (docs/scaling.md). */
  @Bean
  AnalystReads analystReads(PlatformTransactionManager transactions, DataSource dataSource) {
    return new AnalystReads(transactions, dataSource);
  }

  @Bean
  RegistryReader registryReader(NamedParameterJdbcTemplate jdbc, KeysetPagingProvider paging) {
    return new RegistryReader(jdbc, paging);
  }

  @Bean
  CuratedResourceMapper curatedResourceMapper(
      RuleSet rules,
      ObjectMapper json,
      ObjectProvider<org.shockreg.mappings.MappingEngine> engine) {
    // dates render in the site's zone of the rules in force (a reload may add a site's file)
    return new CuratedResourceMapper(
        rules,
        json,
        site -> {
          org.shockreg.mappings.MappingEngine e = engine.getIfAvailable();
          return (e != null ? e.rules() : rules).timeZone(site);
        });
  }

  @Bean
  CuratedTypes curatedTypes(
      RegistryReader reader,
      CuratedResourceMapper mapper,
      RuleSet rules,
      FhirServerProperties props) {
    return new CuratedTypes(reader, mapper, rules, props.renderedSearchJson());
  }

  @Bean
  PatientProvider patientProvider(CuratedTypes types, RegistryReader reader) {
    return new PatientProvider(
        types.patient(), reader, new PatientEverything(reader, types.patientCompartment()));
  }

  @Bean
  ObservationProvider observationProvider(CuratedTypes types, RegistryReader reader) {
    return new ObservationProvider(types.observation(), reader);
  }

  @Bean
  ProcedureProvider procedureProvider(CuratedTypes types, RegistryReader reader) {
    return new ProcedureProvider(types.procedure(), reader);
  }

  @Bean
  ConditionProvider conditionProvider(CuratedTypes types, RegistryReader reader) {
    return new ConditionProvider(types.condition(), reader);
  }

  @Bean
  EncounterProvider encounterProvider(CuratedTypes types, RegistryReader reader) {
    return new EncounterProvider(types.encounter(), reader);
  }

  /**
   * Every {@link IResourceProvider} bean is served; a new resource type is one more bean. Beans
   * that are {@link FhirOperationProvider}s (system-level operations) and {@link
   * FhirServerInterceptor}s are registered too, so features plug in without editing this class.
   */
  @Bean
  ServletRegistrationBean<RestfulServer> fhirServlet(
      FhirContext fhir,
      KeysetPagingProvider paging,
      List<IResourceProvider> providers,
      ObjectProvider<FhirOperationProvider> operationProviders,
      ObjectProvider<FhirServerInterceptor> interceptors) {
    RestfulServer server = new RestfulServer(fhir);
    server.setServerName("ShockReg");
    server.setImplementationDescription("ShockReg curated cardiogenic shock registry (read-only)");
    server.setDefaultResponseEncoding(EncodingEnum.JSON);
    server.setPagingProvider(paging);
    server.setResourceProviders(providers);
    operationProviders.orderedStream().forEach(server::registerProvider);
    interceptors.orderedStream().forEach(server::registerInterceptor);
    ServletRegistrationBean<RestfulServer> bean = new ServletRegistrationBean<>(server, "/fhir/*");
    bean.setName("fhir");
    bean.setLoadOnStartup(1);
    return bean;
  }
}
