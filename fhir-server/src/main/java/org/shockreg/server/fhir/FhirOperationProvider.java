package org.shockreg.server.fhir;

/**
 * A Spring bean holding HAPI {@code @Operation} methods that are not tied to one resource provider
 * (system-level operations such as {@code $export}); {@link FhirServerConfiguration} registers
 * every such bean as a plain provider of the RestfulServer.
 */
public interface FhirOperationProvider {}
