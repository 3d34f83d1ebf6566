package org.shockreg.registry.search;

import java.util.Map;

/**
 * A search as it was asked, as {@code fhir_search} holds it: its resource type, the operation
 * ({@code $everything}) and instance if any, the request parameters, and who asked.
 */
public record AskedSearch(
    String resourceType,
    String operation,
    String instanceId,
    Map<String, String[]> parameters,
    String principal) {}
