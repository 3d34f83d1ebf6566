package org.shockreg.registry.intake;

import java.time.Instant;
import org.shockreg.registry.curated.SourceRef.SourceKey;

/**
 * A source resource as received: its identity, version ({@code meta.versionId} and {@code
 * meta.lastUpdated}), content hash and JSON, and what mapping made of it ({@code curated}, {@code
 * unmapped}, {@code skipped}, {@code retracted}).
 */
public record RawResource(
    String siteId,
    String resourceType,
    String resourceId,
    String versionId,
    Instant lastUpdated,
    byte[] contentHash,
    String json,
    String channel,
    String outcome) {

  public SourceKey key() {
    return new SourceKey(siteId, resourceType, resourceId);
  }
}
