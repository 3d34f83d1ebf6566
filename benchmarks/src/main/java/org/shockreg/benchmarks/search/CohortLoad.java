package org.shockreg.benchmarks.search;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.hl7.fhir.r4.model.Patient;
import org.shockreg.ingest.demo.SyntheticCohortGenerator;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeProperties;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.derive.EpisodeRecomputation;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.mappings.rules.RuleSetLoader;
import org.shockreg.registry.derive.DerivationStore;
import org.shockreg.registry.store.RegistryWriter;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.trial.TrialStore;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Fills the bench database with the synthetic cohort through the real {@link IntakePipeline} (wired
 * by hand as IntakeConfiguration does), streaming: each site's NDJSON body is posted once it holds
 * {@code bodyResources} resources, always cut at a patient boundary, so memory stays flat however
 * large the cohort.
 *
 * <p>The generator has one size knob, the number of patients (stay length and measurement frequency
 * are drawn per patient from fixed distributions: 4-8 vital-sign time points over the first 48 h,
 * 2-4 lactates, 1-2 creatinines, 1-2 echos, plus derived facts per episode). So the load
 * calibrates: after the first {@code CALIBRATION_PATIENTS} patients it counts the curated
 * Observations per patient and sets the patient count that reaches the target, plus a margin.
 */
final class CohortLoad {

  private static final int CALIBRATION_PATIENTS = 1000;
  private static final String CONTENT_TYPE = "application/fhir+ndjson";

  /** What the load produced. */
  record Result(int patients, long resources, long curatedObservations, double seconds) {}

  private static final class Stop extends RuntimeException {
    Stop() {
      super(null, null, false, false);
    }
  }

  private final JdbcTemplate jdbc;
  private final IntakePipeline pipeline;
  private final FhirContext fhir = FhirContext.forR4Cached();

  CohortLoad(BenchDatabase db, int batchSize) {
    this.jdbc = db.jdbc();
    ObjectMapper json =
        new ObjectMapper()
            .findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    RegistryWriter writer = new RegistryWriter(jdbc, json);
    byte[] key = new byte[32];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (i * 31 + 7);
    }
    MappingEngine engine =
        new MappingEngine(new RuleSetLoader().loadBuiltIn(), new Pseudonymizer(key));
    // screen as the server does (TrialConfiguration): with the studies registered here, the
    // server's first start over this database has nothing to rescreen, and the measured requests
    // do not run beside a start-up rescreen of every patient
    StudyCatalog studies = StudyCatalog.load(null);
    studies.register(db.dataSource());
    engine.acceptStudies(studies);
    this.pipeline =
        new IntakePipeline(
            writer,
            engine,
            new EpisodeRecomputation(
                new DerivationStore(jdbc, json),
                engine,
                new TrialStore(jdbc, json),
                () -> studies.studies().values()),
            new TransactionTemplate(new DataSourceTransactionManager(db.dataSource())),
            json,
            fhir,
            new IntakeProperties(batchSize, true),
            new SimpleMeterRegistry());
  }

  long curatedObservations() {
    Long n = jdbc.queryForObject("SELECT count(*) FROM curated_observation", Long.class);
    return n == null ? 0 : n;
  }

  Result load(long seed, long targetObservations, int bodyResources) {
    long started = System.nanoTime();
    SyntheticCohortGenerator generator = new SyntheticCohortGenerator(seed);
    Stream stream = new Stream(bodyResources, started);
    int calibration = CALIBRATION_PATIENTS;
    stream.run(generator, 0, calibration);
    long observations = curatedObservations();
    double perPatient = Math.max(1.0, observations / (double) calibration);
    int patients = calibration;
    while (observations < targetObservations) {
      int more = (int) Math.ceil((targetObservations - observations) / perPatient * 1.02) + 50;
      System.out.printf(
          Locale.ROOT,
          "bench: %,d curated Observations from %,d patients (%.1f per patient): loading %,d more patients%n",
          observations,
          patients,
          perPatient,
          more);
      stream.run(generator, patients, patients + more);
      patients += more;
      observations = curatedObservations();
      perPatient = Math.max(1.0, observations / (double) patients);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "bench: loaded %,d patients, %,d source resources, %,d curated Observations in %.0f s (%.0f resources/s)%n",
        patients,
        stream.resources,
        observations,
        seconds,
        stream.resources / seconds);
    return new Result(patients, stream.resources, observations, seconds);
  }

  /** Generates patients (from, to] and posts them site by site. */
  private final class Stream {
    private final int bodyResources;
    private final long started;
    private final IParser parser = fhir.newJsonParser().setPrettyPrint(false);
    private final Map<String, ByteArrayOutputStream> open = new LinkedHashMap<>();
    private final Map<String, Integer> counts = new LinkedHashMap<>();
    long resources;
    private long nextReport = 100_000;
    private final long[] outcome = new long[4]; // curated, unchanged, rejected, unmapped

    Stream(int bodyResources, long started) {
      this.bodyResources = bodyResources;
      this.started = started;
    }

    void run(SyntheticCohortGenerator generator, int from, int to) {
      int[] patient = {0};
      try {
        // A cohort of n patients is a prefix of a cohort of n + k: skip the ones already loaded.
        generator.generate(
            to,
            (site, resource) -> {
              if (resource instanceof Patient) {
                patient[0]++;
                if (patient[0] > to) {
                  throw new Stop();
                }
                if (patient[0] > from) {
                  ByteArrayOutputStream body = open.get(site);
                  if (body != null && counts.get(site) >= bodyResources) {
                    post(site);
                  }
                }
              }
              if (patient[0] <= from) {
                return;
              }
              ByteArrayOutputStream out =
                  open.computeIfAbsent(site, s -> new ByteArrayOutputStream(1 << 22));
              out.writeBytes(
                  parser.encodeResourceToString(resource).getBytes(StandardCharsets.UTF_8));
              out.write('\n');
              counts.merge(site, 1, Integer::sum);
            });
      } catch (Stop done) {
        // reached the patient limit
      }
      for (String site : open.keySet().toArray(String[]::new)) {
        post(site);
      }
    }

    private void post(String site) {
      ByteArrayOutputStream body = open.remove(site);
      int n = counts.remove(site);
      IntakeReport r =
          pipeline.ingest(
              new IntakeRequest(
                  site,
                  IntakeRequest.CHANNEL_HTTP,
                  "search-benchmark",
                  CONTENT_TYPE,
                  null,
                  IntakeRequest.Body.of(body.toByteArray())));
      resources += n;
      outcome[0] += r.curated();
      outcome[1] += r.unchanged();
      outcome[2] += r.rejected();
      outcome[3] += r.unmapped();
      if (resources >= nextReport) {
        nextReport += 100_000;
        double s = (System.nanoTime() - started) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "bench: load %,d resources in %.0f s (%.0f/s): curated %,d unchanged %,d rejected %,d unmapped %,d%n",
            resources,
            s,
            resources / s,
            outcome[0],
            outcome[1],
            outcome[2],
            outcome[3]);
      }
    }
  }
}
