package org.shockreg.ingest.pull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.annotation.PreDestroy;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pull.PullSourcesProperties.PullSource;
import org.shockreg.ingest.pull.auth.AccessTokenProvider;
import org.shockreg.ingest.pull.auth.AccessTokenProviders;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.registry.db.DataDirectoryProperties;
import org.shockreg.registry.store.RegistryWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * The pull sources of this process: validated at start, run by {@link FhirRestPullRoutes} on their
 * schedule or on demand ({@link #trigger}), never two runs of one source at once, a source that
 * keeps failing backed off. Runs are recorded in {@code pull_run}.
 */
@Service
public class FhirRestPullService {

  private static final Logger log = LoggerFactory.getLogger(FhirRestPullService.class);
  public static final String TYPE_REST = "fhir-rest";
  public static final String TYPE_BULK = "fhir-bulk";

  /** What {@link #trigger} did. */
  public enum TriggerResult {
    STARTED,
    UNKNOWN,
    RUNNING,
    NOT_RUNNABLE
  }

  private final Map<String, PullSourceState> sources = new LinkedHashMap<>();
  private final PullStore store;
  private final MeterRegistry meters;
  private final PullSourceLock clusterLock;
  private final Clock clock;
  private final ExecutorService onDemand =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "fhir-pull-on-demand");
            t.setDaemon(true);
            return t;
          });
  private volatile boolean initialized;

  public FhirRestPullService(
      PullSourcesProperties props,
      NamedParameterJdbcTemplate jdbc,
      IntakePipeline pipeline,
      RegistryWriter writer,
      ObjectMapper json,
      ObjectProvider<MeterRegistry> meters,
      DataDirectoryProperties dirs,
      MappingEngine engine) {
    PullSourcesValidator.validate(props);
    this.store = new PullStore(jdbc);
    this.clusterLock = new PullSourceLock(jdbc.getJdbcTemplate().getDataSource());
    this.meters = meters.getIfAvailable(SimpleMeterRegistry::new);
    this.clock = Clock.systemUTC();
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    for (Map.Entry<String, PullSource> e : new java.util.TreeMap<>(props.sources()).entrySet()) {
      PullSourceState s = new PullSourceState(e.getKey(), e.getValue());
      sources.put(s.id, s);
      if (!s.config.isEnabled()) {
        log.info("event=pull_source_disabled source={}", s.id);
        continue;
      }
      AccessTokenProvider auth =
          AccessTokenProviders.forSource(s.id, s.config.authOrNone(), http, clock);
      FhirPageClient client =
          new FhirPageClient(
              s.id,
              http,
              auth,
              s.config.requestTimeout(),
              FhirPageClient.Retry.DEFAULT,
              d -> Thread.sleep(d.toMillis()));
      if (TYPE_BULK.equals(s.config.type())) {
        s.bulk =
            new FhirBulkPuller(
                s.id,
                s.config,
                client,
                store,
                pipeline,
                writer,
                json,
                dirs.resolve("bulk").resolve(s.id),
                FhirBulkPuller.Polling.DEFAULT,
                clock);
      } else {
        String site = s.id;
        s.puller =
            new FhirRestPuller(
                s.id,
                s.config,
                client,
                store,
                pipeline,
                writer,
                json,
                type -> engine.rules().searchTokens(site, type));
      }
      Gauge.builder("shockreg.pull.lag.seconds", s, this::lagSeconds)
          .tag("source", s.id)
          .description("now minus the oldest watermark of the source")
          .register(this.meters);
      log.info(
          "event=pull_source_configured source={} baseUrl={} schedule=\"{}\" types={}",
          s.id,
          LoggedUrl.of(s.config.baseUrl()),
          s.schedule.text(),
          s.config.types());
    }
  }

  /** The sources that get a route. */
  public List<String> runnableSources() {
    return sources.values().stream().filter(PullSourceState::runnable).map(s -> s.id).toList();
  }

  public PullSchedule schedule(String sourceId) {
    return sources.get(sourceId).schedule;
  }

  /**
   * A firing of the source's trigger (its Quartz job, on one instance of the cluster): runs unless
   * backed off or already running; the run happens in the calling thread.
   */
  public void fire(String sourceId) {
    init();
    PullSourceState s = sources.get(sourceId);
    Instant now = clock.instant();
    if (s.backedOffUntil != null && now.isBefore(s.backedOffUntil)) {
      log.info(
          "event=pull_run_skipped source={} reason=backed_off until={} consecutiveFailures={}",
          s.id,
          s.backedOffUntil,
          s.consecutiveFailures);
      return;
    }
    if (!s.running.compareAndSet(false, true)) {
      log.info("event=pull_run_skipped source={} reason=still_running", s.id);
      return;
    }
    runClaimed(s);
  }

  /** Starts a run now, in the background (ignores backoff: an operator asked). */
  public TriggerResult trigger(String sourceId) {
    init();
    PullSourceState s = sources.get(sourceId);
    if (s == null) {
      return TriggerResult.UNKNOWN;
    }
    if (!s.runnable()) {
      return TriggerResult.NOT_RUNNABLE;
    }
    if (!s.running.compareAndSet(false, true)) {
      return TriggerResult.RUNNING;
    }
    onDemand.execute(() -> runClaimed(s));
    return TriggerResult.STARTED;
  }

  public boolean isRunning(String sourceId) {
    PullSourceState s = sources.get(sourceId);
    return s != null && s.running.get();
  }

  private void runClaimed(PullSourceState s) {
    PullSourceLock.Held lock;
    try {
      lock = clusterLock.tryLock(s.id);
    } catch (java.sql.SQLException e) {
      log.warn(
          "event=pull_run_skipped source={} reason=lock_unavailable error=\"{}\"",
          s.id,
          e.getMessage());
      s.running.set(false);
      return;
    }
    if (lock == null) {
      log.info("event=pull_run_skipped source={} reason=running_on_another_instance", s.id);
      s.running.set(false);
      return;
    }
    try (lock) {
      runLocked(s);
    }
  }

  private void runLocked(PullSourceState s) {
    long runId = -1;
    FhirRestPuller.Progress p = new FhirRestPuller.Progress();
    String state;
    try {
      runId = store.startRun(s.id);
      long id = runId;
      log.info("event=pull_run_started source={} routeId=fhir-pull-{} run={}", s.id, s.id, runId);
      FhirRestPuller.Listener listener =
          new FhirRestPuller.Listener() {
            @Override
            public void page(FhirRestPuller.Progress pr, long resourcesInPage) {
              meters.counter("shockreg.pull.pages", "source", s.id).increment();
              meters.counter("shockreg.pull.resources", "source", s.id).increment(resourcesInPage);
              store.progress(id, pr);
            }

            @Override
            public void error(FhirRestPuller.Progress pr) {
              meters.counter("shockreg.pull.errors", "source", s.id).increment();
            }

            @Override
            public void watermark(String resourceType, Instant watermark) {
              s.watermarks.put(resourceType, watermark);
            }
          };
      if (s.bulk != null) {
        s.bulk.run(p, listener);
      } else {
        s.puller.run(p, listener);
      }
      state = p.partial ? "partial" : "succeeded";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      state = "failed";
      p.lastError = "interrupted (shutdown)";
    } catch (Exception e) {
      // Recorded in pull_run (state failed, last_error) and counted; the watermark stays.
      state = "failed";
      p.errors++;
      p.lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
      meters.counter("shockreg.pull.errors", "source", s.id).increment();
      log.warn("event=pull_run_failed source={} run={} error=\"{}\"", s.id, runId, p.lastError, e);
    }
    try {
      if (runId >= 0) {
        store.finishRun(runId, state, p);
      }
    } catch (RuntimeException e) {
      log.error(
          "event=pull_run_not_recorded source={} run={} error=\"{}\"",
          s.id,
          runId,
          e.getMessage(),
          e);
    } finally {
      s.afterRun(state, clock);
      s.running.set(false);
    }
    log.info(
        "event=pull_run_finished source={} run={} state={} resources={} pages={} errors={}",
        s.id,
        runId,
        state,
        p.resources,
        p.pages,
        p.errors);
  }

  /**
   * Runs left 'running' by an earlier process are marked failed; watermarks loaded for the lag
   * gauge.
   */
  private void init() {
    if (initialized) {
      return;
    }
    synchronized (this) {
      if (initialized) {
        return;
      }
      int abandoned = store.abandonRunning("abandoned: the process stopped during the run");
      if (abandoned > 0) {
        log.warn("event=pull_runs_abandoned count={}", abandoned);
      }
      for (PullSourceState s : sources.values()) {
        s.watermarks.putAll(store.watermarks(s.id));
      }
      initialized = true;
    }
  }

  private double lagSeconds(PullSourceState s) {
    Optional<Instant> oldest = s.watermarks.values().stream().min(Instant::compareTo);
    return oldest
        .map(w -> (double) Duration.between(w, clock.instant()).toSeconds())
        .orElse(Double.NaN);
  }

  public List<PullSourceStatus> status() {
    init();
    List<PullSourceStatus> out = new ArrayList<>();
    for (PullSourceState s : sources.values()) {
      out.add(status(s));
    }
    return out;
  }

  public Optional<PullSourceStatus> status(String sourceId) {
    init();
    return Optional.ofNullable(sources.get(sourceId)).map(this::status);
  }

  private PullSourceStatus status(PullSourceState s) {
    return PullSourceStatus.of(s, store.lastRun(s.id), store.watermarks(s.id), clock);
  }

  @PreDestroy
  void stop() {
    onDemand.shutdownNow();
  }
}
