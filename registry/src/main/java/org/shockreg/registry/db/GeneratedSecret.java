package org.shockreg.registry.db;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A secret kept in a file of the data dir (admin token, pseudonym key): read when present,
 * otherwise generated from {@link SecureRandom}. The file is created with mode 0600 before a byte
 * of the secret is written (never written first and restricted after), flushed, then moved into
 * place atomically, so no other user can read it at any moment and a crash never leaves half a
 * secret under its name.
 */
public final class GeneratedSecret {

  private static final Logger log = LoggerFactory.getLogger(GeneratedSecret.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private GeneratedSecret() {}

  /** The file's content (trimmed), or {@code encode} of 32 fresh random bytes, written to it. */
  public static String readOrCreate(Path file, Function<byte[], String> encode) throws IOException {
    if (Files.exists(file)) {
      return Files.readString(file).trim();
    }
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    String secret = encode.apply(random);
    writeOwnerOnly(file, secret + "\n");
    log.info("event=secret_generated file={}", file);
    return secret;
  }

  /** Writes {@code content} to {@code file} readable by its owner only (0600), atomically. */
  public static void writeOwnerOnly(Path file, String content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    byte[] suffix = new byte[6];
    RANDOM.nextBytes(suffix);
    Path tmp =
        dir.resolve("." + file.getFileName() + "." + HexFormat.of().formatHex(suffix) + ".tmp");
    try {
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(tmp);
      log.warn("event=secret_permissions_unsupported file={}", file);
    }
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
