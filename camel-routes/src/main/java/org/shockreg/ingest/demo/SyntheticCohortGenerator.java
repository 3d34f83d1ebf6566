package org.shockreg.ingest.demo;

import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.hl7.fhir.r4.model.Resource;

/**
 * Synthetic cardiogenic-shock cohort, emitted as the source FHIR R4 resources hospital EHRs send,
 * so the demo and the ingest benchmark go through the real intake path.
 *
 * <p>The three demo sites deliberately speak different dialects (SNOMED CT vs ICD-10-CM diagnoses;
 * SNOMED, ICD-10-PCS or CPT device codes; blood pressure as a panel or as separate Observations;
 * lactate in mmol/L or mg/dL; creatinine in mg/dL or umol/L; unit spellings such as {@code mmHg},
 * {@code mmol/l} and {@code beats/min}; LVEF as a quantity, a range or text; local time offsets),
 * because mapping those differences is what the registry has to prove. The dialects live in {@link
 * SourceRecord}, shared with {@link TrialCohortGenerator}.
 *
 * <p>Distributions follow the Altshock registry: age at shock median about 60, about 70% male,
 * about 30% HF-CS / 55% AMI-CS / 15% other, tMCS in about 60% (IABP the most used), about 35% dead.
 *
 * <p>Deterministic: every patient draws from its own random stream derived from (seed, patient
 * number) and all times are offsets from a fixed base instant, so the same seed gives
 * byte-identical resources (whatever the JVM's default time zone or locale) and a cohort of n
 * patients is a prefix of a cohort of n + k. Calls share no state, so they may run concurrently.
 */
public final class SyntheticCohortGenerator {

  /** Source ids of the demo sites, in the order patients are dealt to them. */
  public static final List<String> DEMO_SITES = List.of("demo-milano", "demo-paris", "demo-boston");

  /** Receives each generated resource together with the site that sends it. */
  @FunctionalInterface
  public interface SourceResourceSink {
    void accept(String siteId, Resource resource);
  }

  private static final DemoSite[] SITES = DemoSite.values();

  private final long seed;

  public SyntheticCohortGenerator(long seed) {
    this.seed = seed;
  }

  /**
   * Emits {@code patients} patients, dealt round-robin to {@link #DEMO_SITES}. Per patient the
   * Patient comes first, then its Encounters, Conditions, Observations and Procedures.
   */
  public void generate(int patients, SourceResourceSink sink) {
    if (patients < 0) {
      throw new IllegalArgumentException("patients must not be negative: " + patients);
    }
    Objects.requireNonNull(sink, "sink");
    for (int i = 0; i < patients; i++) {
      int number = i + 1;
      SplittableRandom rng =
          new SplittableRandom(SourceRecord.mix64(seed + 0x9E3779B97F4A7C15L * number));
      new ShockPatientRecord(SITES[i % SITES.length], number, rng, sink).emit();
    }
  }

  /** The exact number of resources {@link #generate} emits for {@code patients} patients. */
  public long countFor(int patients) {
    long[] count = new long[1];
    generate(patients, (siteId, resource) -> count[0]++);
    return count[0];
  }
}
