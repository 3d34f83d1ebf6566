package org.shockreg.registry.curated;

import java.time.Instant;

/** A removal procedure: closes the open therapy of that device; never a therapy of its own. */
public record DeviceRemovalFact(
    String patientId,
    String device,
    Instant removedAt,
    SourceRef source,
    TimePrecision removedPrecision)
    implements CuratedFact {

  public DeviceRemovalFact(String patientId, String device, Instant removedAt, SourceRef source) {
    this(patientId, device, removedAt, source, null);
  }

  @Override
  public DeviceRemovalFact withPatientId(String id) {
    return new DeviceRemovalFact(id, device, removedAt, source, removedPrecision);
  }

  @Override
  public String factId() {
    return source.resourceId();
  }
}
