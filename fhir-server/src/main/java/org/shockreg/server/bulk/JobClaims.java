package org.shockreg.server.bulk;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.Consumer;
import org.shockreg.registry.bulk.BulkExportJobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;

/**
 * Which instance runs which job, coordinated through {@code bulk_export_job} only: a job is queued
 * in the database, any instance with a free slot claims it (a conditional UPDATE, so one wins), the
 * runner's heartbeat keeps the claim, and a claim whose heartbeat is older than {@code stale-after}
 * goes back to the queue for the others. A job kicked off here is queued here at once as well; the
 * claim decides who runs it.
 */
final class JobClaims {

  private static final Logger log = LoggerFactory.getLogger(JobClaims.class);

  private final BulkExportJobStore store;
  private final BulkExportProperties props;
  private final int maxAttempts;
  private final ThreadPoolExecutor jobs;
  private final Consumer<String> run;
  // ids waiting in this instance's executor, so a poll does not queue one twice
  private final Set<String> waiting = ConcurrentHashMap.newKeySet();

  JobClaims(
      BulkExportJobStore store,
      BulkExportProperties props,
      int maxAttempts,
      ThreadPoolExecutor jobs,
      Consumer<String> run) {
    this.store = store;
    this.props = props;
    this.maxAttempts = maxAttempts;
    this.jobs = jobs;
    this.run = run;
  }

  /** Queues the job on this instance's executor (it runs here if the claim is still free then). */
  void submit(String jobId) {
    if (!waiting.add(jobId)) {
      return;
    }
    try {
      jobs.execute(
          () -> {
            waiting.remove(jobId);
            run.accept(jobId);
          });
    } catch (RejectedExecutionException e) {
      waiting.remove(jobId); // stopping: the job stays queued in the database
    }
  }

  /** Claims queued jobs of any instance, as many as this instance has free slots. */
  void claimQueued() {
    int free = props.maxConcurrentJobs() - jobs.getActiveCount() - jobs.getQueue().size();
    if (free <= 0) {
      return;
    }
    for (String id : store.queued(free)) {
      submit(id);
    }
  }

  /** Jobs whose runner stopped sending heartbeats go back to the queue. */
  void takeOverStale() {
    List<String> ids = store.takeOverStale(props.staleAfter(), maxAttempts, props.retention());
    if (!ids.isEmpty()) {
      log.warn(
          "event=bulk_export_taken_over jobs={} stale_after={}", ids.size(), props.staleAfter());
    }
  }

  /** On start: what this instance was running when it stopped goes back to the queue. */
  void requeueMine() {
    List<String> queued = store.requeueInterrupted(maxAttempts, props.retention());
    if (!queued.isEmpty()) {
      log.info("event=bulk_export_queued_on_start jobs={}", queued.size());
    }
  }

  /** On stop: the jobs interrupted here are queued again at once, for the other instances. */
  void release() {
    try {
      store.requeueInterrupted(maxAttempts, props.retention());
    } catch (DataAccessException e) {
      // the database is gone as well: the heartbeat goes stale and another instance takes over
      log.warn("event=bulk_export_release_failed reason=\"{}\"", e.getMessage());
    }
  }
}
