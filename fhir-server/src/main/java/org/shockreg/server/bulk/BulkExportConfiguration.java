package org.shockreg.server.bulk;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.shockreg.registry.bulk.BulkExportJobStore;
import org.shockreg.registry.db.DataDirectoryProperties;
import org.shockreg.registry.db.ReadReplicaDataSource;
import org.shockreg.server.fhir.CuratedResourceMapper;
import org.shockreg.server.fhir.GroupMembers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The Bulk Data export server: files under {@code shockreg.bulk-export.dir} (default {@code
 * <data-dir>/bulk-export/}; shared storage when several instances run), operations registered with
 * the FHIR server as a {@link org.shockreg.server.fhir.FhirOperationProvider}. Group export asks
 * the {@link GroupMembers} bean, if there is one (without it every Group is unknown: 404).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "shockreg.bulk-export", name = "enabled", matchIfMissing = true)
public class BulkExportConfiguration {

  private static final Logger log = LoggerFactory.getLogger(BulkExportConfiguration.class);

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
    Path root = exportRoot(dataDir, props);
    String instance = instanceId(dataDir);
    BulkExportJobStore store = new BulkExportJobStore(jdbc, json, root.toString(), instance);
    log.info("event=bulk_export_directory dir={} instance={}", root, instance);
    // A context of its own: the curated resources hold no contained targets, so the per-resource
    // walk looking for them (a third of the encoding time) is switched off here only; the
    // output is the same JSON the API serves.
    FhirContext encoding = FhirContext.forVersion(fhir.getVersion().getVersion());
    encoding.getParserOptions().setAutoContainReferenceTargetsWithNoId(false);
    // The snapshot and its transaction time are the primary's: a replica's open transactions say
    // nothing about writers on the primary, and a job's _since must not skip what lag hid.
    DataSource primary = ReadReplicaDataSource.primary(dataSource);
    NdjsonExporter.Factory exporter =
        helpers -> new NdjsonExporter(primary, mapper, encoding, helpers, props);
    return new BulkExportService(
        store, exporter, props, root, groups, meters.getIfAvailable(SimpleMeterRegistry::new));
  }

  /** The default export directory, {@code <data-dir>/bulk-export}. */
  public static Path exportRoot(DataDirectoryProperties dataDir) {
    return dataDir.resolve("bulk-export");
  }

  /**
   * The export directory ({@code shockreg.bulk-export.dir}, else the default), which is also the
   * {@code owner} of the jobs whose files are in it.
   */
  static Path exportRoot(DataDirectoryProperties dataDir, BulkExportProperties props) {
    return props.dir() == null || props.dir().isBlank()
        ? exportRoot(dataDir)
        : Path.of(props.dir()).toAbsolutePath().normalize();
  }

  /**
   * This instance among those on one database, the same across its restarts: host name and data dir
   * (two instances on one host have data dirs of their own).
   */
  static String instanceId(DataDirectoryProperties dataDir) {
    return hostName() + ":" + dataDir.dataDir().toAbsolutePath().normalize();
  }

  /**
   * The host's name without a DNS lookup where possible: {@code HOSTNAME} is a shell variable that
   * is often not exported, and {@code InetAddress.getLocalHost()} resolves the name, which can hang
   * a start for seconds where DNS is broken.
   */
  private static String hostName() {
    String host = System.getenv("HOSTNAME");
    if (host != null && !host.isBlank()) {
      return host.trim();
    }
    try {
      host = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim(); // Linux
      if (!host.isEmpty()) {
        return host;
      }
    } catch (IOException | RuntimeException notLinux) {
      // other systems: ask the resolver
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  @Bean
  BulkExportOperations bulkExportOperations(
      BulkExportService service, FhirContext fhir, ObjectMapper json) {
    return new BulkExportOperations(service, fhir, json);
  }
}
