package org.shockreg.ingest.pipeline;

import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.shockreg.registry.intake.RawResource;
import org.shockreg.registry.intake.SourceHead;

/** A resource (or a DELETE entry) of an intake batch on its way in. */
final class Candidate {
  final SourceEntry entry;
  final String type;
  final String id;
  final SourceVersion version;
  final byte[] hash;
  final String compact;
  SourceHead head;

  /** Why it is not applied, when a newer version of it is in the body or stored. */
  String olderThan;

  /** A DELETE entry (no resource): applying it retracts the source resource's facts. */
  DeleteEntry deletion;

  /** Skipped for another reason than its version (a Patient delete): code and reason. */
  String[] skip;

  Candidate(
      SourceEntry entry,
      String type,
      String id,
      SourceVersion version,
      byte[] hash,
      String compact) {
    this.entry = entry;
    this.type = type;
    this.id = id;
    this.version = version;
    this.hash = hash;
    this.compact = compact;
  }

  SourceKey key(String site) {
    return new SourceKey(site, type, id);
  }

  RawResource raw(String site, String channel, String outcome) {
    return new RawResource(
        site,
        type,
        id,
        version.versionId(),
        version.lastUpdated(),
        hash,
        compact,
        channel,
        outcome);
  }
}
