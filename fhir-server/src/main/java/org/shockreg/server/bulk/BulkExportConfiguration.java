package org.shockreg.server.bulk;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.shockreg.registry.bulk.BulkExportJobStore;
import org.shockreg.registry.db.DataDirectoryProperties;
import org.shockreg.server.fhir.CuratedResourceMapper;
import org.shockreg.server.fhir.GroupMembers;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The Bulk Data export server: files under {@code <data-dir>/bulk-export/}, operations registered
 * with the FHIR server as a {@link org.shockreg.server.fhir.FhirOperationProvider}. Group export
 * asks the {@link GroupMembers} bean, if there is one (without it every Group is unknown: 404).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "shockreg.bulk-export", name = "enabled", matchIfMissing = true)
public class BulkExportConfiguration {

  @Bean
  BulkExportService bulkExportService(
      DataSource dataSource,
      NamedParameterJdbcTemplate jdbc,
      ObjectMapper json,
      CuratedResourceMapper mapper,
      FhirContext fhir,
      BulkExportProperties props,
      DataDirectoryProperties dataDir,
      ObjectProvider<GroupMembers> groups,
      ObjectProvider<MeterRegistry> meters) {
    Path root = exportRoot(dataDir);
    BulkExportJobStore store = new BulkExportJobStore(jdbc, json, root.toString());
    // A context of its own: the curated resources hold no contained targets, so the per-resource
    // walk looking for them (a third of the encoding time) is switched off here only; the
    // output is the same JSON the API serves.
    FhirContext encoding = FhirContext.forVersion(fhir.getVersion().getVersion());
    encoding.getParserOptions().setAutoContainReferenceTargetsWithNoId(false);
    NdjsonExporter.Factory exporter =
        helpers -> new NdjsonExporter(dataSource, mapper, encoding, helpers, props);
    return new BulkExportService(
        store, exporter, props, root, groups, meters.getIfAvailable(SimpleMeterRegistry::new));
  }

  /**
   * This instance's export directory, which is also its {@code owner} in {@code bulk_export_job}.
   */
  public static Path exportRoot(DataDirectoryProperties dataDir) {
    return dataDir.resolve("bulk-export");
  }

  @Bean
  BulkExportOperations bulkExportOperations(
      BulkExportService service, FhirContext fhir, ObjectMapper json) {
    return new BulkExportOperations(service, fhir, json);
  }
}
