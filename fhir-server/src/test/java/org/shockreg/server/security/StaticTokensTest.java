package org.shockreg.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Static tokens: digests only, roles and studies validated, files re-read when they change. */
class StaticTokensTest {

  @TempDir Path dir;

  static SecurityProperties.ApiToken token(String name, String token, String role, String studies) {
    return new SecurityProperties.ApiToken(name, token, null, role, studies, null);
  }

  /** A clock the test moves by hand. */
  static final class Hand extends Clock {
    Instant now = Instant.parse("2026-12-05T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void configuredTokens_authenticateWithNameRoleAndStudies() {
    StaticTokens tokens =
        new StaticTokens(
            List.of(
                token("monitor", "edc-token-0123456789", "edc", "altshock-2, other "),
                token(null, "analyst-token-0123456789", "analyst", null)),
            dir.resolve("absent.yaml"),
            null,
            Duration.ofSeconds(2),
            Clock.systemUTC());
    ShockRegPrincipal edc = tokens.authenticate("edc-token-0123456789").orElseThrow();
    assertThat(edc.name()).isEqualTo("monitor");
    assertThat(edc.id()).isEqualTo("token:monitor");
    assertThat(edc.role()).isEqualTo(Role.EDC);
    assertThat(edc.studies()).containsExactlyInAnyOrder("altshock-2", "other");
    assertThat(tokens.authenticate("analyst-token-0123456789").orElseThrow().name())
        .isEqualTo("token-1");
    assertThat(tokens.authenticate("analyst-token-012345678")).isEmpty();
    assertThat(tokens.authenticate("")).isEmpty();
  }

  @Test
  void badConfigurations_stopTheStart() {
    Path none = dir.resolve("absent.yaml");
    assertThatThrownBy(
            () ->
                new StaticTokens(
                    List.of(token("a", "short", "admin", null)),
                    none,
                    null,
                    Duration.ZERO,
                    Clock.systemUTC()))
        .hasMessageContaining("16+ characters");
    assertThatThrownBy(
            () ->
                new StaticTokens(
                    List.of(token("a", "edc-token-0123456789", "edc", null)),
                    none,
                    null,
                    Duration.ZERO,
                    Clock.systemUTC()))
        .hasMessageContaining("role edc needs studies");
    assertThatThrownBy(
            () ->
                new StaticTokens(
                    List.of(token("a", "tok-token-0123456789", "root", null)),
                    none,
                    null,
                    Duration.ZERO,
                    Clock.systemUTC()))
        .hasMessageContaining("unknown role root");
    assertThatThrownBy(
            () ->
                new StaticTokens(
                    List.of(
                        token("a", "tok-token-0123456789", "admin", null),
                        token("a", "tok-token-9876543210", "admin", null)),
                    none,
                    null,
                    Duration.ZERO,
                    Clock.systemUTC()))
        .hasMessageContaining("used twice");
  }

  @Test
  void adminTokenFile_isReReadWhenItChanges_soWritingANewValueRotatesIt() throws Exception {
    Path admin = dir.resolve("admin-token");
    Files.writeString(admin, "first-admin-token-0123456789\n");
    Hand clock = new Hand();
    StaticTokens tokens =
        new StaticTokens(
            List.of(), dir.resolve("tokens.yaml"), admin, Duration.ofSeconds(2), clock);
    assertThat(tokens.authenticate("first-admin-token-0123456789").orElseThrow().role())
        .isEqualTo(Role.ADMIN);

    Files.writeString(admin, "second-admin-token-0123456789\n");
    Files.setLastModifiedTime(admin, FileTime.from(Instant.now().plusSeconds(5)));
    // not before the reload interval has passed
    assertThat(tokens.authenticate("first-admin-token-0123456789")).isPresent();
    clock.now = clock.now.plusSeconds(3);
    assertThat(tokens.authenticate("first-admin-token-0123456789")).isEmpty();
    assertThat(tokens.authenticate("second-admin-token-0123456789")).isPresent();
  }

  @Test
  void tokensFile_holdsDigests_andABrokenFileKeepsWhatWorked() throws Exception {
    Path file = dir.resolve("tokens.yaml");
    Files.writeString(
        file,
        """
        tokens:
          - name: lab-feed
            role: ingest
            token-sha256: %s
        """
            .formatted(SecurityIT.sha256("lab-feed-token-0123456789")));
    Hand clock = new Hand();
    StaticTokens tokens = new StaticTokens(List.of(), file, null, Duration.ofSeconds(1), clock);
    assertThat(tokens.authenticate("lab-feed-token-0123456789").orElseThrow().name())
        .isEqualTo("lab-feed");
    Files.writeString(file, "tokens: [{name: x, role: admin, token-sha256: not-hex}]");
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
    clock.now = clock.now.plusSeconds(2);
    assertThat(tokens.authenticate("lab-feed-token-0123456789")).isPresent();
  }
}
