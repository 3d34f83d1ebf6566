package org.shockreg.server.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The HL7 v2 golden set ({@code golden/hl7/*.yaml}, docs/golden-corpus.md "HL7 v2 cases"): real-
 * world-shaped messages sent over MLLP to the running server, each case with the ACK codes and the
 * curated facts it must give. Each case is its own sending facility, auto-registered as site {@code
 * hl7-<file name>}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Hl7GoldenIT {

  static final Path CASES = casesDir();
  static final int MLLP_PORT = freePort();
  static final Path SITES_DIR = sitesDir();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.register(registry);
    registry.add(
        "shockreg.data-dir",
        () -> SITES_DIR.resolveSibling(SITES_DIR.getFileName() + "-data").toString());
    registry.add("shockreg.mappings.sites-dir", SITES_DIR::toString);
    registry.add("shockreg.security.tokens[0].token", () -> "it-admin-token-hl7-golden-012345");
    registry.add("shockreg.security.tokens[0].role", () -> "admin");
    registry.add("shockreg.inbox.enabled", () -> "false");
    registry.add("shockreg.mllp.port", () -> Integer.toString(MLLP_PORT));
    registry.add("shockreg.mllp.host", () -> "127.0.0.1");
    registry.add("shockreg.mllp.auto-register", () -> "true");
  }

  static Path casesDir() {
    try {
      return Path.of(Hl7GoldenIT.class.getResource("/golden/hl7").toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Site mapping files a case asks for ({@code siteFile}), written before the server starts. */
  static Path sitesDir() {
    try {
      Path target = Path.of("target").toAbsolutePath();
      Files.createDirectories(target);
      Path dir = Files.createTempDirectory(target, "it-hl7-golden-sites-");
      for (Case c : cases()) {
        if (c.yaml.hasNonNull("siteFile")) {
          Files.writeString(dir.resolve(c.site + ".yaml"), c.yaml.get("siteFile").asText());
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record Case(String name, String site, JsonNode yaml) {
    String facility() {
      return site.toUpperCase(java.util.Locale.ROOT);
    }
  }

  static List<Case> cases() {
    try (Stream<Path> files = Files.list(CASES)) {
      List<Case> out = new ArrayList<>();
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        String name = f.getFileName().toString().replace(".yaml", "");
        out.add(new Case(name, "hl7-" + name, new YAMLMapper().readTree(f.toFile())));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Autowired JdbcTemplate jdbc;

  @TestFactory
  Stream<DynamicTest> goldenHl7Cases() {
    List<Case> all = cases();
    assertThat(all).as("HL7 golden cases").hasSizeGreaterThanOrEqualTo(10);
    return all.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c)));
  }

  void run(Case c) throws Exception {
    assertThat(c.yaml.path("description").asText()).as(c.name + ": description").isNotBlank();
    List<String> acks = new ArrayList<>();
    try (MllpClient client = new MllpClient(MLLP_PORT)) {
      for (JsonNode m : c.yaml.get("messages")) {
        String text =
            m.asText().replace("{facility}", c.facility()).strip().replace("\n", "\r") + "\r";
        Charset charset = charsetOf(text);
        String ack = client.send(text.getBytes(charset), charset);
        acks.add(MllpClient.field(ack, "MSA", 1) + errors(ack));
      }
    }
    JsonNode expect = c.yaml.get("expect");
    SoftAssertions softly = new SoftAssertions();
    List<String> expectedAcks = new ArrayList<>();
    expect.get("acks").forEach(a -> expectedAcks.add(a.asText()));
    softly
        .assertThat(acks)
        .as(c.name + ": ACKs (MSA-1 and ERR-2/ERR-3 code)")
        .isEqualTo(expectedAcks);
    checkMeasurements(c, expect.get("measurements"), softly);
    checkEncounters(c, expect.get("encounters"), softly);
    if (expect.has("deceasedAt")) {
      List<Timestamp> at =
          jdbc.queryForList(
              "SELECT deceased_at FROM patient WHERE site_id = ?", Timestamp.class, c.site);
      softly
          .assertThat(at)
          .as(c.name + ": deceasedAt")
          .containsExactly(Timestamp.from(Instant.parse(expect.get("deceasedAt").asText())));
    }
    if (expect.has("unmappedCodes")) {
      Map<String, String> actual = new java.util.TreeMap<>();
      jdbc.query(
          "SELECT system, code, display FROM unmapped_code WHERE site_id = ?",
          rs -> {
            actual.put(rs.getString(1) + "|" + rs.getString(2), rs.getString(3));
          },
          c.site);
      Map<String, String> expected = new java.util.TreeMap<>();
      expect
          .get("unmappedCodes")
          .fields()
          .forEachRemaining(e -> expected.put(e.getKey(), e.getValue().asText()));
      softly
          .assertThat(actual)
          .as(c.name + ": unmapped codes (system|code -> display)")
          .isEqualTo(expected);
    }
    softly.assertAll();
  }

  /** ERR-2 and the ERR-3 code of each ERR, e.g. " OBX^2^6:103". */
  static String errors(String ack) {
    StringBuilder s = new StringBuilder();
    for (String err : MllpClient.segments(ack, "ERR")) {
      String[] f = err.split("\\|", -1);
      s.append(' ')
          .append(f.length > 2 ? f[2] : "")
          .append(':')
          .append(f.length > 3 ? f[3].split("\\^")[0] : "");
    }
    return s.toString();
  }

  static Charset charsetOf(String text) {
    String[] msh = text.substring(0, text.indexOf('\r')).split("\\|", -1);
    String name = msh.length > 17 ? msh[17] : "";
    return switch (name) {
      case "8859/1" -> StandardCharsets.ISO_8859_1;
      case "8859/15" -> Charset.forName("ISO-8859-15");
      default -> StandardCharsets.UTF_8;
    };
  }

  void checkMeasurements(Case c, JsonNode expected, SoftAssertions softly) {
    List<Map<String, Object>> rows =
        jdbc.queryForList(
            "SELECT variable, value, unit, status, effective_at, flags::text AS flags FROM measurement WHERE site_id = ?"
                + " ORDER BY effective_at, variable, value",
            c.site);
    int n = expected == null ? 0 : expected.size();
    softly.assertThat(rows).as(c.name + ": measurements " + rows).hasSize(n);
    for (int i = 0; i < Math.min(n, rows.size()); i++) {
      JsonNode e = expected.get(i);
      Map<String, Object> r = rows.get(i);
      String at = c.name + ": measurement " + i + " " + r;
      softly
          .assertThat(r.get("variable"))
          .as(at + " variable")
          .isEqualTo(e.get("variable").asText());
      if (e.has("value")) {
        softly
            .assertThat((BigDecimal) r.get("value"))
            .as(at + " value")
            .isEqualByComparingTo(e.get("value").decimalValue());
      }
      if (e.has("unit")) {
        softly.assertThat(r.get("unit")).as(at + " unit").isEqualTo(e.get("unit").asText());
      }
      if (e.has("status")) {
        softly.assertThat(r.get("status")).as(at + " status").isEqualTo(e.get("status").asText());
      }
      if (e.has("effective")) {
        softly
            .assertThat(((Timestamp) r.get("effective_at")).toInstant())
            .as(at + " effective")
            .isEqualTo(Instant.parse(e.get("effective").asText()));
      }
      if (e.has("flags")) {
        for (JsonNode flag : e.get("flags")) {
          softly.assertThat(r.get("flags").toString()).as(at + " flags").contains(flag.asText());
        }
      }
    }
  }

  void checkEncounters(Case c, JsonNode expected, SoftAssertions softly) {
    if (expected == null) {
      return;
    }
    List<Map<String, Object>> rows =
        jdbc.queryForList(
            "SELECT intensive_care, period_start, period_end, encounter_class FROM encounter WHERE site_id = ?"
                + " ORDER BY intensive_care, period_start",
            c.site);
    softly.assertThat(rows).as(c.name + ": encounters " + rows).hasSize(expected.size());
    for (int i = 0; i < Math.min(expected.size(), rows.size()); i++) {
      JsonNode e = expected.get(i);
      Map<String, Object> r = rows.get(i);
      String at = c.name + ": encounter " + i + " " + r;
      softly
          .assertThat(r.get("intensive_care"))
          .as(at + " intensiveCare")
          .isEqualTo(e.path("intensiveCare").asBoolean());
      softly
          .assertThat(instant(r.get("period_start")))
          .as(at + " start")
          .isEqualTo(e.path("start").asText(null));
      softly
          .assertThat(instant(r.get("period_end")))
          .as(at + " end")
          .isEqualTo(e.path("end").asText(null));
    }
  }

  static String instant(Object t) {
    return t == null ? null : ((Timestamp) t).toInstant().toString();
  }
}
