package org.shockreg.server.fhir;

/**
 * A Spring bean holding HAPI {@code @Hook} methods (or a HAPI interceptor subclass); {@link
 * FhirServerConfiguration} registers every such bean with the RestfulServer.
 */
public interface FhirServerInterceptor {}
