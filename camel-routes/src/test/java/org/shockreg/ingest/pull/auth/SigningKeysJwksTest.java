package org.shockreg.ingest.pull.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.shockreg.ingest.pull.PullSourcesProperties;
import org.shockreg.ingest.pull.PullSourcesProperties.Auth;
import org.shockreg.ingest.pull.PullSourcesProperties.PullSource;

class SigningKeysJwksTest {

  @TempDir static Path dir;
  static RSAKey rsa;
  static ECKey ec;

  @BeforeAll
  static void keys() {
    rsa = TestKeys.rsa();
    ec = TestKeys.ec(Curve.P_384);
  }

  static Auth smart(Path key, String kid, String alg) {
    return new Auth(
        "smart-backend", null, null, null, "client", key, kid, alg, "https://x/token", null);
  }

  @Test
  void rsaPkcs8_loadsWithThumbprintKidRs384AndSigUse() throws Exception {
    JWK key = SigningKeys.load("ehr-a", smart(TestKeys.writePkcs8(dir, "a.pem", rsa), null, null));

    assertThat(key).isInstanceOf(RSAKey.class);
    assertThat(key.isPrivate()).isTrue();
    assertThat(key.getKeyID()).isEqualTo(rsa.computeThumbprint().toString());
    assertThat(key.getAlgorithm()).isEqualTo(JWSAlgorithm.RS384);
    assertThat(key.getKeyUse()).isEqualTo(KeyUse.SIGNATURE);
    assertThat(((RSAKey) key).toRSAPublicKey()).isEqualTo(rsa.toRSAPublicKey());
  }

  @Test
  void rsaPkcs1_loadsToTheSameKey() throws Exception {
    JWK key =
        SigningKeys.load("ehr-a", smart(TestKeys.writePkcs1(dir, "p1.pem", rsa), null, "rs384"));

    assertThat(((RSAKey) key).toRSAPublicKey()).isEqualTo(rsa.toRSAPublicKey());
    assertThat(key.getKeyID()).isEqualTo(rsa.computeThumbprint().toString());
  }

  @Test
  void ecPkcs8_derivesThePublicPoint_andDefaultsToEs384() throws Exception {
    JWK key = SigningKeys.load("ehr-a", smart(TestKeys.writePkcs8(dir, "ec.pem", ec), null, null));

    ECKey loaded = (ECKey) key;
    assertThat(loaded.getCurve()).isEqualTo(Curve.P_384);
    assertThat(loaded.getX()).isEqualTo(ec.getX());
    assertThat(loaded.getY()).isEqualTo(ec.getY());
    assertThat(key.getAlgorithm()).isEqualTo(JWSAlgorithm.ES384);
    assertThat(key.getKeyID()).isEqualTo(ec.computeThumbprint().toString());
    JWSObject signed = new JWSObject(new JWSHeader(JWSAlgorithm.ES384), new Payload("probe"));
    signed.sign(new ECDSASigner(loaded));
    assertThat(signed.verify(new ECDSAVerifier(ec.toPublicJWK()))).isTrue();
  }

  @Test
  void ecSec1_afterAnEcParametersBlock_loads() throws Exception {
    Path pem = TestKeys.writeSec1(dir, "sec1.pem", ec, TestKeys.P384_OID);

    ECKey loaded = (ECKey) SigningKeys.load("ehr-a", smart(pem, "k1", "ES384"));

    assertThat(loaded.getX()).isEqualTo(ec.getX());
    assertThat(loaded.getY()).isEqualTo(ec.getY());
    assertThat(loaded.getKeyID()).isEqualTo("k1");
  }

