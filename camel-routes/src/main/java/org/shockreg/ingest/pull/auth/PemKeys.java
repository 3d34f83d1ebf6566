package org.shockreg.ingest.pull.auth;

import java.io.IOException;
import java.io.StringReader;
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
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads an unencrypted private key from a PEM file with BouncyCastle's {@link PEMParser}: PKCS#8
 * ({@code PRIVATE KEY}, RSA or EC, what {@code openssl genpkey} writes), PKCS#1 ({@code RSA PRIVATE
 * KEY}) and SEC1 ({@code EC PRIVATE KEY}, after an optional {@code EC PARAMETERS} block). The
 * public half comes from the file when it holds it, else it is derived from the private key (RSA:
 * modulus and exponent; EC: d·G with BouncyCastle's curve arithmetic), so one file is all a source
 * needs.
 */
final class PemKeys {

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
    if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || pem.contains("Proc-Type: 4,ENCRYPTED")) {
      throw encrypted(file);
    }
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
          throw encrypted(file);
        }
        if (o instanceof PEMKeyPair pair) { // PKCS#1 or SEC1
          return withPublic(
              converter.getPrivateKey(pair.getPrivateKeyInfo()),
              pair.getPublicKeyInfo() == null
                  ? null
                  : converter.getPublicKey(pair.getPublicKeyInfo()));
        }
        if (o instanceof PrivateKeyInfo info) { // PKCS#8
          return withPublic(converter.getPrivateKey(info), null);
        }
        // anything else (EC PARAMETERS, a certificate, a public key) is not the private key
      }
    } catch (BadKeyFile e) {
      throw e;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new BadKeyFile(
          "private key file "
              + file
              + ": cannot decode the private key ("
              + e.getClass().getSimpleName()
              + ")",
          e);
    }
    throw new BadKeyFile(
        "private key file "
            + file
            + " holds no PEM private key (expected -----BEGIN PRIVATE KEY-----, PKCS#8)");
  }

  private static BadKeyFile encrypted(Path file) {
    return new BadKeyFile(
        "private key file "
            + file
            + " is encrypted; store it unencrypted with restricted file permissions"
            + " (openssl pkcs8 -topk8 -nocrypt -in encrypted.pem -out key.pem)");
  }

  private static KeyPair withPublic(PrivateKey key, PublicKey known)
      throws GeneralSecurityException {
    if (known != null) {
      return new KeyPair(known, key);
    }
    if (key instanceof RSAPrivateCrtKey rsa) {
      PublicKey pub =
          KeyFactory.getInstance("RSA")
              .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
      return new KeyPair(pub, key);
    }
    if (key instanceof ECPrivateKey ec) {
      return new KeyPair(ecPublic(ec), key);
    }
    throw new GeneralSecurityException(
        "neither an RSA key with CRT parameters nor an EC key: " + key.getAlgorithm());
  }

  /** Q = d·G on the key's curve, by BouncyCastle. */
  private static PublicKey ecPublic(ECPrivateKey key) throws GeneralSecurityException {
    org.bouncycastle.jce.spec.ECParameterSpec curve = EC5Util.convertSpec(key.getParams());
    BigInteger d = key.getS();
    ECPoint q = new FixedPointCombMultiplier().multiply(curve.getG(), d).normalize();
    return KeyFactory.getInstance("EC")
        .generatePublic(new ECPublicKeySpec(EC5Util.convertPoint(q), key.getParams()));
  }

  private static final class BadKeyFile extends IllegalArgumentException {
    BadKeyFile(String message) {
      super(message);
    }

    BadKeyFile(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
