package org.shockreg.registry.intake;

import org.shockreg.registry.curated.SourceRef.SourceKey;

/**
 * A source resource as received: its identity, version, content hash and JSON, and what mapping
 * made of it ({@code curated}, {@code unmapped}, {@code skipped}, {@code retracted}).
 */
public record RawResource(
    String siteId,
    String resourceType,
    String resourceId,
    String versionId,
    byte[] contentHash,
    String json,
    String channel,
    String outcome) {

  public SourceKey key() {
    return new SourceKey(siteId, resourceType, resourceId);
  }
}
