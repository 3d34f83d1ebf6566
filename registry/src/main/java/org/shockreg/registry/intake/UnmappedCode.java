package org.shockreg.registry.intake;

/** A code that no mapping rule knows, seen in a source resource of a site. */
public record UnmappedCode(
    String siteId, String resourceType, String system, String code, String display) {}
