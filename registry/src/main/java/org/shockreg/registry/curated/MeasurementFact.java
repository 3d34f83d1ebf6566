package org.shockreg.registry.curated;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/** A measurement in the registry unit (FHIR Observation). */
public record MeasurementFact(
    String observationId,
    String patientId,
    String variable,
    String status,
    Instant effectiveAt,
    BigDecimal value,
    String unit,
    String comparator,
    BigDecimal rangeLow,
    BigDecimal rangeHigh,
    BigDecimal originalValue,
    String originalUnit,
    String originalComparator,
    List<Coding> codings,
    Set<String> flags,
    SourceRef source,
    TimePrecision effectivePrecision)
    implements CuratedFact {

  public MeasurementFact(
      String observationId,
      String patientId,
      String variable,
      String status,
      Instant effectiveAt,
      BigDecimal value,
      String unit,
      String comparator,
      BigDecimal rangeLow,
      BigDecimal rangeHigh,
      BigDecimal originalValue,
      String originalUnit,
      String originalComparator,
      List<Coding> codings,
      Set<String> flags,
      SourceRef source) {
    this(
        observationId,
        patientId,
        variable,
        status,
        effectiveAt,
        value,
        unit,
        comparator,
        rangeLow,
        rangeHigh,
        originalValue,
        originalUnit,
        originalComparator,
        codings,
        flags,
        source,
        null);
  }

  @Override
  public MeasurementFact withPatientId(String id) {
    return new MeasurementFact(
        observationId,
        id,
        variable,
        status,
        effectiveAt,
        value,
        unit,
        comparator,
        rangeLow,
        rangeHigh,
        originalValue,
        originalUnit,
        originalComparator,
        codings,
        flags,
        source,
        effectivePrecision);
  }

  @Override
  public String factId() {
    return observationId;
  }
}
