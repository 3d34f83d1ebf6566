package org.shockreg.registry.curated;

/**
 * Provenance of a curated fact: the source resource it came from (site, type, logical id, version)
 * and the raw-store row that holds it as received.
 */
public record SourceRef(
    String siteId, String resourceType, String resourceId, String versionId, Long rawId) {

  public SourceKey key() {
    return new SourceKey(siteId, resourceType, resourceId);
  }

  /** Identity of a source resource across its versions. */
  public record SourceKey(String siteId, String resourceType, String resourceId) {}
}
