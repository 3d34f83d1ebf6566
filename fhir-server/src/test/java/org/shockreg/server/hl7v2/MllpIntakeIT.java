package org.shockreg.server.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.shockreg.server.hl7v2.MllpClient.field;
import static org.shockreg.server.hl7v2.MllpClient.segments;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.Connection;
import ca.uhn.hl7v2.llp.MinLowerLayerProtocol;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.GenericModelClassFactory;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.validation.impl.NoValidation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * HL7 v2 over MLLP against the running server on a real socket and a real PostgreSQL: ORU results
 * and ADT events go through the same intake as FHIR, answered with original-mode ACKs (AA after
 * commit, AE with ERR for rejected OBX, AR for garbage or an unknown facility); resends,
 * corrections, charsets, dropped connections, dead-letter replay, /admin/sources and metrics. Every
 * test uses patients of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MllpIntakeIT {

  static final String TOKEN = "it-admin-token-mllp-0123456789";
  static final String SITE = "mllp-lab";
  static final String MRN_SYSTEM = "https://hosp.example.org/mrn";
  static final int MLLP_PORT = freePort();
  static final Path SITES_DIR = sitesDir();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.register(registry);
    registry.add(
        "shockreg.data-dir",
        () -> SITES_DIR.resolveSibling(SITES_DIR.getFileName() + "-data").toString());
    registry.add("shockreg.mappings.sites-dir", SITES_DIR::toString);
    registry.add("shockreg.security.tokens[0].token", () -> TOKEN);
    registry.add("shockreg.security.tokens[0].role", () -> "admin");
    registry.add("shockreg.mllp.port", () -> Integer.toString(MLLP_PORT));
    registry.add("shockreg.mllp.host", () -> "127.0.0.1");
    registry.add("shockreg.mllp.read-timeout", () -> "2s");
    registry.add("shockreg.mllp.max-message-size", () -> "1MB");
    registry.add("shockreg.mllp.facilities.LABHOSP", () -> SITE);
    registry.add("shockreg.mllp.facilities.ADTHOSP", () -> SITE);
    registry.add("shockreg.mllp.identifier-systems." + SITE + ".HOSP", () -> MRN_SYSTEM);
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The site's mapping file: Rome time, a local lactate code, the CICU point of care. */
  static Path sitesDir() {
    try {
      Path target = Path.of("target").toAbsolutePath();
      Files.createDirectories(target);
      Path dir = Files.createTempDirectory(target, "it-mllp-sites-");
      Files.writeString(
          dir.resolve(SITE + ".yaml"),
          """
          time-zone: Europe/Rome
          measurements:
            - { system: 99LAB, code: LACT, display: "Lactate BGA", variable: lactate, unit: mg/dL }
          intensive-care:
            locations:
              - { id: CICU }
          """);
      return dir;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired MeterRegistry meters;
  final HttpClient http = HttpClient.newHttpClient();
  final ObjectMapper json = new ObjectMapper();

  // ---- messages ---------------------------------------------------------------------------------

  static String msh(
      String facility, String type, String controlId, String time, String version, String charset) {
    return "MSH|^~\\&|LABSYS|"
        + facility
        + "|SHOCKREG|REG|"
        + time
        + "||"
        + type
        + "|"
        + controlId
        + "|P|"
        + version
        + (charset == null ? "" : "||||||" + charset)
        + "\r";
  }

  static String pid(String mrn) {
    return "PID|1||" + mrn + "^^^HOSP^MR~NAT-" + mrn + "^^^NATID||Rossi^Maria||19580304|F\r";
  }

  static String oru(String controlId, String mrn, String time, String... obx) {
    StringBuilder s =
        new StringBuilder(msh("LABHOSP", "ORU^R01^ORU_R01", controlId, time, "2.5.1", null));
    s.append(pid(mrn))
        .append("OBR|1||ORD-")
        .append(mrn)
        .append("|LAB^Panel^L|||")
        .append(time)
        .append("\r");
    int i = 1;
    for (String o : obx) {
      s.append("OBX|").append(i++).append('|').append(o).append('\r');
    }
    return s.toString();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  String send(String message) throws IOException {
    try (MllpClient c = new MllpClient(MLLP_PORT)) {
      return c.send(message);
    }
  }

  String patientOf(String mrn) {
    return jdbc.queryForObject(
        "SELECT l.patient_id FROM patient_source_link l WHERE l.site_id = ? AND l.source_patient_id = ?",
        String.class,
        SITE,
        patientSourceId(mrn));
  }

  String patientSourceId(String mrn) {
    return jdbc.queryForObject(
        "SELECT h.resource_id FROM source_resource_head h JOIN raw_resource r ON r.raw_id = h.raw_id"
            + " WHERE h.site_id = ? AND h.resource_type = 'Patient'"
            + " AND r.content -> 'identifier' -> 0 ->> 'value' = ?",
        String.class,
        SITE,
        mrn);
  }

  List<Map<String, Object>> measurements(String mrn) {
    return jdbc.queryForList(
        "SELECT variable, status, value, unit, flags::text AS flags, effective_at FROM measurement"
            + " WHERE patient_id = ? ORDER BY effective_at, variable",
        patientOf(mrn));
  }

  HttpResponse<String> admin(String method, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Authorization", "Bearer " + TOKEN)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  // ---- tests ------------------------------------------------------------------------------------

  @Test
  void fiftyObxAreEachCuratedUnmappedOrRejectedWithAnErrInTheAck() throws Exception {
    String[] obx = new String[50];
    for (int i = 0; i < 45; i++) {
      obx[i] =
          String.format(
              "NM|8867-4^Heart rate^LN||%d|/min^^UCUM|||||F|||202506011%d%02d00",
              80 + i, i / 60, i % 60);
    }
    obx[45] = "NM|2524-7^Lactate^LN||3.1|mmol/L|0.5-2.2|H|||F|||20250601120000";
    obx[46] = "NM|8480-6^Systolic BP^LN||85|mm[Hg]^^UCUM||L|||F|||20250601120000";
    obx[47] = "NM|LACT^Lactate BGA^99LAB||27||||||F|||20250601120500";
    obx[48] = "ST|ZZNOTE^Nursing remark^99LAB||see chart||||||F";
    obx[49] = "NM|2524-7^Lactate^LN||3|kg|||||F|||20250601121000";
    String ack = send(oru("ORU-50-1", "MRN-50", "20250601123000", obx));

    assertThat(field(ack, "MSA", 1)).isEqualTo("AE");
    assertThat(field(ack, "MSA", 2)).isEqualTo("ORU-50-1");
    List<String> errs = segments(ack, "ERR");
    assertThat(errs).hasSize(1);
    assertThat(errs.get(0).split("\\|")[2]).isEqualTo("OBX^50^6");
    assertThat(errs.get(0).split("\\|")[3]).startsWith("103^");
    assertThat(errs.get(0).split("\\|")[8]).contains("unit");

    List<Map<String, Object>> facts = measurements("MRN-50");
    assertThat(facts).hasSize(48);
    assertThat(facts.stream().filter(f -> "hr".equals(f.get("variable")))).hasSize(45);
    // 10:00 in Rome (no offset in OBX-14) is 08:00Z in June
    assertThat(((Timestamp) facts.get(0).get("effective_at")).toInstant())
        .isEqualTo(Instant.parse("2025-06-01T08:00:00Z"));
    Map<String, Object> local =
        facts.stream()
            .filter(
                f ->
                    "lactate".equals(f.get("variable"))
                        && f.get("flags").toString().contains("unit-assumed"))
            .findFirst()
            .orElseThrow();
    assertThat((BigDecimal) local.get("value")).isEqualByComparingTo("2.9973");
    assertThat(
            jdbc.queryForObject(
                "SELECT display FROM unmapped_code WHERE site_id = ? AND code = 'ZZNOTE'",
                String.class,
                SITE))
        .isEqualTo("Nursing remark");
    // the whole message is dead-lettered (replayable) besides the rejected Observation
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM dead_letter WHERE channel = 'mllp' AND reason_code = 'hl7v2-ae' AND resource_id = ?",
                Integer.class,
                "ORU-50-1"))
        .isEqualTo(1);
  }

  @Test
  void aResendIsAnsweredAaAgainAndTakesNothingInTwice() throws Exception {
    String message =
        oru(
            "ORU-RS-1",
            "MRN-RS",
            "20250602080000",
            "NM|8867-4^Heart rate^LN||91|/min|||||F|||20250602075500",
            "NM|2524-7^Lactate^LN||2.4|mmol/L|||||F|||20250602075500");
    String first = send(message);
    assertThat(field(first, "MSA", 1)).isEqualTo("AA");
    assertThat(field(first, "MSH", 5)).isEqualTo("LABSYS");
    assertThat(field(first, "MSH", 6)).isEqualTo("LABHOSP");
    int raw =
        jdbc.queryForObject(
            "SELECT count(*) FROM raw_resource WHERE site_id = ?", Integer.class, SITE);
    String second = send(message);
    assertThat(field(second, "MSA", 1)).isEqualTo("AA");
    assertThat(field(second, "MSA", 2)).isEqualTo("ORU-RS-1");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM raw_resource WHERE site_id = ?", Integer.class, SITE))
        .isEqualTo(raw);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM hl7v2_message WHERE facility = 'LABHOSP' AND control_id = 'ORU-RS-1'",
                Integer.class))
        .isEqualTo(1);
    assertThat(measurements("MRN-RS")).hasSize(2);
  }

  @Test
  void aCorrectionReplacesThePreliminaryResultAndDeletionRetractsIt() throws Exception {
    String obx = "NM|2524-7^Lactate^LN||%s|mmol/L|||||%s|||20250603090000";
    assertThat(
            field(
                send(oru("ORU-C-1", "MRN-C", "20250603091000", String.format(obx, "4.0", "P"))),
                "MSA",
                1))
        .isEqualTo("AA");
    assertThat(measurements("MRN-C"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.get("status")).isEqualTo("preliminary");
              assertThat((BigDecimal) m.get("value")).isEqualByComparingTo("4.0");
            });
    assertThat(
            field(
                send(oru("ORU-C-2", "MRN-C", "20250603100000", String.format(obx, "2.5", "C"))),
                "MSA",
                1))
        .isEqualTo("AA");
    assertThat(measurements("MRN-C"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.get("status")).isEqualTo("corrected");
              assertThat((BigDecimal) m.get("value")).isEqualByComparingTo("2.5");
            });
    assertThat(
            field(
                send(oru("ORU-C-3", "MRN-C", "20250603110000", String.format(obx, "2.5", "D"))),
                "MSA",
                1))
        .isEqualTo("AA");
    assertThat(measurements("MRN-C")).isEmpty();
  }

  @Test
  void msh18CharsetsDecodeUnmappedCodeTexts() throws Exception {
    String latin =
        msh("LABHOSP", "ORU^R01", "ORU-CS-1", "20250604080000", "2.3", "8859/1")
            + pid("MRN-CS")
            + "OBR|1||ORD-CS|LAB^Panel^L|||20250604080000\r"
            + "OBX|1|NM|ZZUML1^Blutzucker ärztlich geprüft (Größe)^99LAB||5.5|mmol/L|||||F\r";
    String ack =
        sendBytes(latin.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1);
    assertThat(field(ack, "MSA", 1)).isEqualTo("AA");
    assertThat(field(ack, "MSH", 18)).isEqualTo("8859/1");
    String utf8 =
        msh("LABHOSP", "ORU^R01", "ORU-CS-2", "20250604080000", "2.8", "UNICODE UTF-8")
            + pid("MRN-CS")
            + "OBR|1||ORD-CS|LAB^Panel^L|||20250604080000\r"
            + "OBX|1|NM|ZZUML2^Kälteagglutinine µ \\T\\ Co^99LAB||1|U|||||F\r";
    assertThat(
            field(
                sendBytes(utf8.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), "MSA", 1))
        .isEqualTo("AA");
    String euro =
        msh("LABHOSP", "ORU^R01", "ORU-CS-3", "20250604080000", "2.5", "8859/15")
            + pid("MRN-CS")
            + "OBX|1|NM|ZZUML3^Kosten €^99LAB||1|U|||||F\r";
    assertThat(
            field(
                sendBytes(
                    euro.getBytes(Charset.forName("ISO-8859-15")), StandardCharsets.ISO_8859_1),
                "MSA",
                1))
        .isEqualTo("AA");
    Map<String, String> displays = new java.util.HashMap<>();
    jdbc.query(
        "SELECT code, display FROM unmapped_code WHERE site_id = ? AND code LIKE 'ZZUML%'",
        rs -> {
          displays.put(rs.getString(1), rs.getString(2));
        },
        SITE);
    assertThat(displays)
        .containsEntry("ZZUML1", "Blutzucker ärztlich geprüft (Größe)")
        .containsEntry("ZZUML2", "Kälteagglutinine µ & Co")
        .containsEntry("ZZUML3", "Kosten €");
    // the raw message is kept with its decoded text
    assertThat(
            jdbc.queryForObject(
                "SELECT decoded FROM hl7v2_message WHERE facility = 'LABHOSP' AND control_id = 'ORU-CS-1'",
                String.class))
        .contains("ärztlich geprüft");
  }

  String sendBytes(byte[] message, Charset ackCharset) throws IOException {
    try (MllpClient c = new MllpClient(MLLP_PORT)) {
      return c.send(message, ackCharset);
    }
  }

  @Test
  void garbageInAFrameIsRejectedAndTheConnectionGoesOn() throws Exception {
    try (MllpClient c = new MllpClient(MLLP_PORT)) {
      String ack =
          c.send(
              "this is \u0001 not HL7 at all".getBytes(StandardCharsets.UTF_8),
              StandardCharsets.UTF_8);
      assertThat(field(ack, "MSA", 1)).isEqualTo("AR");
      String next =
          c.send(
              oru(
                  "ORU-G-1",
                  "MRN-G",
                  "20250605080000",
                  "NM|8867-4^Heart rate^LN||77|/min|||||F|||20250605080000"));
      assertThat(field(next, "MSA", 1)).isEqualTo("AA");
    }
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM dead_letter WHERE reason_code = 'hl7v2-ar-unparseable'"
                    + " AND convert_from(payload, 'UTF8') LIKE 'this is%'",
                Integer.class))
        .isEqualTo(1);
  }

  @Test
  @ExtendWith(OutputCaptureExtension.class)
  void aConnectionDroppedMidMessageTakesNothingInAndLogsNoPatientData(CapturedOutput output)
      throws Exception {
    String message =
        oru("ORU-DROP-1", "MRN-DROP", "20250606080000", "NM|8867-4^Heart rate^LN||70|/min|||||F");
    try (MllpClient c = new MllpClient(MLLP_PORT)) {
      byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
      byte[] half = new byte[bytes.length / 2 + 1];
      half[0] = MllpClient.VT;
      System.arraycopy(bytes, 0, half, 1, half.length - 1);
      c.writeRaw(half);
    }
    String ack =
        send(
            oru(
                "ORU-DROP-2",
                "MRN-DROP2",
                "20250606080000",
                "NM|8867-4^Heart rate^LN||71|/min|||||F"));
    assertThat(field(ack, "MSA", 1)).isEqualTo("AA");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM hl7v2_message WHERE control_id = 'ORU-DROP-1'",
                Integer.class))
        .isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM raw_resource r WHERE r.site_id = ? AND r.content -> 'identifier' -> 0 ->> 'value' = 'MRN-DROP'",
                Integer.class,
                SITE))
        .isZero();
    // camel-mllp reports the stalled frame after the read timeout (2 s here), quoting its bytes
    // unless its logger is kept quiet: no name or record number may reach the log
    Awaitility.await()
        .pollDelay(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(() -> true);
    assertThat(output.getAll()).doesNotContain("Rossi").doesNotContain("MRN-DROP^");
  }

  @Test
  void aFrameOverTheMaximumSizeIsNotTakenIn() throws Exception {
    StringBuilder big =
        new StringBuilder(
            oru(
                "ORU-BIG-1",
                "MRN-BIG",
                "20250606090000",
                "NM|8867-4^Heart rate^LN||70|/min|||||F"));
    big.append("NTE|1||").append("x".repeat(1_200_000)).append('\r');
    // no ACK (camel-mllp drops the frame): the sender's response timeout ends the wait
    try (MllpClient c = new MllpClient(MLLP_PORT, 8_000)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.send(big.toString()))
          .isInstanceOf(IOException.class);
    }
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM hl7v2_message WHERE control_id = 'ORU-BIG-1'", Integer.class))
        .isZero();
    assertThat(
            field(
                send(
                    oru(
                        "ORU-BIG-2",
                        "MRN-BIG",
                        "20250606090000",
                        "NM|8867-4^Heart rate^LN||71|/min|||||F")),
                "MSA",
                1))
        .isEqualTo("AA");
  }

  @Test
  void fourConnectionsAtOnceForOnePatientAreAllTakenIn() throws Exception {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    List<java.util.concurrent.Future<List<String>>> results = new java.util.ArrayList<>();
    for (int c = 0; c < 4; c++) {
      int conn = c;
      results.add(
          pool.submit(
              () -> {
                List<String> acks = new java.util.ArrayList<>();
                try (MllpClient client = new MllpClient(MLLP_PORT)) {
                  for (int i = 0; i < 10; i++) {
                    acks.add(
                        field(
                            client.send(
                                oru(
                                    "ORU-CC-" + conn + "-" + i,
                                    "MRN-CC",
                                    "20250607100000",
                                    String.format(
                                        "NM|8867-4^Heart rate^LN||%d|/min|||||F|||202506071%d%02d00",
                                        60 + i, conn, i))),
                            "MSA",
                            1));
                  }
                }
                return acks;
              }));
    }
    for (java.util.concurrent.Future<List<String>> r : results) {
      assertThat(r.get(2, java.util.concurrent.TimeUnit.MINUTES)).containsOnly("AA").hasSize(10);
    }
    pool.shutdown();
    assertThat(measurements("MRN-CC")).hasSize(40);
  }

  @Test
  void anUnknownFacilityIsRejectedAndItsDeadLetterReplaysAsHl7() throws Exception {
    String message =
        oru("ORU-U-1", "MRN-U", "20250607080000", "NM|8867-4^Heart rate^LN||70|/min|||||F")
            .replace("|LABHOSP|", "|NOWHERE|");
    String ack = send(message);
    assertThat(field(ack, "MSA", 1)).isEqualTo("AR");
    assertThat(field(ack, "MSA", 2)).isEqualTo("ORU-U-1");
    assertThat(segments(ack, "ERR").get(0)).contains("204^");
    Long id =
        jdbc.queryForObject(
            "SELECT dead_letter_id FROM dead_letter WHERE reason_code = 'hl7v2-ar-unknown-facility' AND resource_id = 'ORU-U-1'",
            Long.class);
    HttpResponse<String> replay = admin("POST", "/admin/dead-letters/" + id + "/replay");
    assertThat(replay.statusCode()).isEqualTo(200);
    JsonNode body = json.readTree(replay.body());
    assertThat(body.get("ackCode").asText()).isEqualTo("AR");
    assertThat(body.get("resolved").asBoolean()).isFalse();
    assertThat(
            jdbc.queryForObject(
                "SELECT replay_count FROM dead_letter WHERE dead_letter_id = ?", Integer.class, id))
        .isEqualTo(1);
  }

  @Test
  void adtEventsGiveCicuArrivalDischargeDeathAndCancelUndoes() throws Exception {
    String mrn = "MRN-ADT";
    String pid = pid(mrn);
    String deadPid = pid.replace("|F\r", "|F|||||||||||||||||||||20250605120000|Y\r");
    send(
        adt(
            "A01",
            "ADT-1",
            "20250601080000",
            pid,
            "PV1|1|I|WARD^101^1||||||||||||||||V-1|||||||||||||||||||||||||20250601080000"));
    send(
        adt(
            "A02",
            "ADT-2",
            "20250601100000",
            pid,
            "PV1|1|I|CICU^3^1|||WARD^101^1|||||||||||||V-1|||||||||||||||||||||||||20250601080000"));
    send(
        adt(
            "A08",
            "ADT-3",
            "20250602100000",
            deadPid,
            "PV1|1|I|CICU^3^1||||||||||||||||V-1|||||||||||||||||||||||||20250601080000"));
    String out =
        send(
            adt(
                "A02",
                "ADT-4",
                "20250603090000",
                deadPid,
                "PV1|1|I|WARD^102^1|||CICU^3^1|||||||||||||V-1|||||||||||||||||||||||||20250601080000"));
    assertThat(field(out, "MSA", 1)).isEqualTo("AA");

    String patient = patientOf(mrn);
    Map<String, Object> icu =
        jdbc.queryForMap(
            "SELECT period_start, period_end FROM encounter WHERE patient_id = ? AND intensive_care",
            patient);
    // Rome summer time: 10:00 local is 08:00Z
    assertThat(((Timestamp) icu.get("period_start")).toInstant())
        .isEqualTo(Instant.parse("2025-06-01T08:00:00Z"));
    assertThat(((Timestamp) icu.get("period_end")).toInstant())
        .isEqualTo(Instant.parse("2025-06-03T07:00:00Z"));
    Map<String, Object> stay =
        jdbc.queryForMap(
            "SELECT period_start, encounter_class FROM encounter WHERE patient_id = ? AND NOT intensive_care",
            patient);
    assertThat(((Timestamp) stay.get("period_start")).toInstant())
        .isEqualTo(Instant.parse("2025-06-01T06:00:00Z"));
    assertThat(
            ((Timestamp)
                    jdbc.queryForObject(
                        "SELECT deceased_at FROM patient WHERE patient_id = ?",
                        Timestamp.class,
                        patient))
                .toInstant())
        .isEqualTo(Instant.parse("2025-06-05T10:00:00Z"));

    // a lab result after the death does not undo it
    send(
        oru(
            "ORU-ADT-1",
            mrn,
            "20250605130000",
            "NM|8867-4^Heart rate^LN||40|/min|||||F|||20250605110000"));
    assertThat(
            jdbc.queryForObject(
                "SELECT deceased FROM patient WHERE patient_id = ?", Boolean.class, patient))
        .isTrue();

    // another visit, admitted straight to the CICU, then the admission is cancelled
    String pv1 = "PV1|1|I|CICU^4^1||||||||||||||||V-2|||||||||||||||||||||||||20250610080000";
    send(adt("A01", "ADT-5", "20250610080000", deadPid, pv1));
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM encounter WHERE patient_id = ? AND period_start = ?",
                Integer.class,
                patient,
                Timestamp.from(Instant.parse("2025-06-10T06:00:00Z"))))
        .isEqualTo(2);
    assertThat(field(send(adt("A11", "ADT-6", "20250610090000", deadPid, pv1)), "MSA", 1))
        .isEqualTo("AA");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM encounter WHERE patient_id = ? AND period_start = ?",
                Integer.class,
                patient,
                Timestamp.from(Instant.parse("2025-06-10T06:00:00Z"))))
        .isZero();
  }

  static String adt(String event, String controlId, String time, String pid, String pv1) {
    return msh("ADTHOSP", "ADT^" + event + "^ADT_A01", controlId, time, "2.5", null)
        + "EVN|"
        + event
        + "|"
        + time
        + "\r"
        + pid
        + pv1
        + "\r";
  }

  @Test
  void theSamePatientAsAFhirPatientWithThatIdentifier() throws Exception {
    send(
        oru(
            "ORU-ID-1",
            "MRN-ID",
            "20250608080000",
            "NM|8867-4^Heart rate^LN||88|/min|||||F|||20250608080000"));
    String fromHl7 = patientOf("MRN-ID");
    String patient =
        "{\"resourceType\":\"Patient\",\"id\":\"fhir-id-1\",\"identifier\":[{\"type\":{\"coding\":[{\"system\":"
            + "\"http://terminology.hl7.org/CodeSystem/v2-0203\",\"code\":\"MR\"}]},\"system\":\""
            + MRN_SYSTEM
            + "\",\"value\":\"MRN-ID\"}],\"gender\":\"female\"}\n";
    HttpResponse<String> res =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ingest/" + SITE))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/fhir+ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(patient))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(
            jdbc.queryForObject(
                "SELECT patient_id FROM patient_source_link WHERE site_id = ? AND source_patient_id = 'fhir-id-1'",
                String.class,
                SITE))
        .isEqualTo(fromHl7);
  }

  @Test
  void hapiClientGetsAnAaAndSourcesAndMetricsShowTheFacility() throws Exception {
    HapiContext ctx = new DefaultHapiContext();
    ctx.setValidationContext(new NoValidation());
    ctx.setModelClassFactory(new GenericModelClassFactory());
    ctx.setLowerLayerProtocol(new MinLowerLayerProtocol(true));
    String[] obx = new String[10];
    for (int i = 0; i < 10; i++) {
      obx[i] =
          "NM|8867-4^Heart rate^LN||"
              + (90 + i)
              + "|/min|||||F|||2025060909"
              + String.format("%02d", i)
              + "00";
    }
    Message message =
        ctx.getPipeParser().parse(oru("ORU-HAPI-1", "MRN-HAPI", "20250609100000", obx));
    Connection connection = ctx.newClient("localhost", MLLP_PORT, false);
    try {
      Message ack = connection.getInitiator().sendAndReceive(message);
      Terser t = new Terser(ack);
      assertThat(t.get("/MSA-1")).isEqualTo("AA");
      assertThat(t.get("/MSA-2")).isEqualTo("ORU-HAPI-1");
    } finally {
      connection.close();
      ctx.close();
    }
    assertThat(measurements("MRN-HAPI")).hasSize(10);

    HttpResponse<String> sources = admin("GET", "/admin/sources");
    assertThat(sources.statusCode()).isEqualTo(200);
    JsonNode lab = null;
    for (JsonNode s : json.readTree(sources.body())) {
      if ("LABHOSP".equals(s.path("facility").asText())) {
        lab = s;
      }
    }
    assertThat(lab).isNotNull();
    assertThat(lab.get("type").asText()).isEqualTo("mllp");
    assertThat(lab.get("sourceId").asText()).isEqualTo(SITE);
    assertThat(lab.get("accepted").asLong()).isPositive();
    assertThat(lab.get("lastMessageAt").isNull()).isFalse();
    assertThat(
            meters
                .find("shockreg.mllp.messages")
                .tag("facility", "LABHOSP")
                .tag("ack", "AA")
                .counter())
        .isNotNull()
        .satisfies(c -> assertThat(c.count()).isPositive());
  }
}
