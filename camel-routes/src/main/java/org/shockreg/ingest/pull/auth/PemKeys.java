package org.shockreg.ingest.pull.auth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an unencrypted private key from a PEM file, with the JDK only: PKCS#8 ({@code PRIVATE KEY},
 * RSA or EC, what {@code openssl genpkey} writes), PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1
 * ({@code EC PRIVATE KEY}). The public half is derived from the private key, so one file is all a
 * source needs.
 */
final class PemKeys {

  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

  /** 1.2.840.113549.1.1.1 rsaEncryption, with its NULL parameters. */
  private static final byte[] RSA_ALGORITHM_ID =
      HexFormat.of().parseHex("300d06092a864886f70d0101010500");

  /** 1.2.840.10045.2.1 id-ecPublicKey. */
  private static final byte[] EC_PUBLIC_KEY_OID = HexFormat.of().parseHex("06072a8648ce3d0201");

  private PemKeys() {}

  /**
   * The key pair of the private key in {@code file}.
   *
   * @throws IllegalArgumentException with a message that says what is wrong with the file (never
   *     its content)
   */
  static KeyPair read(Path file) {
    String pem;
    try {
      pem = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new BadKeyFile(
          "cannot read private key file " + file + ": " + e.getClass().getSimpleName(), e);
    }
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      String label = m.group(1);
      String body = m.group(2);
      if (label.equals("ENCRYPTED PRIVATE KEY") || body.contains("Proc-Type: 4,ENCRYPTED")) {
        throw new BadKeyFile(
            "private key file "
                + file
                + " is encrypted; store it unencrypted with restricted file permissions"
                + " (openssl pkcs8 -topk8 -nocrypt -in encrypted.pem -out key.pem)");
      }
      if (!label.endsWith("PRIVATE KEY")) {
        continue; // e.g. the EC PARAMETERS block openssl ecparam writes first
      }
      byte[] der;
      try {
        der = Base64.getMimeDecoder().decode(body.trim());
      } catch (IllegalArgumentException e) {
        throw new BadKeyFile(
            "private key file " + file + ": the " + label + " block is not valid base64", e);
      }
      try {
        return switch (label) {
          case "PRIVATE KEY" -> pkcs8(der, file);
          case "RSA PRIVATE KEY" ->
              rsa(sequence(cat(integerZero(), RSA_ALGORITHM_ID, tlv(0x04, der))));
          case "EC PRIVATE KEY" -> ec(sec1ToPkcs8(der, file));
          default ->
              throw new BadKeyFile("private key file " + file + ": unsupported PEM block " + label);
        };
      } catch (BadKeyFile e) {
        throw e;
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new BadKeyFile(
            "private key file "
                + file
                + ": cannot decode the "
                + label
                + " block ("
                + e.getClass().getSimpleName()
                + ")",
            e);
      }
    }
    throw new BadKeyFile(
        "private key file "
            + file
            + " holds no PEM private key (expected -----BEGIN PRIVATE KEY-----, PKCS#8)");
  }

  private static KeyPair pkcs8(byte[] der, Path file) throws GeneralSecurityException {
    try {
      return rsa(der);
    } catch (GeneralSecurityException | ClassCastException rsaFailed) {
      try {
        return ec(der);
      } catch (GeneralSecurityException | ClassCastException ecFailed) {
        throw new BadKeyFile(
            "private key file " + file + ": the PKCS#8 key is neither RSA nor EC", ecFailed);
      }
    }
  }

  private static KeyPair rsa(byte[] pkcs8) throws GeneralSecurityException {
    KeyFactory kf = KeyFactory.getInstance("RSA");
    PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    if (!(priv instanceof RSAPrivateCrtKey crt)) {
      throw new java.security.spec.InvalidKeySpecException("RSA key without CRT parameters");
    }
    PublicKey pub =
        kf.generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
    return new KeyPair(pub, priv);
  }

  private static KeyPair ec(byte[] pkcs8) throws GeneralSecurityException {
    KeyFactory kf = KeyFactory.getInstance("EC");
    ECPrivateKey priv = (ECPrivateKey) kf.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    ECParameterSpec params = priv.getParams();
    ECPoint q = multiply(params.getGenerator(), priv.getS(), params);
    PublicKey pub = kf.generatePublic(new ECPublicKeySpec(q, params));
    return new KeyPair(pub, priv);
  }

  /** SEC1 ECPrivateKey -> PKCS#8, taking the curve OID from the SEC1 [0] parameters. */
  private static byte[] sec1ToPkcs8(byte[] sec1, Path file) {
    Der outer = new Der(sec1, 0);
    if (outer.tag != 0x30) {
      throw new BadKeyFile("private key file " + file + ": EC key is not a SEQUENCE");
    }
    int pos = outer.contentStart;
    byte[] curveOid = null;
    while (pos < outer.end) {
      Der el = new Der(sec1, pos);
      if (el.tag == 0xa0) {
        Der oid = new Der(sec1, el.contentStart);
        if (oid.tag == 0x06) {
          curveOid = Arrays.copyOfRange(sec1, el.contentStart, oid.end);
        }
      }
      pos = el.end;
    }
    if (curveOid == null) {
      throw new BadKeyFile(
          "private key file "
              + file
              + ": EC key without curve parameters; convert it to PKCS#8"
              + " (openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem)");
    }
    byte[] algorithm = sequence(cat(EC_PUBLIC_KEY_OID, curveOid));
    return sequence(cat(integerZero(), algorithm, tlv(0x04, sec1)));
  }

  /** d·G on a prime curve, affine double-and-add (runs once per key at start, not secret-timed). */
  static ECPoint multiply(ECPoint g, BigInteger d, ECParameterSpec params) {
    BigInteger p = ((ECFieldFp) params.getCurve().getField()).getP();
    BigInteger a = params.getCurve().getA();
    ECPoint result = ECPoint.POINT_INFINITY;
    ECPoint addend = g;
    for (int i = 0; i < d.bitLength(); i++) {
      if (d.testBit(i)) {
        result = add(result, addend, p, a);
      }
      addend = add(addend, addend, p, a);
    }
    return result;
  }

  private static ECPoint add(ECPoint r, ECPoint s, BigInteger p, BigInteger a) {
    if (r.equals(ECPoint.POINT_INFINITY)) {
      return s;
    }
    if (s.equals(ECPoint.POINT_INFINITY)) {
      return r;
    }
    BigInteger x1 = r.getAffineX();
    BigInteger y1 = r.getAffineY();
    BigInteger x2 = s.getAffineX();
    BigInteger y2 = s.getAffineY();
    BigInteger lambda;
    if (x1.equals(x2)) {
      if (!y1.equals(y2) || y1.signum() == 0) {
        return ECPoint.POINT_INFINITY;
      }
      BigInteger num = x1.pow(2).multiply(BigInteger.valueOf(3)).add(a);
      lambda = num.multiply(y1.shiftLeft(1).modInverse(p)).mod(p);
    } else {
      lambda = y2.subtract(y1).multiply(x2.subtract(x1).modInverse(p)).mod(p);
    }
    BigInteger x3 = lambda.pow(2).subtract(x1).subtract(x2).mod(p);
    BigInteger y3 = lambda.multiply(x1.subtract(x3)).subtract(y1).mod(p);
    return new ECPoint(x3, y3);
  }

  // --- minimal DER ---

  private static byte[] integerZero() {
    return new byte[] {0x02, 0x01, 0x00};
  }

  private static byte[] sequence(byte[] content) {
    return tlv(0x30, content);
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
    out.write(tag);
    int len = content.length;
    if (len < 0x80) {
      out.write(len);
    } else {
      byte[] l = BigInteger.valueOf(len).toByteArray();
      int skip = l[0] == 0 ? 1 : 0;
      out.write(0x80 | (l.length - skip));
      out.write(l, skip, l.length - skip);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] cat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  /** One DER element header at an offset. */
  private static final class Der {
    final int tag;
    final int contentStart;
    final int end;

    Der(byte[] b, int offset) {
      if (offset + 2 > b.length) {
        throw new IllegalArgumentException("truncated DER");
      }
      tag = b[offset] & 0xff;
      int first = b[offset + 1] & 0xff;
      int pos = offset + 2;
      int len;
      if (first < 0x80) {
        len = first;
      } else {
        int n = first & 0x7f;
        if (n == 0 || n > 3 || pos + n > b.length) {
          throw new IllegalArgumentException("bad DER length");
        }
        len = 0;
        for (int i = 0; i < n; i++) {
          len = (len << 8) | (b[pos++] & 0xff);
        }
      }
      contentStart = pos;
      end = pos + len;
      if (end > b.length) {
        throw new IllegalArgumentException("truncated DER");
      }
    }
  }

  /** A message about the key file that is ready for the operator (names the file, not the key). */
  private static final class BadKeyFile extends IllegalArgumentException {
    BadKeyFile(String message) {
      super(message);
    }

    BadKeyFile(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
