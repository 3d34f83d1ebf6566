package org.shockreg.registry.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A secret kept in a file of the data dir (admin token, pseudonym key): read when present,
 * otherwise generated from {@link SecureRandom} and written with mode 0600.
 */
public final class GeneratedSecret {

  private static final Logger log = LoggerFactory.getLogger(GeneratedSecret.class);

  private GeneratedSecret() {}

  /** The file's content (trimmed), or {@code encode} of 32 fresh random bytes, written to it. */
  public static String readOrCreate(Path file, Function<byte[], String> encode) throws IOException {
    if (Files.exists(file)) {
      return Files.readString(file).trim();
    }
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String secret = encode.apply(random);
    Files.createDirectories(file.getParent());
    Files.writeString(file, secret + "\n");
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      log.warn("event=secret_permissions_unsupported file={}", file);
    }
    log.info("event=secret_generated file={}", file);
    return secret;
  }
}
