package org.shockreg.registry.curated;

/**
 * A fact the mapping engine curated from one source resource. Every fact carries its {@link
 * SourceRef}; a newer version of the same source resource replaces all facts that came from it.
 * Each time taken from a source date carries its {@link TimePrecision} beside it (null: not known,
 * read as precise).
 */
public sealed interface CuratedFact
    permits PatientFact,
        MeasurementFact,
        DeviceTherapyFact,
        DeviceRemovalFact,
        DiagnosisFact,
        EncounterFact,
        RandomizationFact {

  SourceRef source();

  String patientId();

  /** What makes the fact unique in its table (its source resource's curated id). */
  String factId();

  /** The same fact filed under another patient (a merged patient's survivor). */
  CuratedFact withPatientId(String patientId);
}
