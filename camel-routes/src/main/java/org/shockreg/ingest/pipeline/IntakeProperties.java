package org.shockreg.ingest.pipeline;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Intake settings.
 *
 * @param batchSize resources per database transaction
 * @param autoRegisterSites whether a new, well-formed source id registers a site on first use
 */
@Validated
@ConfigurationProperties("shockreg.intake")
public record IntakeProperties(
    @DefaultValue("1000") @Min(1) @Max(20000) int batchSize,
    @DefaultValue("true") boolean autoRegisterSites) {}
