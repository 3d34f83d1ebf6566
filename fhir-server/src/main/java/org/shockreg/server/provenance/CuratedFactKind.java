package org.shockreg.server.provenance;

import java.util.Optional;

/**
 * The kinds of curated fact that have a Provenance, each with the table it lives in and the prefix
 * of its Provenance id ({@code obs-<observation_id>}, ...). Curated ids are 32 hex characters, so
 * every Provenance id is a valid FHIR id of at most 37 characters.
 */
enum CuratedFactKind {
  OBSERVATION("obs", "Observation", "measurement", "observation_id"),
  PROCEDURE("proc", "Procedure", "device_therapy", "procedure_id"),
  CONDITION("cond", "Condition", "diagnosis", "condition_id"),
  ENCOUNTER("enc", "Encounter", "encounter", "encounter_id"),
  PATIENT("pat", "Patient", "patient", "patient_id");

  final String prefix;
  final String resourceType;
  final String table;
  final String idColumn;

  CuratedFactKind(String prefix, String resourceType, String table, String idColumn) {
    this.prefix = prefix;
    this.resourceType = resourceType;
    this.table = table;
    this.idColumn = idColumn;
  }

  String provenanceId(String factId) {
    return prefix + "-" + factId;
  }

  /** The kind and curated id a Provenance id names, if it names one. */
  static Optional<FactRef> parse(String provenanceId) {
    if (provenanceId == null) {
      return Optional.empty();
    }
    int dash = provenanceId.indexOf('-');
    if (dash <= 0 || dash == provenanceId.length() - 1) {
      return Optional.empty();
    }
    return ofPrefix(provenanceId.substring(0, dash))
        .map(k -> new FactRef(k, provenanceId.substring(dash + 1)));
  }

  static Optional<CuratedFactKind> ofPrefix(String prefix) {
    for (CuratedFactKind k : values()) {
      if (k.prefix.equals(prefix)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  static Optional<CuratedFactKind> ofResourceType(String resourceType) {
    for (CuratedFactKind k : values()) {
      if (k.resourceType.equals(resourceType)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  /** A curated fact by kind and id. */
  record FactRef(CuratedFactKind kind, String factId) {}
}
