package org.shockreg.server.admin;

import java.time.Duration;
import org.shockreg.ingest.pull.PullSourcesProperties;
import org.shockreg.ingest.pull.auth.SigningKeys;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /.well-known/jwks.json}: the public keys ShockReg signs its SMART Backend Services
 * client assertions with, one per {@code smart-backend} pull source ({@code kid}, {@code alg},
 * {@code use=sig}; never a private member). EHRs registered with this JWKS URL fetch it to verify
 * the assertions; it needs no token. Built once at start from {@code shockreg.sources.*}: a key
 * that cannot be loaded stops the start with a message naming the source and property.
 */
@RestController
public class JwksController {

  private final String jwks;

  public JwksController(PullSourcesProperties sources) {
    this.jwks = SigningKeys.publicKeys(sources).toPublicJWKSet().toString(true);
  }

  @GetMapping(path = "/.well-known/jwks.json", produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<String> jwks() {
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .cacheControl(CacheControl.maxAge(Duration.ofMinutes(5)).cachePublic())
        .body(jwks);
  }
}
