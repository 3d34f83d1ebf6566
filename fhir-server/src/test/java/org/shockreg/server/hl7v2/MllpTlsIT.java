package org.shockreg.server.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * MLLP over mutual TLS ({@code shockreg.mllp.tls.*}): key stores made by keytool; a sender with a
 * trusted certificate gets its ACK, one without a certificate is refused in the handshake.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class MllpTlsIT {

  static final int MLLP_PORT = freePort();
  static final Path KEY_STORE = keyStore();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.register(registry);
    registry.add("shockreg.data-dir", () -> KEY_STORE.resolveSibling("data").toString());
    registry.add("shockreg.inbox.enabled", () -> "false");
    registry.add("shockreg.mllp.port", () -> Integer.toString(MLLP_PORT));
    registry.add("shockreg.mllp.host", () -> "127.0.0.1");
    registry.add("shockreg.mllp.facilities.TLSLAB", () -> "mllp-tls");
    registry.add("shockreg.mllp.tls.enabled", () -> "true");
    registry.add("shockreg.mllp.tls.key-store", KEY_STORE::toString);
    registry.add("shockreg.mllp.tls.key-store-password", () -> "changeit");
    registry.add(
        "shockreg.mllp.tls.trust-store", () -> KEY_STORE.resolveSibling("senders.p12").toString());
    registry.add("shockreg.mllp.tls.trust-store-password", () -> "changeit");
    registry.add("shockreg.mllp.tls.client-auth", () -> "REQUIRE");
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Path keyStore() {
    try {
      Path target = Path.of("target").toAbsolutePath();
      Files.createDirectories(target);
      Path dir = Files.createTempDirectory(target, "it-mllp-tls-");
      Path store = dir.resolve("mllp.p12");
      keytool(
          "-genkeypair",
          "-alias",
          "mllp",
          "-keyalg",
          "RSA",
          "-keysize",
          "2048",
          "-validity",
          "2",
          "-dname",
          "CN=localhost",
          "-storetype",
          "PKCS12",
          "-keystore",
          store.toString(),
          "-storepass",
          "changeit",
          "-keypass",
          "changeit");
      // the sender's key, and its certificate in the store of senders the listener trusts
      keytool(
          "-genkeypair",
          "-alias",
          "sender",
          "-keyalg",
          "RSA",
          "-keysize",
          "2048",
          "-validity",
          "2",
          "-dname",
          "CN=interface-engine",
          "-storetype",
          "PKCS12",
          "-keystore",
          dir.resolve("sender.p12").toString(),
          "-storepass",
          "changeit",
          "-keypass",
          "changeit");
      keytool(
          "-exportcert",
          "-alias",
          "sender",
          "-keystore",
          dir.resolve("sender.p12").toString(),
          "-storepass",
          "changeit",
          "-file",
          dir.resolve("sender.cer").toString());
      keytool(
          "-importcert",
          "-noprompt",
          "-alias",
          "sender",
          "-file",
          dir.resolve("sender.cer").toString(),
          "-storetype",
          "PKCS12",
          "-keystore",
          dir.resolve("senders.p12").toString(),
          "-storepass",
          "changeit");
      return store;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().transferTo(OutputStream.nullOutputStream());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool " + args[0] + " failed");
    }
  }

  @Test
  void aSenderWithoutACertificateIsRefused() throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {new TrustTheTestCertificate()}, null);
    try (SSLSocket socket =
        (SSLSocket) tls.getSocketFactory().createSocket("localhost", MLLP_PORT)) {
      socket.setSoTimeout(30_000);
      // the same message a trusted sender gets AA for: here the handshake fails, nothing is
      // answered
      assertThatThrownBy(() -> sendAndReadAck(socket, "TLS-0")).isInstanceOf(IOException.class);
    }
  }

  @Test
  void aTlsClientGetsItsAck() throws Exception {
    KeyStore senderKeys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(KEY_STORE.resolveSibling("sender.p12"))) {
      senderKeys.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(senderKeys, "changeit".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keys.getKeyManagers(), new TrustManager[] {new TrustTheTestCertificate()}, null);
    try (SSLSocket socket =
        (SSLSocket) tls.getSocketFactory().createSocket("localhost", MLLP_PORT)) {
      socket.setSoTimeout(30_000);
      assertThat(MllpClient.field(sendAndReadAck(socket, "TLS-1"), "MSA", 1)).isEqualTo("AA");
      assertThat(socket.getSession().getProtocol()).startsWith("TLS");
    }
  }

  static String sendAndReadAck(SSLSocket socket, String controlId) throws IOException {
    String message =
        "MSH|^~\\&|LIS|TLSLAB|SR|REG|20250601100000||ORU^R01|"
            + controlId
            + "|P|2.5.1\r"
            + "PID|1||TLS-1^^^HOSP^MR\r"
            + "OBX|1|NM|8867-4^Heart rate^LN||90|/min|||||F|||20250601100000\r";
    OutputStream out = socket.getOutputStream();
    out.write(0x0b);
    out.write(message.getBytes(StandardCharsets.UTF_8));
    out.write(new byte[] {0x1c, 0x0d});
    out.flush();
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream ack = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != 0x1c) {
      if (b < 0) {
        throw new IOException("closed without an ACK");
      }
      if (b != 0x0b) {
        ack.write(b);
      }
    }
    return ack.toString(StandardCharsets.UTF_8);
  }

  /** The test's self-signed certificate (a real sender would trust the server's CA). */
  static final class TrustTheTestCertificate implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      if (chain.length == 0
          || !chain[0].getSubjectX500Principal().getName().equals("CN=localhost")) {
        throw new IllegalArgumentException("not the test certificate");
      }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
