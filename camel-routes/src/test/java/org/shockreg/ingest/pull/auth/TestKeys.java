package org.shockreg.ingest.pull.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/** Keys generated in the test, written as PEM files the way openssl writes them. */
final class TestKeys {

  /** The DER OID of secp384r1 (P-384): 1.3.132.0.34. */
  static final String P384_OID = "06052b81040022";

  private TestKeys() {}

  static RSAKey rsa() {
    try {
      return new RSAKeyGenerator(2048).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static ECKey ec(Curve curve) {
    try {
      return new ECKeyGenerator(curve).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** PKCS#8 {@code PRIVATE KEY}, what {@code openssl genpkey} writes. */
  static Path writePkcs8(Path dir, String name, RSAKey key) {
    try {
      return write(dir, name, "PRIVATE KEY", key.toPrivateKey().getEncoded());
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static Path writePkcs8(Path dir, String name, ECKey key) {
    try {
      return write(dir, name, "PRIVATE KEY", key.toPrivateKey().getEncoded());
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** PKCS#1 {@code RSA PRIVATE KEY}, what {@code openssl genrsa} (1.x) writes. */
  static Path writePkcs1(Path dir, String name, RSAKey key) {
    try {
      return write(dir, name, "RSA PRIVATE KEY", innerKey(key.toPrivateKey().getEncoded()));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * SEC1 {@code EC PRIVATE KEY} with the curve in {@code [0]}, after an {@code EC PARAMETERS}
   * block, what {@code openssl ecparam -genkey} writes.
   */
  static Path writeSec1(Path dir, String name, ECKey key, String curveOidHex) {
    try {
      byte[] d = key.toECPrivateKey().getS().toByteArray();
      int size = 48;
      byte[] fixed = new byte[size];
      int from = Math.max(0, d.length - size);
      System.arraycopy(d, from, fixed, size - (d.length - from), d.length - from);
      byte[] oid = HexFormat.of().parseHex(curveOidHex);
      byte[] sec1 = tlv(0x30, cat(new byte[] {2, 1, 1}, tlv(0x04, fixed), tlv(0xa0, oid)));
      String pem = block("EC PARAMETERS", oid) + block("EC PRIVATE KEY", sec1);
      Path file = dir.resolve(name);
      Files.writeString(file, pem, StandardCharsets.US_ASCII);
      return ownerOnly(file);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path write(Path dir, String name, String label, byte[] der) {
    try {
      Path file = dir.resolve(name);
      Files.writeString(file, block(label, der), StandardCharsets.US_ASCII);
      return ownerOnly(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** chmod 600, as a real key file should be. */
  private static Path ownerOnly(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not POSIX
    }
    return file;
  }

  static String block(String label, byte[] der) {
    String b64 =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + b64 + "\n-----END " + label + "-----\n";
  }

  /** The OCTET STRING content of a PKCS#8 PrivateKeyInfo: the algorithm-specific key. */
  static byte[] innerKey(byte[] pkcs8) {
    int[] outer = header(pkcs8, 0);
    int pos = outer[0];
    int[] version = header(pkcs8, pos);
    pos = version[0] + version[1];
    int[] alg = header(pkcs8, pos);
    pos = alg[0] + alg[1];
    int[] octets = header(pkcs8, pos);
    return Arrays.copyOfRange(pkcs8, octets[0], octets[0] + octets[1]);
  }

  /** {content start, content length} of the DER element at pos. */
  private static int[] header(byte[] b, int pos) {
    int first = b[pos + 1] & 0xff;
    if (first < 0x80) {
      return new int[] {pos + 2, first};
    }
    int n = first & 0x7f;
    int len = 0;
    for (int i = 0; i < n; i++) {
      len = (len << 8) | (b[pos + 2 + i] & 0xff);
    }
    return new int[] {pos + 2 + n, len};
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    if (content.length < 0x80) {
      out.write(content.length);
    } else {
      byte[] l = BigInteger.valueOf(content.length).toByteArray();
      int skip = l[0] == 0 ? 1 : 0;
      out.write(0x80 | (l.length - skip));
      out.write(l, skip, l.length - skip);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] cat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
