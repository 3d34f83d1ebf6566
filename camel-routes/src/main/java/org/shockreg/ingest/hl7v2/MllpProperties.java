package org.shockreg.ingest.hl7v2;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The HL7 v2 listener (docs/hl7v2.md).
 *
 * @param port TCP port of the MLLP listener; -1 disables it
 * @param host address to bind (default all)
 * @param facilities sending facility (MSH-4 namespace id) -> source id
 * @param autoRegister whether an unknown facility becomes a source (MSH-4 lower case, other
 *     characters as '-') instead of being answered AR
 * @param identifierSystems per source id: PID-3 assigning authority (CX-4 namespace id) ->
 *     identifier system URI, so that an HL7 patient gets the pseudonym of the FHIR Patient with the
 *     same identifier
 * @param maxConnections concurrent connections (one more is reset at once)
 * @param maxMessageSize the largest frame accepted
 * @param idleTimeout an idle connection is closed after this (0: never)
 * @param receiveTimeout how long to wait for the start of a frame before checking the connection
 * @param readTimeout how long a started frame may pause before it is dropped
 * @param defaultCharset charset of messages without MSH-18 (UTF-8 falls back to 8859/1 when the
 *     bytes are not UTF-8)
 * @param tls TLS for the listener
 */
@ConfigurationProperties("shockreg.mllp")
public record MllpProperties(
    @DefaultValue("2575") int port,
    @DefaultValue("0.0.0.0") String host,
    Map<String, String> facilities,
    @DefaultValue("false") boolean autoRegister,
    Map<String, Map<String, String>> identifierSystems,
    @DefaultValue("20") int maxConnections,
    @DefaultValue("10MB") DataSize maxMessageSize,
    @DefaultValue("10m") Duration idleTimeout,
    @DefaultValue("15s") Duration receiveTimeout,
    @DefaultValue("5s") Duration readTimeout,
    @DefaultValue("UTF-8") String defaultCharset,
    Tls tls) {

  public MllpProperties {
    facilities = facilities == null ? Map.of() : Map.copyOf(facilities);
    identifierSystems = identifierSystems == null ? Map.of() : Map.copyOf(identifierSystems);
    tls = tls == null ? new Tls(false, null, null, "PKCS12", null, null, "NONE") : tls;
  }

  /**
   * TLS on the listener (MLLP over TLS): a key store with the server's key and certificate.
   *
   * @param enabled whether the listener speaks TLS
   * @param keyStore path of the key store
   * @param keyStorePassword its password
   * @param keyStoreType PKCS12 or JKS (also of the trust store)
   * @param trustStore certificates of senders (or their CA) that may connect, for client-auth
   * @param trustStorePassword its password
   * @param clientAuth NONE, WANT or REQUIRE a sender certificate (mutual TLS)
   */
  public record Tls(
      @DefaultValue("false") boolean enabled,
      String keyStore,
      String keyStorePassword,
      @DefaultValue("PKCS12") String keyStoreType,
      String trustStore,
      String trustStorePassword,
      @DefaultValue("NONE") String clientAuth) {}
}
