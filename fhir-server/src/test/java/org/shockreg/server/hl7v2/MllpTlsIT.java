package org.shockreg.server.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** MLLP over TLS ({@code shockreg.mllp.tls.*}): a key store made by keytool, a TLS client. */
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
      Process p = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "mllp",
              "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost", "-storetype", "PKCS12",
              "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
          .redirectErrorStream(true).start();
      p.getInputStream().transferTo(OutputStream.nullOutputStream());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("keytool failed");
      }
      return store;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aTlsClientGetsItsAck() throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {new TrustTheTestCertificate()}, null);
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost", MLLP_PORT)) {
      socket.setSoTimeout(30_000);
      String message =
          "MSH|^~\\&|LIS|TLSLAB|SR|REG|20250601100000||ORU^R01|TLS-1|P|2.5.1\r"
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
      while ((b = in.read()) >= 0 && b != 0x1c) {
        if (b != 0x0b) {
          ack.write(b);
        }
      }
      assertThat(MllpClient.field(ack.toString(StandardCharsets.UTF_8), "MSA", 1)).isEqualTo("AA");
      assertThat(socket.getSession().getProtocol()).startsWith("TLS");
    }
  }

  /** The test's self-signed certificate (a real sender would trust the server's CA). */
  static final class TrustTheTestCertificate implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      if (chain.length == 0 || !chain[0].getSubjectX500Principal().getName().equals("CN=localhost")) {
        throw new IllegalArgumentException("not the test certificate");
      }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
