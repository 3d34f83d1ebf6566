package org.shockreg.ingest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.shockreg.ingest.demo.DemoCohortProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Out-of-range settings stop the start with the key and the allowed range (no Bean Validation). */
class IntakeSettingsBindingTest {

  private static <T> T bind(String prefix, Class<T> type, Map<String, String> values) {
    return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate(prefix, type);
  }

  @Test
  void defaultsBind() {
    assertThat(bind("shockreg.intake", IntakeProperties.class, Map.of()).batchSize())
        .isEqualTo(1000);
    assertThat(bind("shockreg.intake", IntakeProperties.class, Map.of()).readAhead()).isTrue();
    assertThat(
            bind(
                    "shockreg.intake",
                    IntakeProperties.class,
                    Map.of("shockreg.intake.read-ahead", "false"))
                .readAhead())
        .isFalse();
    assertThat(bind("shockreg.limits", IntakeLimits.class, Map.of()).maxBundleEntries())
        .isEqualTo(100_000);
    assertThat(bind("shockreg.demo-cohort", DemoCohortProperties.class, Map.of()).patients())
        .isEqualTo(200);
  }

  @Test
  void outOfRangeValuesAreRefusedWithTheirKey() {
    assertThatThrownBy(
            () ->
                bind(
                    "shockreg.intake",
                    IntakeProperties.class,
                    Map.of("shockreg.intake.batch-size", "0")))
        .isInstanceOf(BindException.class)
        .rootCause()
        .hasMessageContaining("shockreg.intake.batch-size must be between 1 and 20000, was 0");
    assertThatThrownBy(
            () ->
                bind(
                    "shockreg.intake",
                    IntakeProperties.class,
                    Map.of("shockreg.intake.batch-size", "20001")))
        .rootCause()
        .hasMessageContaining("was 20001");
    assertThatThrownBy(
            () ->
                bind(
                    "shockreg.limits",
                    IntakeLimits.class,
                    Map.of("shockreg.limits.max-bundle-entries", "0")))
        .rootCause()
        .hasMessageContaining("shockreg.limits.max-bundle-entries must be at least 1");
    assertThatThrownBy(
            () ->
                bind(
                    "shockreg.demo-cohort",
                    DemoCohortProperties.class,
                    Map.of("shockreg.demo-cohort.trial-subjects", "-1")))
        .rootCause()
        .hasMessageContaining("shockreg.demo-cohort.trial-subjects must be between 0 and 100000");
  }
}
