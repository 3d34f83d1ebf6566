package org.shockreg.server.bulk;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.Assert;

/**
 * The Bulk Data export server ({@code $export}, FHIR Bulk Data Access IG 2.0).
 *
 * @param enabled false: the {@code $export} operations are not served
 * @param maxConcurrentJobs jobs that run at the same time; further jobs wait in a queue
 * @param maxQueuedJobs jobs that may wait; a kick-off beyond that answers 429
 * @param threadsPerJob database connections and encoder threads one job uses (row-id ranges of the
 *     same snapshot are exported in parallel)
 * @param maxResourcesPerFile resources per NDJSON file before the next file is started
 * @param fetchSize rows the JDBC cursor fetches per round trip
 * @param rangeRows width of a row-id range handed to one thread at a time
 * @param retention how long a finished job's files and manifest are kept
 * @param cleanupInterval how often expired jobs are removed
 * @param retryAfter the {@code Retry-After} a client is told while a job runs
 * @param heartbeat how often a running job records its progress (and notices a cancel made through
 *     another instance), and how often an instance looks for queued jobs to claim
 * @param staleAfter a job in progress whose heartbeat is older than this is taken over by another
 *     instance (its runner is presumed dead); well above {@code heartbeat}
 * @param dir the export directory; empty: {@code <data-dir>/bulk-export}. Must be shared storage
 *     (the same directory on every instance) when several instances run on one database
 */
@ConfigurationProperties("shockreg.bulk-export")
public record BulkExportProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("2") int maxConcurrentJobs,
    @DefaultValue("20") int maxQueuedJobs,
    @DefaultValue("2") int threadsPerJob,
    @DefaultValue("100000") int maxResourcesPerFile,
    @DefaultValue("2000") int fetchSize,
    @DefaultValue("100000") long rangeRows,
    @DefaultValue("24h") Duration retention,
    @DefaultValue("5m") Duration cleanupInterval,
    @DefaultValue("2s") Duration retryAfter,
    @DefaultValue("2s") Duration heartbeat,
    @DefaultValue("1m") Duration staleAfter,
    @DefaultValue("") String dir) {

  // checked here rather than by Bean Validation, which would cost ~700 classes at every start
  public BulkExportProperties {
    Assert.isTrue(maxConcurrentJobs >= 1, "max-concurrent-jobs must be at least 1");
    Assert.isTrue(maxQueuedJobs >= 0, "max-queued-jobs must not be negative");
    Assert.isTrue(threadsPerJob >= 1, "threads-per-job must be at least 1");
    Assert.isTrue(maxResourcesPerFile >= 1, "max-resources-per-file must be at least 1");
    Assert.isTrue(fetchSize >= 1, "fetch-size must be at least 1");
    Assert.isTrue(rangeRows >= 1, "range-rows must be at least 1");
  }
}
