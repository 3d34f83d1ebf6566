package org.shockreg.mappings.identity;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Curated ids as a keyed HMAC-SHA256: the same (site, source patient) always gives the same
 * pseudonym, and nobody without the key (kept out of the database) can go back or test guesses.
 * Curated fact ids are derived the same way, so a new version of a source resource lands on the
 * same id.
 */
public final class Pseudonymizer {

  private static final String ALGORITHM = "HmacSHA256";
  private final SecretKeySpec key;
  private final ThreadLocal<Mac> macs;

  public Pseudonymizer(byte[] secret) {
    if (secret.length < 16) {
      throw new IllegalArgumentException("pseudonym key must be at least 16 bytes");
    }
    this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  }

  /**
   * A fingerprint of the key (an HMAC of a fixed label: it identifies the key without revealing
   * it), stored in the database so that a start with another key is refused.
   */
  public String fingerprint() {
    return digest("key-fingerprint", "shockreg");
  }

  /** The curated Patient id of a source patient of a site. */
  public String patientId(String siteId, String sourcePatientId) {
    return digest("patient", siteId, sourcePatientId);
  }

  /**
   * The curated Patient id of a site's patient known by its record number (or first identifier):
   * stable even when the source re-sends the Patient under a new logical id.
   */
  public String patientIdByIdentifier(String siteId, String system, String value) {
    return digest("patient-identifier", siteId, system == null ? "" : system, value);
  }

  /**
   * The curated Patient id of a person known by a shared identifier (cross-site linkage): the same
   * at every site, since the site is not part of it.
   */
  public String linkedPatientId(String system, String value) {
    return digest("linked-patient", system, value);
  }

  /** A curated fact id: stable across versions of the same source resource. */
  public String factId(
      String kind, String siteId, String sourceType, String sourceId, String part) {
    return digest(kind, siteId, sourceType, sourceId, part == null ? "" : part);
  }

  private String digest(String... parts) {
    Mac mac = macs.get();
    for (String p : parts) {
      mac.update(p.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0); // separator, so ("ab","c") and ("a","bc") differ
    }
    byte[] h = mac.doFinal();
    // 128 bits is ample against collisions and keeps FHIR ids short.
    return HexFormat.of().formatHex(h, 0, 16);
  }
}
