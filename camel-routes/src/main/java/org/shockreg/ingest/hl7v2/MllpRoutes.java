package org.shockreg.ingest.hl7v2;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mllp.MllpComponent;
import org.apache.camel.support.jsse.ClientAuthentication;
import org.apache.camel.support.jsse.KeyManagersParameters;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.SSLContextServerParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;

/**
 * The MLLP listener on {@code shockreg.mllp.port}: each frame's bytes (not decoded by Camel: the
 * registry decodes them by MSH-18) go to {@link MllpIntake}, whose ACK Camel sends back on the same
 * connection. Connections, frame size and timeouts come from {@link MllpProperties}.
 */
public class MllpRoutes extends RouteBuilder {

  static final String ROUTE_ID = "mllp-intake";
  static final String TLS_BEAN = "shockregMllpTls";

  private final MllpIntake intake;
  private final MllpProperties props;

  public MllpRoutes(MllpIntake intake, MllpProperties props) {
    this.intake = intake;
    this.props = props;
  }

  @Override
  public void configure() {
    // camel-mllp would log received bytes (names, MRNs) with its warnings: never
    getContext().getComponent("mllp", MllpComponent.class).setLogPhi(false);
    if (props.tls().enabled()) {
      getContext().getRegistry().bind(TLS_BEAN, tls(props.tls()));
    }
    long idle = props.idleTimeout().toMillis();
    String uri =
        "mllp://"
            + props.host()
            + ":"
            + props.port()
            // bytes as received: MSH-18 decides the charset, not Camel
            + "?stringPayload=false&hl7Headers=false&validatePayload=false&autoAck=true"
            + "&exchangePattern=InOut"
            + "&maxConcurrentConsumers="
            + props.maxConnections()
            + "&maxBufferSize="
            + props.maxMessageSize().toBytes()
            + "&receiveTimeout="
            + props.receiveTimeout().toMillis()
            + "&readTimeout="
            + props.readTimeout().toMillis()
            + (idle > 0 ? "&idleTimeout=" + idle : "")
            + (props.tls().enabled() ? "&sslContextParameters=#" + TLS_BEAN : "");
    from(uri)
        .routeId(ROUTE_ID)
        .process(
            exchange -> {
              byte[] frame = exchange.getMessage().getBody(byte[].class);
              MllpIntake.Result result = intake.receive(frame == null ? new byte[0] : frame);
              byte[] ack = result.bytes();
              // camel-mllp sends the acknowledgement found in this exchange property
              exchange.setProperty("CamelMllpAcknowledgement", ack);
              exchange.setProperty("CamelMllpAcknowledgementString", result.ack());
              exchange.setProperty("CamelMllpAcknowledgementType", result.code());
              exchange.getMessage().setBody(ack);
            });
  }

  private static SSLContextParameters tls(MllpProperties.Tls tls) {
    KeyManagersParameters keys = new KeyManagersParameters();
    keys.setKeyStore(store(tls.keyStore(), tls.keyStorePassword(), tls.keyStoreType()));
    keys.setKeyPassword(tls.keyStorePassword());
    SSLContextParameters ssl = new SSLContextParameters();
    ssl.setKeyManagers(keys);
    if (tls.trustStore() != null && !tls.trustStore().isBlank()) {
      TrustManagersParameters trust = new TrustManagersParameters();
      trust.setKeyStore(store(tls.trustStore(), tls.trustStorePassword(), tls.keyStoreType()));
      ssl.setTrustManagers(trust);
    }
    // mutual TLS: only senders with a trusted certificate may connect
    SSLContextServerParameters server = new SSLContextServerParameters();
    server.setClientAuthentication(
        ClientAuthentication.valueOf(tls.clientAuth().toUpperCase(java.util.Locale.ROOT)).name());
    ssl.setServerParameters(server);
    return ssl;
  }

  private static KeyStoreParameters store(String path, String password, String type) {
    KeyStoreParameters store = new KeyStoreParameters();
    store.setResource(path.startsWith("file:") ? path : "file:" + path);
    store.setPassword(password);
    store.setType(type);
    return store;
  }
}
