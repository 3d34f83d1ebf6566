package org.shockreg.ingest.demo;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The synthetic demo cohort, loaded when {@code shockreg.demo=true}.
 *
 * @param patients how many CS patients (spread over the demo sites)
 * @param seed the generator seed: same seed, same cohort
 * @param trialSubjects how many further patients were randomized in the ALTSHOCK-2 trial (0: none)
 */
@Validated
@ConfigurationProperties("shockreg.demo-cohort")
public record DemoCohortProperties(
    @DefaultValue("200") @Min(1) @Max(1_000_000) int patients,
    @DefaultValue("20261125") long seed,
    @DefaultValue("101") @Min(0) @Max(100_000) int trialSubjects) {}
