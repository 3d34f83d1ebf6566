package org.shockreg.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.ingest.pipeline.UnparseableBodyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Property-based intake fuzzing (issue 11 item 7) against the real {@link IntakePipeline} on the
 * test PostgreSQL: mutated Synthea slices and golden-corpus payloads, as NDJSON and as Bundles. For
 * every body: no exception escapes but a whole-body refusal (dead-lettered byte for byte), no hang,
 * and nothing is lost: {@code received} is the number of resources sent and the sum of every
 * outcome, and each rejection has a dead letter with its raw payload and reason. Each try posts to
 * a site of its own (so a failing seed replays alone), then posts the same body again: nothing new
 * is curated. More tries: {@code -Dfuzz.factor=20}; one seed: {@code -Dfuzz.seed=S} ({@link
 * FuzzTries}).
 */
class IntakeFuzzIT {

  static final Duration LIMIT = Duration.ofSeconds(60);
  private static final AtomicInteger sites = new AtomicInteger();

  @TestFactory
  Stream<DynamicTest> ndjsonBodies_loseNothing() {
    return FuzzTries.of(
        "IntakeFuzzIT.ndjsonBodies_loseNothing",
        400,
        FuzzBodies::ndjson,
        IntakeFuzzIT::ingestTwice);
  }

  @TestFactory
  Stream<DynamicTest> bundlesAndResources_loseNothing() {
    return FuzzTries.of(
        "IntakeFuzzIT.bundlesAndResources_loseNothing",
        300,
        FuzzBodies::bundle,
        IntakeFuzzIT::ingestTwice);
  }

  // ---- crashers the fuzzers found, kept as regression cases ------------------------------------

  static final String LACTATE =
      "{\"resourceType\":\"Observation\",\"id\":\"%s\",\"status\":\"final\","
          + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":%s}]},"
          + "\"subject\":{\"reference\":\"%s\"},\"effectiveDateTime\":\"2025-03-01T10:00:00Z\","
          + "\"valueQuantity\":{\"value\":4.2,\"unit\":\"mmol/L\"}}";

  static FuzzBodies.Body ndjson(String... lines) {
    byte[] bytes = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    return new FuzzBodies.Body(
        "application/fhir+ndjson", bytes, lines.length, lines.length, "example");
  }

  static FuzzBodies.Body json(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    int[] bounds = FuzzBodies.countEntries(bytes);
    return new FuzzBodies.Body("application/fhir+json", bytes, bounds[0], bounds[1], "example");
  }

  /** PostgreSQL text cannot hold NUL: the id's insert failed the whole batch (a 500). */
  @Test
  void nulInAnId_rejectsThatResourceAlone() {
    IntakeReport r =
        ingest(
            "fz-nul-id",
            ndjson(
                LACTATE.formatted("\\u0000", "\"2524-7\"", "Patient/p1"),
                LACTATE.formatted("lac-ok", "\"2524-7\"", "Patient/p1")));
    assertThat(r.rejected()).isEqualTo(1);
    assertThat(r.issues().get(0).code()).isEqualTo("invalid-characters");
    assertThat(r.curated()).isEqualTo(1);
  }

  /** jsonb refuses an unpaired surrogate escape: the raw insert failed the whole batch. */
  @Test
  void unpairedSurrogateInAReference_rejectsThatResourceAlone() {
    IntakeReport r =
        ingest("fz-surrogate", ndjson(LACTATE.formatted("lac-s", "\"2524-7\"", "\\udc00")));
    assertThat(r.rejected()).isEqualTo(1);
    assertThat(r.issues().get(0).code()).isEqualTo("invalid-characters");
  }

  /** A NUL in the Bundle's resourceType ended up in the dead letter's reason text. */
  @Test
  void nulInTheBodysResourceType_isRefusedWholeAndDeadLettered() {
    assertThat(
            ingest(
                "fz-nul-body",
                json(
                    "{\"resourceType\":\"\\u0000\",\"entry\":[{\"resource\":"
                        + LACTATE.formatted("lac-b", "\"2524-7\"", "Patient/p1")
                        + "}]}")))
        .isNull();
  }

  /** A coding with a system and no code: the unmapped-code row had a null code (a 500). */
  @Test
  void codingWithoutCode_isListedAsUnmapped() {
    IntakeReport r = ingest("fz-no-code", ndjson(LACTATE.formatted("lac-n", "[]", "Patient/p1")));
    assertThat(r.unmapped()).isEqualTo(1);
    assertThat(
            FuzzServer.get()
                .jdbc()
                .queryForObject(
                    "SELECT code FROM unmapped_code WHERE site_id = 'fz-no-code'", String.class))
        .isEqualTo("(no code)");
  }

