package org.shockreg.registry.intake;

import org.shockreg.registry.curated.SourceRef.SourceKey;

/** The latest stored version of a source resource. */
public record SourceHead(SourceKey key, long rawId, String versionId, byte[] contentHash) {}
