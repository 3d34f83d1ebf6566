package org.shockreg.registry.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratedSecretTest {

  @TempDir Path dir;

  @Test
  void createdOwnerOnly_withoutLeftovers_andReadBackUnchanged() throws Exception {
    Path file = dir.resolve("sub/pseudonym-key");
    String secret = GeneratedSecret.readOrCreate(file, b -> Base64.getEncoder().encodeToString(b));
    assertThat(Base64.getDecoder().decode(secret)).hasSize(32);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(file)).isEqualTo(secret + "\n");
    try (Stream<Path> files = Files.list(file.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("pseudonym-key");
    }
    assertThat(GeneratedSecret.readOrCreate(file, b -> "other")).isEqualTo(secret);
  }
}
