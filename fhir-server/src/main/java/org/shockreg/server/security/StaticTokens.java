package org.shockreg.server.security;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Static bearer tokens, held only as SHA-256 digests and compared in constant time. Three sources:
 * {@code shockreg.security.tokens} (fixed), the tokens file (re-read when it changes) and, when no
 * token is configured, the generated {@code <data-dir>/admin-token} (re-read when it changes, so
 * writing a new value there rotates it). Files are checked at most once per reload interval, on the
 * request that finds the interval elapsed: no background thread.
 */
public final class StaticTokens {

  private static final Logger log = LoggerFactory.getLogger(StaticTokens.class);
  private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  /** The tokens file's shape. */
  record TokensFile(List<SecurityProperties.ApiToken> tokens) {}

  private record Entry(byte[] digest, ShockRegPrincipal principal) {}

  private record Stamp(FileTime modified, long size) {
    static Stamp of(Path file) {
      try {
        return Files.exists(file)
            ? new Stamp(Files.getLastModifiedTime(file), Files.size(file))
            : null;
      } catch (IOException e) {
        return null;
      }
    }
  }

  private final List<Entry> configured;
  private final Path tokensFile;
  private final Path adminTokenFile;
  private final Duration reloadInterval;
  private final Clock clock;
  private volatile List<Entry> all;
  private volatile Instant nextCheck;
  private Stamp tokensStamp;
  private Stamp adminStamp;

  /**
   * @param adminTokenFile the generated admin token's file, or null when tokens are configured
   */
  public StaticTokens(
      List<SecurityProperties.ApiToken> configured,
      Path tokensFile,
      Path adminTokenFile,
      Duration reloadInterval,
      Clock clock) {
    this.configured = entries(configured, "shockreg.security.tokens");
    this.tokensFile = tokensFile;
    this.adminTokenFile = adminTokenFile;
    this.reloadInterval = reloadInterval;
    this.clock = clock;
    this.all = List.copyOf(this.configured);
    reload(true);
  }

  /** The caller a token stands for, if it is one of the current static tokens. */
  public Optional<ShockRegPrincipal> authenticate(String token) {
    if (!clock.instant().isBefore(nextCheck)) {
      reload(false);
    }
    byte[] digest = sha256(token);
    ShockRegPrincipal found = null;
    // every entry is compared, whether or not an earlier one matched: no timing hint
    for (Entry e : all) {
      if (MessageDigest.isEqual(e.digest(), digest)) {
        found = e.principal();
      }
    }
    return Optional.ofNullable(found);
  }

  public int size() {
    return all.size();
  }

  private synchronized void reload(boolean atStart) {
    if (!atStart && clock.instant().isBefore(nextCheck)) {
      return; // another request reloaded meanwhile
    }
    nextCheck = clock.instant().plus(reloadInterval);
    Stamp tokens = tokensFile == null ? null : Stamp.of(tokensFile);
    Stamp admin = adminTokenFile == null ? null : Stamp.of(adminTokenFile);
    if (!atStart && Objects.equals(tokens, tokensStamp) && Objects.equals(admin, adminStamp)) {
      return;
    }
    try {
      List<Entry> next = new ArrayList<>(configured);
      if (tokens != null) {
        TokensFile file = YAML.readValue(tokensFile.toFile(), TokensFile.class);
        next.addAll(
            entries(
                file == null || file.tokens() == null ? List.of() : file.tokens(),
                tokensFile.toString()));
      }
      if (admin != null) {
        String value = Files.readString(adminTokenFile, StandardCharsets.UTF_8).trim();
        next.add(
            entry(
                new SecurityProperties.ApiToken("admin-token", value, null, "admin", null, null),
                adminTokenFile.toString()));
      }
      checkUniqueNames(next);
      all = List.copyOf(next);
      tokensStamp = tokens;
      adminStamp = admin;
      if (!atStart) {
        log.info("event=static_tokens_reloaded tokens={}", next.size());
      }
    } catch (IOException | RuntimeException e) {
      if (atStart) {
        throw new IllegalStateException("static tokens: " + e.getMessage(), e);
      }
      // keep the tokens that worked: a half-written file must not lock everyone out
      log.warn(
          "event=static_tokens_reload_failed reason=\"{}\"",
          String.valueOf(e.getMessage()).replace('"', '\''));
    }
  }

  private static List<Entry> entries(List<SecurityProperties.ApiToken> tokens, String where) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      SecurityProperties.ApiToken t = tokens.get(i);
      String name = t.name() == null || t.name().isBlank() ? "token-" + i : t.name().trim();
      out.add(
          entry(
              new SecurityProperties.ApiToken(
                  name, t.token(), t.tokenSha256(), t.role(), t.studies(), t.scopes()),
              where + "[" + i + "]"));
    }
    checkUniqueNames(out);
    return out;
  }

  private static Entry entry(SecurityProperties.ApiToken t, String where) {
    byte[] digest;
    if (t.tokenSha256() != null && !t.tokenSha256().isBlank()) {
      if (t.token() != null || !HEX_SHA256.matcher(t.tokenSha256().trim()).matches()) {
        throw new IllegalArgumentException(
            where + ": token-sha256 must be 64 hex digits, and without token");
      }
      digest = HexFormat.of().parseHex(t.tokenSha256().trim().toLowerCase());
    } else {
      if (t.token() == null || t.token().length() < 16) {
        throw new IllegalArgumentException(
            where + ": each token needs 16+ characters (or token-sha256)");
      }
      digest = sha256(t.token());
    }
    Role role;
    try {
      role = Role.parse(t.role());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage());
    }
    Set<String> studies = studies(t.studies());
    if (role == Role.EDC && studies.isEmpty()) {
      throw new IllegalArgumentException(
          where + ": role edc needs studies (comma list of study ids)");
    }
    if (role != Role.EDC && !studies.isEmpty()) {
      throw new IllegalArgumentException(where + ": studies apply to role edc only");
    }
    return new Entry(
        digest,
        new ShockRegPrincipal(
            ShockRegPrincipal.Kind.STATIC_TOKEN,
            t.name(),
            null,
            role,
            studies,
            SmartScopes.parse(t.scopes())));
  }

  static Set<String> studies(String commaList) {
    Set<String> out = new LinkedHashSet<>();
    if (commaList != null) {
      Arrays.stream(commaList.split(","))
          .map(String::trim)
          .filter(s -> !s.isEmpty())
          .forEach(out::add);
    }
    return out;
  }

  private static void checkUniqueNames(List<Entry> entries) {
    Set<String> names = new HashSet<>();
    for (Entry e : entries) {
      if (!names.add(e.principal().name())) {
        throw new IllegalArgumentException(
            "static token name " + e.principal().name() + " is used twice");
      }
    }
  }

  static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
