package org.shockreg.registry.curated;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/** A hospital or intensive-care encounter (FHIR Encounter). */
public record EncounterFact(
    String encounterId,
    String patientId,
    String status,
    String encounterClass,
    boolean intensiveCare,
    Instant periodStart,
    Instant periodEnd,
    List<Coding> types,
    Set<String> flags,
    SourceRef source,
    TimePrecision startPrecision,
    TimePrecision endPrecision)
    implements CuratedFact {

  public EncounterFact(
      String encounterId,
      String patientId,
      String status,
      String encounterClass,
      boolean intensiveCare,
      Instant periodStart,
      Instant periodEnd,
      List<Coding> types,
      Set<String> flags,
      SourceRef source) {
    this(
        encounterId,
        patientId,
        status,
        encounterClass,
        intensiveCare,
        periodStart,
        periodEnd,
        types,
        flags,
        source,
        null,
        null);
  }

  @Override
  public EncounterFact withPatientId(String id) {
    return new EncounterFact(
        encounterId,
        id,
        status,
        encounterClass,
        intensiveCare,
        periodStart,
        periodEnd,
        types,
        flags,
        source,
        startPrecision,
        endPrecision);
  }

  @Override
  public String factId() {
    return encounterId;
  }
}
