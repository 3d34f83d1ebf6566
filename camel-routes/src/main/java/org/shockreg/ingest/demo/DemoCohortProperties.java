package org.shockreg.ingest.demo;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.Assert;

/**
 * The synthetic demo cohort, loaded when {@code shockreg.demo=true}.
 *
 * @param patients how many CS patients (spread over the demo sites)
 * @param seed the generator seed: same seed, same cohort
 * @param trialSubjects how many further patients were randomized in the ALTSHOCK-2 trial (0: none)
 */
@ConfigurationProperties("shockreg.demo-cohort")
public record DemoCohortProperties(
    @DefaultValue("200") int patients,
    @DefaultValue("20261125") long seed,
    @DefaultValue("101") int trialSubjects) {

  public DemoCohortProperties {
    Assert.isTrue(
        patients >= 1 && patients <= 1_000_000,
        "shockreg.demo-cohort.patients must be between 1 and 1000000, was " + patients);
    Assert.isTrue(
        trialSubjects >= 0 && trialSubjects <= 100_000,
        "shockreg.demo-cohort.trial-subjects must be between 0 and 100000, was " + trialSubjects);
  }
}
