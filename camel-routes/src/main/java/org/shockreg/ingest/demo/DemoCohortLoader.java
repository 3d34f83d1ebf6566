package org.shockreg.ingest.demo;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.shockreg.ingest.demo.SyntheticCohortGenerator.SourceResourceSink;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.registry.store.DemoLoads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Loads the synthetic demo cohort once, through the real intake path (NDJSON per site, as a
 * hospital would post it), then the demo's ALTSHOCK-2 trial subjects ({@link
 * TrialCohortGenerator}). Idempotent twice over: each load is recorded under its cohort key, and a
 * re-sent resource is unchanged by content hash anyway.
 */
@Component
@ConditionalOnProperty(prefix = "shockreg", name = "demo", havingValue = "true")
@EnableConfigurationProperties(DemoCohortProperties.class)
public class DemoCohortLoader implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(DemoCohortLoader.class);

  private final IntakePipeline pipeline;
  private final DemoLoads loads;
  private final FhirContext fhir;
  private final DemoCohortProperties props;
  private volatile boolean done;

  /** Set to load the demo into a database of its own choosing all the same. */
  public static final String FORCE_PROPERTY = "shockreg.demo-force";

  public DemoCohortLoader(
      IntakePipeline pipeline,
      JdbcTemplate jdbc,
      FhirContext fhir,
      DemoCohortProperties props,
      Environment environment) {
    refuseExternalDatabase(environment);
    this.pipeline = pipeline;
    this.loads = new DemoLoads(jdbc);
    this.fhir = fhir;
    this.props = props;
  }

  /**
   * The demo's synthetic patients go into the embedded database only: on a configured ({@code
   * spring.datasource.url}), possibly productive, database the start fails unless {@code
   * shockreg.demo-force=true}.
   */
  static void refuseExternalDatabase(Environment environment) {
    String url = environment.getProperty("spring.datasource.url", "");
    if (!url.isBlank() && !environment.getProperty(FORCE_PROPERTY, Boolean.class, false)) {
      log.error("event=demo_refused reason=external-database");
      throw new IllegalStateException(
          "shockreg.demo=true would load synthetic demo patients into the external database set by"
              + " spring.datasource.url; start without shockreg.demo, or set "
              + FORCE_PROPERTY
              + "=true if this database is meant for the demo");
    }
  }

  /** True once the cohort is in the registry (loaded now or before). */
  public boolean isLoaded() {
    return done;
  }

  @Override
  public void run(ApplicationArguments args) {
    SyntheticCohortGenerator base = new SyntheticCohortGenerator(props.seed());
    load(
        "synthetic-v1-seed" + props.seed() + "-n" + props.patients(),
        sink -> base.generate(props.patients(), sink));
    if (props.trialSubjects() > 0) {
      // After the base cohort, under a key of its own: a data dir from before the trial gets only
      // the trial added; a change of its size or of the generator's version loads it anew.
      TrialCohortGenerator trial = new TrialCohortGenerator(props.seed());
      load(
          "altshock-2-trial-v1-seed" + props.seed() + "-n" + props.trialSubjects(),
          sink -> trial.generate(props.trialSubjects(), sink));
    }
    done = true;
  }

  /** Sends one generated cohort through intake unless a load under this key is recorded. */
  private void load(String cohortKey, Consumer<SourceResourceSink> generator) {
    if (loads.loaded(cohortKey)) {
      log.info("event=demo_cohort_present cohort={}", cohortKey);
      return;
    }
    long started = System.nanoTime();
    Map<String, ByteArrayOutputStream> ndjsonBySite = new LinkedHashMap<>();
    IParser parser = fhir.newJsonParser().setPrettyPrint(false);
    generator.accept(
        (site, resource) -> {
          ByteArrayOutputStream out =
              ndjsonBySite.computeIfAbsent(site, s -> new ByteArrayOutputStream());
          out.writeBytes(parser.encodeResourceToString(resource).getBytes(StandardCharsets.UTF_8));
          out.write('\n');
        });
    long total = 0;
    for (Map.Entry<String, ByteArrayOutputStream> site : ndjsonBySite.entrySet()) {
      IntakeReport report =
          pipeline.ingest(
              new IntakeRequest(
                  site.getKey(),
                  IntakeRequest.CHANNEL_DEMO,
                  "demo:" + cohortKey,
                  "application/fhir+ndjson",
                  null,
                  IntakeRequest.Body.of(site.getValue().toByteArray())));
      total += report.received();
    }
    loads.record(cohortKey, total);
    log.info(
        "event=demo_cohort_loaded cohort={} resources={} elapsedMs={}",
        cohortKey,
        total,
        (System.nanoTime() - started) / 1_000_000);
  }
}
