package org.shockreg.server.bulk;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.shockreg.registry.bulk.BulkExportJob;
import org.shockreg.registry.bulk.BulkExportJobStore;
import org.shockreg.server.fhir.GroupMembers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;

/**
 * Runs {@code $export} jobs: a bounded executor ({@code max-concurrent-jobs}) over jobs persisted
 * in {@code bulk_export_job}, files under {@code <export dir>/<job id>/}, progress heartbeats,
 * cancel, expiry clean-up, and a stop or restart that queues again the jobs it interrupted (the
 * client keeps polling the same status URL and gets a manifest of a fresh, consistent snapshot).
 * With several instances on one database every instance claims queued jobs when it has room and
 * takes over a job whose runner's heartbeat went stale ({@link JobClaims}); the export directory
 * must then be shared storage, so any instance serves any job's files. The files themselves: {@link
 * NdjsonExporter}, in the directories of {@link JobDirectories}.
 */
public class BulkExportService implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(BulkExportService.class);
  private static final int MAX_ATTEMPTS = 3;

  private final BulkExportJobStore store;
  private final NdjsonExporter exporter;
  private final BulkExportProperties props;
  private final JobDirectories directories;
  private final ObjectProvider<GroupMembers> groups;
  private final ExportMetrics metrics;
  private final JobClaims claims;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final ThreadPoolExecutor jobs;
  private final ExecutorService helpers;
  private final ScheduledExecutorService housekeeping;
  private volatile boolean started;
  private volatile boolean stopping;

  BulkExportService(
      BulkExportJobStore store,
      NdjsonExporter.Factory exporterFactory,
      BulkExportProperties props,
      Path root,
      ObjectProvider<GroupMembers> groups,
      MeterRegistry meters) {
    this.store = store;
    this.props = props;
    this.directories = new JobDirectories(root);
    this.groups = groups;
    this.metrics = new ExportMetrics(meters);
    this.jobs =
        new ThreadPoolExecutor(
            props.maxConcurrentJobs(),
            props.maxConcurrentJobs(),
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            threads("bulk-export-job-"));
    int helperThreads = props.maxConcurrentJobs() * (props.threadsPerJob() - 1);
    this.helpers =
        helperThreads > 0
            ? Executors.newFixedThreadPool(helperThreads, threads("bulk-export-range-"))
            : null;
    this.housekeeping =
        Executors.newSingleThreadScheduledExecutor(threads("bulk-export-housekeeping-"));
    this.exporter = exporterFactory.create(helpers);
    this.claims = new JobClaims(store, props, MAX_ATTEMPTS, jobs, this::run);
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  // ---- API used by the operations

  /** Queues a job and returns its id. */
  public String kickOff(Kickoff k) {
    if (store.openJobs() >= (long) props.maxConcurrentJobs() + props.maxQueuedJobs()) {
      throw new ExportQueueFullException();
    }
    String jobId = UUID.randomUUID().toString();
    store.insert(
        jobId,
        k.level(),
        k.groupId(),
        k.requestUrl(),
        k.types().stream().map(ExportedType::resourceType).toList(),
        k.since(),
        k.outputFormat(),
        k.principal(),
        k.studyIds());
    log.info(
        "event=bulk_export_accepted job={} level={} types={} since={}",
        jobId,
        k.level(),
        k.types().stream().map(ExportedType::resourceType).toList(),
        k.since());
    submit(jobId);
    return jobId;
  }

  /** The job, unless unknown, deleted or expired; a running job shows its live progress. */
  public Optional<BulkExportJob> find(String jobId) {
    if (jobId == null || !JobDirectories.JOB_ID.matcher(jobId).matches()) {
      return Optional.empty();
    }
    return store.find(jobId);
  }

  /** The job if {@code principal} kicked it off; to anyone else it does not exist. */
  public Optional<BulkExportJob> find(String jobId, String principal) {
    return find(jobId).filter(job -> principal != null && principal.equals(job.principal()));
  }

  /** Live count of exported resources of a job running here, else the stored one. */
  public long progress(BulkExportJob job) {
    Running r = running.get(job.jobId());
    return r != null ? r.exported.sum() : job.exported();
  }

  /** Cancels a queued or running job, or deletes a finished one; false when unknown. */
  public boolean delete(String jobId) {
    Optional<BulkExportJob> job = find(jobId);
    if (job.isEmpty()) {
      return false;
    }
    boolean existed = store.delete(jobId);
    Running r = running.get(jobId);
    if (r != null) {
      r.cancelled = true; // the runner removes its files when it stops
    } else if (!BulkExportJob.IN_PROGRESS.equals(job.get().status())) {
      directories.delete(jobId);
    } // else another instance runs it: its heartbeat notices the deletion and removes the files
    if (existed) {
      log.info("event=bulk_export_deleted job={} running={}", jobId, r != null);
    }
    return existed;
  }

  /** A file of a completed job, if it is one of its output or deleted files and exists. */
  public Optional<Path> file(BulkExportJob job, String name) {
    return directories.file(job, name);
  }

  public Duration retryAfter() {
    return props.retryAfter();
  }

  public boolean groupsAvailable() {
    return groups.getIfAvailable() != null;
  }

  /** The members of a Group, or empty when there is no such Group (or no cohorts at all). */
  public Optional<List<String>> groupMembers(String groupId) {
    GroupMembers g = groups.getIfAvailable();
    return g == null ? Optional.empty() : g.patientIds(groupId);
  }

  // ---- running

  private void submit(String jobId) {
    claims.submit(jobId);
  }

  private void run(String jobId) {
    if (stopping || !store.start(jobId)) {
      return; // deleted while queued, or shutting down (it stays queued for the next start)
    }
    BulkExportJob job = store.find(jobId).orElse(null);
    if (job == null) {
      return;
    }
    Running r = new Running();
    running.put(jobId, r);
    Timer.Sample sample = metrics.startJob();
    long startNanos = System.nanoTime();
    String outcome = "failed";
    try {
      Path dir = directories.fresh(jobId, job.attempts());
      List<String> patients = null;
      if ("group".equals(job.level())) {
        patients =
            groupMembers(job.groupId())
                .orElseThrow(() -> new IllegalStateException("the Group no longer exists"));
      }
      if (job.studyIds() != null) {
        // an edc caller: its studies' subjects only (of the Group, or of all when not a Group)
        List<String> subjects = store.studyPatients(job.studyIds());
        if (patients != null) {
          Set<String> members = new HashSet<>(patients);
          subjects = subjects.stream().filter(members::contains).toList();
        }
        patients = subjects;
      }
      List<ExportedType> types =
          job.resourceTypes().stream()
              .map(t -> ExportedType.byResourceType(t).orElseThrow())
              .toList();
      log.info(
          "event=bulk_export_started job={} level={} attempt={}",
          jobId,
          job.level(),
          job.attempts());
      NdjsonExporter.Result result =
          exporter.export(new NdjsonExporter.Request(types, job.since(), patients), dir, r);
      List<BulkExportJob.File> files =
          result.files().stream()
              .map(f -> new BulkExportJob.File(f.type().resourceType(), f.fileName(), f.count()))
              .toList();
      List<BulkExportJob.File> deleted =
          result.deleted().stream()
              .map(f -> new BulkExportJob.File("Bundle", f.fileName(), f.count()))
              .toList();
      if (!store.complete(
          jobId, result.transactionTime(), result.resources(), files, deleted, props.retention())) {
        throw new CancellationException(); // deleted meanwhile, or taken over
      }
      directories.deleteOtherAttempts(jobId, job.attempts());
      outcome = "completed";
      double seconds = (System.nanoTime() - startNanos) / 1e9;
      log.info(
          "event=bulk_export_completed job={} resources={} files={} deletions={} seconds={}"
              + " resources_per_second={}",
          jobId,
          result.resources(),
          files.size(),
          result.deleted().stream().mapToLong(NdjsonExporter.DeletedFile::deletions).sum(),
          String.format("%.2f", seconds),
          Math.round(result.resources() / Math.max(seconds, 1e-3)));
    } catch (CancellationException e) {
      if (!stopping && store.find(jobId).isEmpty()) {
        directories.delete(jobId);
      } else {
        directories.deleteAttempt(jobId, job.attempts()); // the job lives on: only this run's files
      }
      outcome = stopping ? "interrupted" : "cancelled";
      log.info("event=bulk_export_{} job={} resources={}", outcome, jobId, r.exported.sum());
    } catch (Exception | LinkageError e) {
      directories.deleteAttempt(jobId, job.attempts());
      if (stopping) {
        outcome =
            "interrupted"; // the failure is the shutdown itself: run it again on the next start
        log.info("event=bulk_export_interrupted job={}", jobId);
      } else {
        String reason =
            e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + firstLine(e.getMessage()));
        store.fail(jobId, reason, props.retention());
        log.warn(
            "event=bulk_export_failed job={} reason=\"{}\"", jobId, reason.replace('"', '\''), e);
      }
    } finally {
      running.remove(jobId);
      metrics.jobEnded(sample, outcome);
    }
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 300 ? line.substring(0, 300) : line;
  }

  /** A job running here: cancel flag (read per row batch) and live progress. */
  private final class Running implements NdjsonExporter.Control {
    final LongAdder exported = new LongAdder();
    volatile boolean cancelled;

    @Override
    public boolean cancelled() {
      return cancelled || stopping;
    }

    @Override
    public void exported(ExportedType type, long resources) {
      exported.add(resources);
      metrics.exported(type, resources);
    }
  }

  // ---- housekeeping

  /**
   * Progress and heartbeat into the row; a job deleted through another instance (or taken over by
   * one) is noticed and cancelled here. Then the cluster's part: stale jobs queued again, queued
   * jobs claimed while this instance has room.
   */
  void heartbeat() {
    running.forEach(
        (jobId, r) -> {
          if (!store.progress(jobId, r.exported.sum())) {
            r.cancelled = true;
          }
        });
    if (!stopping) {
      claims.takeOverStale();
      claims.claimQueued();
    }
  }

  /**
   * On start: jobs this instance was running when it stopped are queued again, and the queue (every
   * instance's) is claimed as far as there is room.
   */
  public void recoverInterruptedJobs() {
    claims.requeueMine();
    claims.claimQueued();
  }

  /** Expired jobs (rows and files) and directories no job owns any more. */
  void cleanUp() {
    List<String> expired = store.deleteExpired();
    expired.forEach(directories::delete);
    Set<String> live = new HashSet<>(store.jobIds());
    int orphans =
        directories.deleteOrphans(name -> live.contains(name) || running.containsKey(name));
    if (!expired.isEmpty() || orphans > 0) {
      log.info(
          "event=bulk_export_cleanup expired={} orphaned_directories={}", expired.size(), orphans);
    }
  }

  // ---- lifecycle

  @Override
  public void start() {
    directories.createRoot();
    recoverInterruptedJobs();
    long cleanup = Math.max(100, props.cleanupInterval().toMillis());
    housekeeping.scheduleWithFixedDelay(
        safely(this::cleanUp), cleanup, cleanup, TimeUnit.MILLISECONDS);
    long beat = Math.max(100, props.heartbeat().toMillis());
    housekeeping.scheduleWithFixedDelay(safely(this::heartbeat), beat, beat, TimeUnit.MILLISECONDS);
    started = true;
  }

  private Runnable safely(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.warn("event=bulk_export_housekeeping_failed reason=\"{}\"", e.getMessage());
      }
    };
  }

  /**
   * Running jobs stop at their next row batch and go back to the queue in the database: another
   * instance claims them, or this one on its next start.
   */
  @Override
  public void stop() {
    stopping = true;
    housekeeping.shutdownNow();
    jobs.shutdownNow();
    try {
      jobs.awaitTermination(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    claims.release(); // what ran here goes back to the queue at once, for another instance
    if (helpers != null) {
      helpers.shutdownNow();
    }
    started = false;
  }

  @Override
  public boolean isRunning() {
    return started;
  }
}