  /** A megabyte code: the unmapped-code row exceeded PostgreSQL's btree row size (a 500). */
  @Test
  void megabyteCode_isListedCut() {
    IntakeReport r =
        ingest(
            "fz-long-code",
            ndjson(LACTATE.formatted("lac-l", "\"" + "x".repeat(1_000_000) + "\"", "Patient/p1")));
    assertThat(r.unmapped()).isEqualTo(1);
    assertThat(
            FuzzServer.get()
                .jdbc()
                .queryForObject(
                    "SELECT length(code) FROM unmapped_code WHERE site_id = 'fz-long-code'",
                    Integer.class))
        .isLessThan(300);
  }

  /** HAPI reads " 1937-02-19 " as a day; LocalDate.parse of the text did not (a 500). */
  @Test
  void birthDateWithSpaces_isCurated() {
    IntakeReport r =
        ingest(
            "fz-birth-spaces",
            ndjson("{\"resourceType\":\"Patient\",\"id\":\"p1\",\"birthDate\":\" 1937-02-19 \"}"));
    assertThat(r.rejected() + r.curated()).isEqualTo(1);
  }

  /** UCUM's parser spent minutes on a megabyte unit code (a hang, then a timeout). */
  @Test
  void megabyteUnit_isRejectedQuickly() {
    String obs =
        LACTATE
            .formatted("lac-u", "\"2524-7\"", "Patient/p1")
            .replace("\"unit\":\"mmol/L\"", "\"unit\":\"" + "x".repeat(1_000_000) + "\"");
    IntakeReport r = ingest("fz-long-unit", ndjson(obs));
    assertThat(r.rejected()).isEqualTo(1);
    assertThat(r.issues().get(0).code()).isEqualTo("unknown-unit");
    assertThat(r.issues().get(0).reason()).hasSizeLessThan(200);
  }

  /** HAPI's parser threw a NullPointerException on an extension that is a string (a 500). */
  @Test
  void extensionThatIsNotAnObject_isRejected() {
    IntakeReport r =
        ingest(
            "fz-ext-string",
            ndjson(
                "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"extension\":[{\"url\":\"http://x.example/e\","
                    + "\"extension\":[\"object\"]}],\"gender\":\"male\"}"));
    assertThat(r.rejected()).isEqualTo(1);
    assertThat(r.issues().get(0).code()).isEqualTo("invalid-resource");
  }

  /** One code with two displays in a batch: the unmapped-code upsert hit its row twice (a 500). */
  @Test
  void sameUnmappedCodeWithTwoDisplays_isCountedTwice() {
    String spo2 =
        "{\"resourceType\":\"Observation\",\"id\":\"%s\",\"status\":\"final\",\"code\":{\"coding\":"
            + "[{\"system\":\"http://loinc.org\",\"code\":\"2708-6\"%s}]},\"subject\":{\"reference\":\"Patient/p1\"},"
            + "\"effectiveDateTime\":\"2025-02-10T04:00:00Z\",\"valueQuantity\":{\"value\":89,\"unit\":\"%%\"}}";
    IntakeReport r =
        ingest(
            "fz-two-displays",
            ndjson(
                spo2.formatted("s1", ",\"display\":\"Oxygen saturation\""),
                spo2.formatted("s2", "")));
    assertThat(r.unmapped()).isEqualTo(2);
    assertThat(
            FuzzServer.get()
                .jdbc()
                .queryForObject(
                    "SELECT seen_count FROM unmapped_code WHERE site_id = 'fz-two-displays'",
                    Integer.class))
        .isEqualTo(2);
  }

  /**
   * A code sent as extensions only ({@code _status}, {@code _gender}, {@code _comparator}): HAPI
   * says it is there but its value is null, and the mapping threw a NullPointerException
   * (mapping-failed; found by the JUnit port of the fuzzers).
   */
  @Test
  void codeWithExtensionsOnly_isMappedWithoutIt() {
    String ext = "{\"extension\":[{\"url\":\"http://x.example/e\",\"valueString\":\"x\"}]}";
    IntakeReport r =
        ingest(
            "fz-ext-only",
            ndjson(
                "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"_gender\":"
                    + ext
                    + ",\"birthDate\":\"1937-02-19\"}",
                "{\"resourceType\":\"Encounter\",\"id\":\"e1\",\"_status\":"
                    + ext
                    + ",\"class\":{\"system\":"
                    + "\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"IMP\"},\"subject\":"
                    + "{\"reference\":\"Patient/p1\"},\"period\":{\"start\":\"2025-03-01T10:00:00Z\"}}",
                LACTATE
                    .formatted("lac-c", "\"2524-7\"", "Patient/p1")
                    .replace("\"value\":4.2", "\"value\":4.2,\"_comparator\":" + ext)));
    assertThat(r.received()).isEqualTo(3);
  }

