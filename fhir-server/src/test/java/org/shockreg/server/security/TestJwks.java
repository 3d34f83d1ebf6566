package org.shockreg.server.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * A stand-in identity provider for tests: an RSA and an EC signing key published as a JWKS by a JDK
 * HttpServer on loopback, and JWTs minted with them (or with a key it does not publish).
 */
public final class TestJwks implements AutoCloseable {

  public static final String ISSUER = "https://idp.example.test/realms/shockreg";
  public static final String AUDIENCE = "shockreg";

  public final RSAKey rsa;
  public final ECKey ec;

  /** Same kid as {@link #rsa}, but not the published key: a forged token. */
  public final RSAKey impostor;

  private final HttpServer server;

  public TestJwks() {
    try {
      rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
      ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
      impostor = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
      byte[] jwks =
          new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK()))
              .toString(true)
              .getBytes(StandardCharsets.UTF_8);
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext(
          "/jwks",
          exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, jwks.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(jwks);
            }
          });
      server.start();
    } catch (JOSEException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public String jwkSetUri() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
  }

  /** Claims valid for an hour, with the configured issuer and audience. */
  public static JWTClaimsSet.Builder claims(String subject, String role, String scope) {
    Instant now = Instant.now();
    JWTClaimsSet.Builder b =
        new JWTClaimsSet.Builder()
            .subject(subject)
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(Duration.ofHours(1))));
    if (role != null) {
      b.claim("shockreg_role", role);
    }
    if (scope != null) {
      b.claim("scope", scope);
    }
    return b;
  }

  public String rs256(JWTClaimsSet claims) {
    try {
      return sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, rsa.getKeyID(), claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public String es256(JWTClaimsSet claims) {
    try {
      return sign(new ECDSASigner(ec), JWSAlgorithm.ES256, ec.getKeyID(), claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public String forged(JWTClaimsSet claims) {
    try {
      return sign(new RSASSASigner(impostor), JWSAlgorithm.RS256, impostor.getKeyID(), claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** HS256 with a shared secret: an algorithm the server does not accept. */
  public static String hs256(JWTClaimsSet claims) {
    try {
      return sign(
          new MACSigner("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)),
          JWSAlgorithm.HS256,
          null,
          claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sign(
      com.nimbusds.jose.JWSSigner signer, JWSAlgorithm alg, String kid, JWTClaimsSet claims) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
