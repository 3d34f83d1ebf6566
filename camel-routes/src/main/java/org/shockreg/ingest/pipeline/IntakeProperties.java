package org.shockreg.ingest.pipeline;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.Assert;

/**
 * Intake settings.
 *
 * @param batchSize resources per database transaction
 * @param autoRegisterSites whether a new, well-formed source id registers a site on first use
 * @param readAhead whether a large body (256 KiB or more, or a file) is parsed and hashed one batch
 *     ahead on a thread of its own while the batch before is curated
 */
@ConfigurationProperties("shockreg.intake")
public record IntakeProperties(
    @DefaultValue("1000") int batchSize,
    @DefaultValue("true") boolean autoRegisterSites,
    @DefaultValue("true") boolean readAhead) {

  /** With read-ahead on, as configured by default. */
  public IntakeProperties(int batchSize, boolean autoRegisterSites) {
    this(batchSize, autoRegisterSites, true);
  }

  // checked here rather than by Bean Validation, which would cost ~700 classes at every start
  @ConstructorBinding
  public IntakeProperties {
    Assert.isTrue(
        batchSize >= 1 && batchSize <= 20_000,
        "shockreg.intake.batch-size must be between 1 and 20000, was " + batchSize);
  }
}