  @Test
  void keyThatDoesNotFitTheAlgorithm_isRefusedNamingTheProperty() {
    Path rsaPem = TestKeys.writePkcs8(dir, "r.pem", rsa);
    Path p256 = TestKeys.writePkcs8(dir, "p256.pem", TestKeys.ec(Curve.P_256));

    assertThatThrownBy(() -> SigningKeys.load("ehr-a", smart(rsaPem, null, "ES384")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shockreg.sources.ehr-a.auth.private-key is an RSA key")
        .hasMessageContaining("ES384 needs an EC P-384 key");
    assertThatThrownBy(() -> SigningKeys.load("ehr-a", smart(p256, null, null)))
        .hasMessageContaining("ES384 needs curve P-384");
    assertThatThrownBy(() -> SigningKeys.load("ehr-a", smart(rsaPem, null, "RS256")))
        .hasMessageContaining("shockreg.sources.ehr-a.auth.algorithm must be RS384 or ES384");
  }

  @Test
  void missingUnreadableEncryptedOrGarbageKeys_areRefusedClearly() throws Exception {
    assertThatThrownBy(() -> SigningKeys.load("ehr-a", smart(null, null, null)))
        .hasMessage("shockreg.sources.ehr-a.auth.private-key is required for smart-backend");
    assertThatThrownBy(() -> SigningKeys.load("ehr-a", smart(dir.resolve("nope.pem"), null, null)))
        .hasMessageContaining("shockreg.sources.ehr-a.auth.private-key")
        .hasMessageContaining("is not a readable file");
    Path encrypted =
        TestKeys.write(dir, "enc.pem", "ENCRYPTED PRIVATE KEY", new byte[] {0x30, 0x00});
    assertThatThrownBy(() -> SigningKeys.load("ehr-a", smart(encrypted, null, null)))
        .hasMessageContaining("is encrypted");
    Path garbage = dir.resolve("garbage.pem");
    Files.writeString(garbage, "not a key", StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> SigningKeys.load("ehr-a", smart(garbage, null, null)))
        .hasMessageContaining("holds no PEM private key");
    Path broken =
        TestKeys.write(dir, "broken.pem", "PRIVATE KEY", new byte[] {0x30, 0x03, 1, 2, 3});
    assertThatThrownBy(() -> SigningKeys.load("ehr-a", smart(broken, null, null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shockreg.sources.ehr-a.auth.private-key");
  }

  @Test
  void publicKeys_listEverySmartBackendSource_withoutPrivateParts() throws Exception {
    Path rsaPem = TestKeys.writePkcs8(dir, "pub-r.pem", rsa);
    Path ecPem = TestKeys.writePkcs8(dir, "pub-e.pem", ec);
    PullSourcesProperties props =
        new PullSourcesProperties(
            Map.of(
                "ehr-a", source(true, smart(rsaPem, "ehr-a-2026", null)),
                "ehr-b", source(false, smart(ecPem, null, null)),
                "ehr-c", source(true, smart(rsaPem, "ehr-a-2026", null)), // same key, listed once
                "hapi",
                    source(
                        true,
                        new Auth("bearer", null, null, "t", null, null, null, null, null, null)),
                "open", source(true, null)));

    JWKSet set = SigningKeys.publicKeys(props);

    assertThat(set.getKeys()).hasSize(2);
    assertThat(set.getKeys()).noneMatch(JWK::isPrivate);
    JWK a = set.getKeyByKeyId("ehr-a-2026");
    assertThat(a.getAlgorithm()).isEqualTo(JWSAlgorithm.RS384);
    assertThat(a.getKeyUse()).isEqualTo(KeyUse.SIGNATURE);
    assertThat(((RSAKey) a).toRSAPublicKey()).isEqualTo(rsa.toRSAPublicKey());
    JWK b = set.getKeyByKeyId(ec.computeThumbprint().toString());
    assertThat(b.getAlgorithm()).isEqualTo(JWSAlgorithm.ES384);
    String json = set.toString();
    assertThat(json).doesNotContain("\"d\"").doesNotContain("\"p\"").doesNotContain("\"dp\"");
  }

  @Test
  void oneKeyIdForTwoDifferentKeys_isRefused() {
    Path rsaPem = TestKeys.writePkcs8(dir, "clash-r.pem", rsa);
    Path ecPem = TestKeys.writePkcs8(dir, "clash-e.pem", ec);
    PullSourcesProperties props =
        new PullSourcesProperties(
            Map.of(
                "ehr-a", source(true, smart(rsaPem, "same", null)),
                "ehr-b", source(true, smart(ecPem, "same", null))));

    assertThatThrownBy(() -> SigningKeys.publicKeys(props))
        .hasMessageContaining("sources ehr-a and ehr-b use key id same for different keys");
  }

  static PullSource source(boolean enabled, Auth auth) {
    return new PullSource(
        "fhir-rest",
        enabled,
        "https://ehr/fhir",
        auth,
        "5m",
        List.of(),
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }
}
