package org.shockreg.server.bulk;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;

/** The export's meters: resources written per type, and job durations by outcome. */
final class ExportMetrics {

  private final MeterRegistry meters;
  private final Map<ExportedType, Counter> exported = new EnumMap<>(ExportedType.class);

  ExportMetrics(MeterRegistry meters) {
    this.meters = meters;
    for (ExportedType t : ExportedType.values()) {
      exported.put(
          t,
          Counter.builder("shockreg.bulk.export.resources")
              .description("Resources written to Bulk Data export files")
              .tag("type", t.resourceType())
              .register(meters));
    }
  }

  void exported(ExportedType type, long resources) {
    exported.get(type).increment(resources);
  }

  Timer.Sample startJob() {
    return Timer.start(meters);
  }

  void jobEnded(Timer.Sample sample, String outcome) {
    sample.stop(
        Timer.builder("shockreg.bulk.export.job")
            .description("Bulk Data export jobs, by outcome")
            .tag("outcome", outcome)
            .register(meters));
  }
}
