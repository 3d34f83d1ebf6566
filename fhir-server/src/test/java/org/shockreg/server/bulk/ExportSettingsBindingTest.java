package org.shockreg.server.bulk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.shockreg.server.edc.EdcExportProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Out-of-range export settings stop the start with a reason (no Bean Validation). */
class ExportSettingsBindingTest {

  private static <T> T bind(String prefix, Class<T> type, Map<String, String> values) {
    return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate(prefix, type);
  }

  @Test
  void defaultsBind() {
    BulkExportProperties bulk = bind("shockreg.bulk-export", BulkExportProperties.class, Map.of());
    assertThat(bulk.maxConcurrentJobs()).isEqualTo(2);
    assertThat(bulk.maxQueuedJobs()).isEqualTo(20);
    assertThat(bind("shockreg.edc-exports", EdcExportProperties.class, Map.of()).fetchSize())
        .isEqualTo(500);
  }

  @Test
  void outOfRangeValuesAreRefused() {
    assertThatThrownBy(
            () ->
                bind(
                    "shockreg.bulk-export",
                    BulkExportProperties.class,
                    Map.of("shockreg.bulk-export.max-concurrent-jobs", "0")))
        .isInstanceOf(BindException.class)
        .rootCause()
        .hasMessageContaining("max-concurrent-jobs must be at least 1");
    assertThatThrownBy(
            () ->
                bind(
                    "shockreg.bulk-export",
                    BulkExportProperties.class,
                    Map.of("shockreg.bulk-export.max-queued-jobs", "-1")))
        .rootCause()
        .hasMessageContaining("max-queued-jobs must not be negative");
    assertThatThrownBy(
            () ->
                bind(
                    "shockreg.edc-exports",
                    EdcExportProperties.class,
                    Map.of("shockreg.edc-exports.fetch-size", "0")))
        .rootCause()
        .hasMessageContaining("shockreg.edc-exports.fetch-size must be at least 1");
  }
}