  static void ingestTwice(FuzzBodies.Body body) {
    String site = "fz-" + sites.incrementAndGet();
    IntakeReport first = ingest(site, body);
    if (first == null) {
      return;
    }
    IntakeReport again = ingest(site, body);
    assertThat(again).as("re-posting the same body").isNotNull();
    assertThat(again.received()).as("re-post received").isEqualTo(first.received());
    assertThat(again.curated()).as("re-post curates nothing new (%s)", again).isZero();
  }

  /** One intake with every check; null when the body was refused whole (and dead-lettered). */
  static IntakeReport ingest(String site, FuzzBodies.Body body) {
    FuzzServer server = FuzzServer.get();
    IntakePipeline pipeline = server.pipeline();
    IntakeRequest request =
        new IntakeRequest(
            site,
            IntakeRequest.CHANNEL_HTTP,
            "fuzz",
            body.contentType(),
            null,
            IntakeRequest.Body.of(body.bytes()));
    IntakeReport report;
    try {
      report = assertTimeoutPreemptively(LIMIT, () -> pipeline.ingest(request), "intake hangs");
    } catch (UnparseableBodyException refused) {
      assertThat(body.ndjson()).as("an NDJSON body is never refused whole").isFalse();
      Map<String, Object> row =
          server
              .jdbc()
              .queryForMap(
                  "SELECT site_id, payload FROM dead_letter WHERE dead_letter_id = ?",
                  refused.deadLetterId());
      assertThat(row.get("site_id")).isEqualTo(site);
      assertThat((byte[]) row.get("payload"))
          .as("the refused body kept byte for byte")
          .isEqualTo(body.bytes());
      return null;
    }
    checkAccounting(server.jdbc(), site, body, report);
    return report;
  }

  static void checkAccounting(
      JdbcTemplate jdbc, String site, FuzzBodies.Body body, IntakeReport report) {
    assertThat(report.received())
        .as("received = sum of outcomes (%s)", report)
        .isEqualTo(outcomeSum(report));
    if (body.minResources() >= 0) {
      assertThat(report.received())
          .as("every resource sent is counted (%s)", report)
          .isBetween(body.minResources(), body.maxResources());
    }
    assertThat(report.issues()).as("one issue per rejection").hasSize(report.rejected());
    for (IntakeReport.Issue issue : report.issues()) {
      assertThat(issue.reason()).as("a rejection has a reason").isNotBlank();
      // The pipeline's safety net for mapping bugs: a fuzz find all the same.
      assertThat(issue.code()).as("a mapping bug: %s", issue).isNotEqualTo("mapping-failed");
      List<Map<String, Object>> rows =
          jdbc.queryForList(
              "SELECT site_id, reason_code, payload FROM dead_letter WHERE dead_letter_id = ?",
              issue.deadLetterId());
      assertThat(rows).as("dead letter of %s", issue).hasSize(1);
      assertThat(rows.get(0).get("site_id")).isEqualTo(site);
      assertThat(rows.get(0).get("reason_code")).isEqualTo(issue.code());
      String payload = new String((byte[]) rows.get(0).get("payload"), StandardCharsets.UTF_8);
      assertThat(payload).as("the raw payload of %s", issue).isNotBlank();
    }
  }

  /**
   * curated + unchanged + rejected + ... : every int-valued count of the report but received, found
   * by reflection so that a new outcome (e.g. deleted) is summed without touching this test.
   */
  static int outcomeSum(IntakeReport report) {
    int sum = 0;
    for (Method m : IntakeReport.class.getMethods()) {
      if (m.getParameterCount() == 0
          && m.getReturnType() == int.class
          && !Modifier.isStatic(m.getModifiers())
          && !m.getName().equals("received")
          && !m.getName().equals("hashCode")) {
        try {
          sum += (int) m.invoke(report);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return sum;
  }
}
