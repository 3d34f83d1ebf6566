package org.shockreg.registry.curated;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/** A temporary MCS or heart replacement therapy (FHIR Procedure). */
public record DeviceTherapyFact(
    String procedureId,
    String patientId,
    String device,
    String status,
    Instant startedAt,
    Instant endedAt,
    Instant performedAt,
    List<Coding> codings,
    Set<String> flags,
    SourceRef source,
    TimePrecision startedPrecision,
    TimePrecision endedPrecision,
    TimePrecision performedPrecision)
    implements CuratedFact {

  public DeviceTherapyFact(
      String procedureId,
      String patientId,
      String device,
      String status,
      Instant startedAt,
      Instant endedAt,
      Instant performedAt,
      List<Coding> codings,
      Set<String> flags,
      SourceRef source) {
    this(
        procedureId,
        patientId,
        device,
        status,
        startedAt,
        endedAt,
        performedAt,
        codings,
        flags,
        source,
        null,
        null,
        null);
  }

  @Override
  public DeviceTherapyFact withPatientId(String id) {
    return new DeviceTherapyFact(
        procedureId,
        id,
        device,
        status,
        startedAt,
        endedAt,
        performedAt,
        codings,
        flags,
        source,
        startedPrecision,
        endedPrecision,
        performedPrecision);
  }

  @Override
  public String factId() {
    return procedureId;
  }
}
