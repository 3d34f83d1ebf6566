package org.shockreg.registry.intake;

import java.time.Instant;
import org.shockreg.registry.curated.SourceRef.SourceKey;

/**
 * The newest stored version of a source resource: its raw row, the version's {@code meta.versionId}
 * and {@code meta.lastUpdated} (to tell whether an incoming version is older), and its content hash
 * (to tell whether it is unchanged).
 */
public record SourceHead(
    SourceKey key, long rawId, String versionId, Instant lastUpdated, byte[] contentHash) {}
