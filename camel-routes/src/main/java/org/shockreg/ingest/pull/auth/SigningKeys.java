package org.shockreg.ingest.pull.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.shockreg.ingest.pull.PullSourcesProperties;
import org.shockreg.ingest.pull.PullSourcesProperties.Auth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-assertion signing keys of {@code smart-backend} sources: one PEM private key per
 * source ({@code auth.private-key}), published as public JWKs at {@code /.well-known/jwks.json} so
 * an EHR can be registered with a JWKS URL instead of an uploaded key.
 *
 * <p>The {@code kid} is {@code auth.key-id} or, by default, the key's RFC 7638 thumbprint (SHA-256,
 * base64url). The algorithm is {@code auth.algorithm} ({@code RS384} or {@code ES384}); left out,
 * it follows the key: RS384 for RSA, ES384 for EC P-384.
 */
public final class SigningKeys {

  private static final Logger log = LoggerFactory.getLogger(SigningKeys.class);

  /** The client-assertion algorithms SMART Backend Services requires servers to support. */
  public static final List<JWSAlgorithm> ALGORITHMS =
      List.of(JWSAlgorithm.RS384, JWSAlgorithm.ES384);

  private SigningKeys() {}

  /**
   * The private signing key of a smart-backend source, with {@code kid}, {@code alg} and {@code
   * use=sig}.
   *
   * @throws IllegalArgumentException naming the source and property when the key is missing,
   *     unreadable or does not fit the algorithm
   */
  public static JWK load(String sourceId, Auth auth) {
    String keyProperty = AccessTokenProviders.property(sourceId, "private-key");
    Path file = auth.privateKey();
    if (file == null || file.toString().isBlank()) {
      throw new IllegalArgumentException(keyProperty + " is required for smart-backend");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException(
          keyProperty + ": " + file.toAbsolutePath() + " is not a readable file");
    }
    warnIfOthersCanRead(sourceId, file);
    KeyPair pair;
    try {
      pair = PemKeys.read(file);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(keyProperty + ": " + e.getMessage(), e);
    }
    JWSAlgorithm alg = algorithm(sourceId, auth.algorithm(), pair);
    String kid = auth.keyId() == null || auth.keyId().isBlank() ? null : auth.keyId().trim();
    try {
      if (pair.getPublic() instanceof RSAPublicKey rsaPub) {
        RSAKey.Builder b =
            new RSAKey.Builder(rsaPub)
                .privateKey((RSAPrivateKey) pair.getPrivate())
                .keyUse(KeyUse.SIGNATURE)
                .algorithm(alg);
        return (kid == null ? b.keyIDFromThumbprint() : b.keyID(kid)).build();
      }
      ECPublicKey ecPub = (ECPublicKey) pair.getPublic();
      ECKey.Builder b =
          new ECKey.Builder(Curve.forECParameterSpec(ecPub.getParams()), ecPub)
              .privateKey((ECPrivateKey) pair.getPrivate())
              .keyUse(KeyUse.SIGNATURE)
              .algorithm(alg);
      return (kid == null ? b.keyIDFromThumbprint() : b.keyID(kid)).build();
    } catch (JOSEException e) {
      throw new IllegalArgumentException(keyProperty + ": cannot build a JWK from the key", e);
    }
  }

  /**
   * The public keys of all smart-backend sources (enabled or not, so an EHR can be registered
   * before pulling starts), each with {@code kid}, {@code alg}, {@code use=sig} and never a private
   * member. A key shared by several sources is listed once.
   *
   * @throws IllegalArgumentException when a key cannot be loaded, or two sources use one {@code
   *     kid} for different keys
   */
  public static JWKSet publicKeys(PullSourcesProperties properties) {
    Map<String, JWK> byKid = new LinkedHashMap<>();
    Map<String, String> sourceByKid = new LinkedHashMap<>();
    properties.sources().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              Auth auth = e.getValue() == null ? null : e.getValue().auth();
              if (auth == null
                  || !AccessTokenProviders.SMART_BACKEND.equals(normalize(auth.type()))) {
                return;
              }
              JWK pub = load(e.getKey(), auth).toPublicJWK();
              JWK seen = byKid.putIfAbsent(pub.getKeyID(), pub);
              if (seen != null && !seen.equals(pub)) {
                throw new IllegalArgumentException(
                    "sources "
                        + sourceByKid.get(pub.getKeyID())
                        + " and "
                        + e.getKey()
                        + " use key id "
                        + pub.getKeyID()
                        + " for different keys; give each key its own auth.key-id");
              }
              sourceByKid.putIfAbsent(pub.getKeyID(), e.getKey());
            });
    return new JWKSet(new ArrayList<>(byKid.values()));
  }

  static JWSAlgorithm algorithm(String sourceId, String configured, KeyPair pair) {
    String algProperty = AccessTokenProviders.property(sourceId, "algorithm");
    boolean rsa = pair.getPublic() instanceof RSAPublicKey;
    JWSAlgorithm alg;
    if (configured == null || configured.isBlank()) {
      alg = rsa ? JWSAlgorithm.RS384 : JWSAlgorithm.ES384;
    } else {
      alg = JWSAlgorithm.parse(configured.trim().toUpperCase(Locale.ROOT));
      if (!ALGORITHMS.contains(alg)) {
        throw new IllegalArgumentException(
            algProperty + " must be RS384 or ES384, not " + configured.trim());
      }
    }
    String keyProperty = AccessTokenProviders.property(sourceId, "private-key");
    if (alg.equals(JWSAlgorithm.RS384)) {
      if (!rsa) {
        throw new IllegalArgumentException(
            keyProperty
                + " is an EC key, but RS384 needs an RSA key (set "
                + algProperty
                + "=ES384 for an EC P-384 key)");
      }
      int bits = ((RSAPublicKey) pair.getPublic()).getModulus().bitLength();
      if (bits < 2048) {
        throw new IllegalArgumentException(
            keyProperty + " is a " + bits + "-bit RSA key; RS384 needs 2048 bits or more");
      }
    } else {
      if (rsa) {
        throw new IllegalArgumentException(
            keyProperty
                + " is an RSA key, but ES384 needs an EC P-384 key (set "
                + algProperty
                + "=RS384 for an RSA key)");
      }
      Curve curve = Curve.forECParameterSpec(((ECPublicKey) pair.getPublic()).getParams());
      if (!Curve.P_384.equals(curve)) {
        throw new IllegalArgumentException(
            keyProperty
                + " is an EC key on "
                + (curve == null ? "an unknown curve" : curve)
                + "; ES384 needs curve P-384 (secp384r1)");
      }
    }
    return alg;
  }

  static String normalize(String type) {
    return type == null ? null : type.trim().toLowerCase(Locale.ROOT);
  }

  private static void warnIfOthersCanRead(String sourceId, Path file) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.contains(PosixFilePermission.OTHERS_READ)) {
        log.warn(
            "event=signing_key_world_readable source={} file={} hint=chmod 600",
            sourceId,
            file.toAbsolutePath());
      }
    } catch (UnsupportedOperationException | IOException e) {
      // not a POSIX file system: nothing to check
    }
  }
}
