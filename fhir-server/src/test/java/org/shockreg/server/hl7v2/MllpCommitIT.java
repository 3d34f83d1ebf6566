package org.shockreg.server.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.shockreg.server.hl7v2.MllpClient.field;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.server.IntegrationTestSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * How an HL7 v2 message commits, over real sockets and a real PostgreSQL: its facts and its record
 * (the resend check, the ACK) in one transaction, so a failure between them leaves neither and the
 * sender's resend is taken in once; copies of a message racing on several connections are taken in
 * once and all answered alike.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MllpCommitIT extends IntegrationTestSupport {

  static final String SITE = "mllp-commit";
  static final int MLLP_PORT = MllpIntakeIT.freePort();
  static final Path DATA = newDataDir("it-mllp-commit-");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, DATA);
    registry.add("shockreg.inbox.enabled", () -> "false");
    registry.add("shockreg.mllp.port", () -> Integer.toString(MLLP_PORT));
    registry.add("shockreg.mllp.host", () -> "127.0.0.1");
    registry.add("shockreg.mllp.facilities.COMMITHOSP", () -> SITE);
  }

  @Autowired JdbcTemplate jdbc;
  @Autowired MeterRegistry meters;

  double resendsAnswered() {
    Counter c =
        meters
            .find("shockreg.mllp.messages")
            .tags("facility", "COMMITHOSP", "ack", "AA", "resend", "true")
            .counter();
    return c == null ? 0 : c.count();
  }

  static String oru(String controlId, String mrn, int heartRate) {
    return "MSH|^~\\&|LABSYS|COMMITHOSP|SHOCKREG|REG|20250610080000||ORU^R01^ORU_R01|"
        + controlId
        + "|P|2.5.1\r"
        + "PID|1||"
        + mrn
        + "^^^HOSP^MR||Bianchi^Anna||19610203|F\r"
        + "OBR|1||ORD-"
        + controlId
        + "|LAB^Panel^L|||20250610080000\r"
        + "OBX|1|NM|8867-4^Heart rate^LN||"
        + heartRate
        + "|/min|||||F|||20250610075500\r"
        + "OBX|2|NM|2524-7^Lactate^LN||2.4|mmol/L|||||F|||20250610075500\r";
  }

  String send(String message) throws Exception {
    try (MllpClient c = new MllpClient(MLLP_PORT)) {
      return c.send(message);
    }
  }

  int measurements(String mrn) {
    return jdbc.queryForObject(
        "SELECT count(*) FROM measurement m JOIN patient_source_link l ON l.patient_id = m.patient_id"
            + " JOIN source_resource_head h ON h.site_id = l.site_id AND h.resource_type = 'Patient'"
            + " AND h.resource_id = l.source_patient_id JOIN raw_resource r ON r.raw_id = h.raw_id"
            + " WHERE l.site_id = ? AND r.content -> 'identifier' -> 0 ->> 'value' = ?",
        Integer.class,
        SITE,
        mrn);
  }

  int rawRows(String resourceType) {
    return jdbc.queryForObject(
        "SELECT count(*) FROM raw_resource WHERE site_id = ? AND resource_type = ?",
        Integer.class,
        SITE,
        resourceType);
  }

  int records(String controlId) {
    return jdbc.queryForObject(
        "SELECT count(*) FROM hl7v2_message WHERE facility = 'COMMITHOSP' AND control_id = ?",
        Integer.class,
        controlId);
  }

  @Test
  void aRecordThatFailsTakesNoFactsInAndTheResendIsTakenInOnce() throws Exception {
    // the record of this message cannot be written (a disk full, a lost connection): simulated by
    // a trigger on the record table for this message only
    jdbc.execute(
        "CREATE OR REPLACE FUNCTION it_no_record() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN RAISE EXCEPTION 'it: no record'; END $$");
    jdbc.execute(
        "CREATE TRIGGER it_no_record BEFORE INSERT ON hl7v2_message FOR EACH ROW"
            + " WHEN (NEW.control_id = 'ORU-FAIL-1') EXECUTE FUNCTION it_no_record()");
    String message = oru("ORU-FAIL-1", "MRN-FAIL", 97);
    String failed;
    try {
      failed = send(message);
    } finally {
      jdbc.execute("DROP TRIGGER it_no_record ON hl7v2_message");
    }
    assertThat(field(failed, "MSA", 1)).isEqualTo("AE");
    assertThat(field(failed, "MSA", 2)).isEqualTo("ORU-FAIL-1");
    assertThat(records("ORU-FAIL-1")).isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM raw_resource r WHERE r.site_id = ?"
                    + " AND r.content -> 'identifier' -> 0 ->> 'value' = 'MRN-FAIL'",
                Integer.class,
                SITE))
        .as("no fact of a message without its record")
        .isZero();

    String resent = send(message);
    assertThat(field(resent, "MSA", 1)).isEqualTo("AA");
    assertThat(records("ORU-FAIL-1")).isEqualTo(1);
    assertThat(measurements("MRN-FAIL")).isEqualTo(2);
    // and a resend of that is answered from the record
    assertThat(field(send(message), "MSA", 1)).isEqualTo("AA");
    assertThat(measurements("MRN-FAIL")).isEqualTo(2);
  }

  @Test
  void copiesOfAMessageRacingOnFourConnectionsAreTakenInOnce() throws Exception {
    int before = rawRows("Observation");
    double resendsBefore = resendsAnswered();
    int rounds = 5;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < rounds; round++) {
        String message = oru("ORU-RACE-" + round, "MRN-RACE-" + round, 70 + round);
        CyclicBarrier start = new CyclicBarrier(4);
        List<Future<String>> acks = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
          acks.add(
              pool.submit(
                  () -> {
                    try (MllpClient client = new MllpClient(MLLP_PORT)) {
                      start.await(30, TimeUnit.SECONDS);
                      return client.send(message);
                    }
                  }));
        }
        for (Future<String> ack : acks) {
          String a = ack.get(2, TimeUnit.MINUTES);
          assertThat(field(a, "MSA", 1)).isEqualTo("AA");
          assertThat(field(a, "MSA", 2)).isEqualTo("ORU-RACE-" + round);
        }
        assertThat(records("ORU-RACE-" + round)).isEqualTo(1);
        assertThat(measurements("MRN-RACE-" + round)).isEqualTo(2);
      }
    } finally {
      pool.shutdownNow();
    }
    // each Observation stored once: no copy wrote a second raw version
    assertThat(rawRows("Observation") - before).isEqualTo(2 * rounds);
    // and every copy but one was answered as a resend (from the record), none taken in again
    assertThat(resendsAnswered() - resendsBefore).isEqualTo(3.0 * rounds);
  }
}
