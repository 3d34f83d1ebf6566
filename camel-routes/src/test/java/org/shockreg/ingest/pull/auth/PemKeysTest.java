package org.shockreg.ingest.pull.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OutputEncryptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEM private keys in the formats key tools write, from keys generated here: PKCS#8 (RSA, EC),
 * PKCS#1 and SEC1 as openssl writes them (with the public key and curve), and the minimal forms
 * without the public half (derived then); each read back to the same key pair, checked by a
 * signature.
 */
class PemKeysTest {

  @TempDir Path dir;

  static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  static KeyPair ec(String curve) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec(curve));
    return g.generateKeyPair();
  }

  Path write(String name, Object pemObject) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(pemObject);
    }
    Path file = dir.resolve(name);
    Files.writeString(file, out.toString(), StandardCharsets.US_ASCII);
    return file;
  }

  static void assertSamePair(KeyPair expected, KeyPair read, String algorithm) throws Exception {
    if (expected.getPrivate() instanceof java.security.interfaces.ECPrivateKey e) {
      assertThat(((java.security.interfaces.ECPrivateKey) read.getPrivate()).getS())
          .isEqualTo(e.getS());
    } else {
      assertThat(read.getPrivate().getEncoded()).isEqualTo(expected.getPrivate().getEncoded());
    }
    assertThat(read.getPublic().getEncoded()).isEqualTo(expected.getPublic().getEncoded());
    Signature s = Signature.getInstance(algorithm);
    s.initSign(read.getPrivate());
    s.update("client assertion".getBytes(StandardCharsets.UTF_8));
    byte[] sig = s.sign();
    Signature v = Signature.getInstance(algorithm);
    v.initVerify(expected.getPublic());
    v.update("client assertion".getBytes(StandardCharsets.UTF_8));
    assertThat(v.verify(sig)).isTrue();
  }

  @Test
  void rsa_pkcs8_and_pkcs1() throws Exception {
    KeyPair k = rsa();
    Path pkcs8 = write("rsa8.pem", new JcaPKCS8Generator(k.getPrivate(), null));
    assertThat(Files.readString(pkcs8)).startsWith("-----BEGIN PRIVATE KEY-----");
    assertSamePair(k, PemKeys.read(pkcs8), "SHA384withRSA");
    Path pkcs1 = write("rsa1.pem", k); // traditional: RSA PRIVATE KEY
    assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    assertSamePair(k, PemKeys.read(pkcs1), "SHA384withRSA");
  }

  @Test
  void ec_pkcs8_and_sec1_onP384AndP256() throws Exception {
    for (String curve : new String[] {"secp384r1", "secp256r1"}) {
      KeyPair k = ec(curve);
      Path pkcs8 = write(curve + "-8.pem", new JcaPKCS8Generator(k.getPrivate(), null));
      assertSamePair(k, PemKeys.read(pkcs8), "SHA384withECDSA");
      Path sec1 = dir.resolve(curve + "-sec1.pem"); // EC PRIVATE KEY with curve and public key
      Files.writeString(sec1, sec1(k));
      assertThat(Files.readString(sec1)).contains("-----BEGIN EC PRIVATE KEY-----");
      assertSamePair(k, PemKeys.read(sec1), "SHA384withECDSA");
    }
  }

  /**
   * SEC1 as {@code openssl ecparam -genkey} writes it: the curve block, then d with the curve in
   * [0] and the public key in [1].
   */
  static String sec1(KeyPair k) throws IOException {
    java.security.interfaces.ECPrivateKey priv =
        (java.security.interfaces.ECPrivateKey) k.getPrivate();
    org.bouncycastle.asn1.x509.SubjectPublicKeyInfo spki =
        org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(k.getPublic().getEncoded());
    org.bouncycastle.asn1.ASN1Primitive curve =
        spki.getAlgorithm().getParameters().toASN1Primitive();
    org.bouncycastle.asn1.sec.ECPrivateKey sec1 =
        new org.bouncycastle.asn1.sec.ECPrivateKey(
            priv.getParams().getOrder().bitLength(), priv.getS(), spki.getPublicKeyData(), curve);
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(
          new org.bouncycastle.util.io.pem.PemObject("EC PARAMETERS", curve.getEncoded()));
      w.writeObject(
          new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1.getEncoded()));
    }
    return out.toString();
  }

  @Test
  void ecWithoutThePublicHalf_isDerived() throws Exception {
    // the JDK's PKCS#8 encoding of an EC key carries no public key; the SEC1 form here neither
    var jwk = TestKeys.ec(com.nimbusds.jose.jwk.Curve.P_384);
    KeyPair k = jwk.toKeyPair();
    assertSamePair(k, PemKeys.read(TestKeys.writePkcs8(dir, "bare8.pem", jwk)), "SHA384withECDSA");
    assertSamePair(
        k,
        PemKeys.read(TestKeys.writeSec1(dir, "bare-sec1.pem", jwk, TestKeys.P384_OID)),
        "SHA384withECDSA");
  }

  @Test
  void encryptedKeys_areRefusedWithHowToDecrypt() throws Exception {
    KeyPair k = rsa();
    OutputEncryptor enc =
        new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
            .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
            .setPassword("secret".toCharArray())
            .build();
    Path encrypted = write("enc.pem", new JcaPKCS8Generator(k.getPrivate(), enc));
    assertThatThrownBy(() -> PemKeys.read(encrypted))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is encrypted")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void aPublicKeyOrNothing_isNotAPrivateKey() throws Exception {
    KeyPair k = rsa();
    Path pub = write("pub.pem", k.getPublic());
    assertThatThrownBy(() -> PemKeys.read(pub)).hasMessageContaining("holds no PEM private key");
    Path empty = dir.resolve("empty.pem");
    Files.writeString(empty, "");
    assertThatThrownBy(() -> PemKeys.read(empty)).hasMessageContaining("holds no PEM private key");
  }
}
