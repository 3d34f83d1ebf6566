package org.shockreg.server.rekey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.testing.TestDatabase;
import org.shockreg.server.ShockRegApplication;
import org.shockreg.server.audit.AuditWriter;
import org.shockreg.server.trial.SourceRecords;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/**
 * Key rotation end to end (docs/pseudonym-key.md): a cohort (hand-written ALTSHOCK-2 candidates,
 * Synthea bundles, a new version, a delete, a randomization through intake and one through the EDC
 * API) is curated under key A; the re-keying job re-curates it into a fresh database under key B.
 * Every patient gets a new id, nothing is lost (patients, facts, ResearchSubjects, randomizations),
 * and the result is exactly what ingesting the same data directly under key B gives.
 */
class RekeyIT {

  static final String TOKEN = "rekey-admin-token-0123456789";
  static final String KEY_A = key('a');
  static final String KEY_B = key('b');
  static final Instant T0 = Instant.parse("2025-06-02T10:00:00Z");
  static final ObjectMapper JSON = new ObjectMapper();
  final HttpClient http = HttpClient.newHttpClient();

  static String key(char fill) {
    return Base64.getEncoder()
        .encodeToString(String.valueOf(fill).repeat(32).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void rekeying_givesEveryPatientANewId_losesNothing_andEqualsDirectIngestionUnderTheNewKey()
      throws Exception {
    TestDatabase.Database dbA = TestDatabase.newDatabase();
    TestDatabase.Database dbDirect = TestDatabase.newDatabase();
    TestDatabase.Database dbB = TestDatabase.newDatabase();

    JdbcTemplate old = jdbc(dbA);
    JdbcTemplate expected = jdbc(dbDirect);
    JdbcTemplate rekeyed = jdbc(dbB);
    try (ConfigurableApplicationContext a = start(dbA, KEY_A, "a", null)) {
      feed(port(a), old);
    }
    try (ConfigurableApplicationContext direct = start(dbDirect, KEY_B, "direct", null)) {
      feed(port(direct), expected);
    }

    try (ConfigurableApplicationContext b = start(dbB, KEY_B, "b", dbA)) {
      int port = port(b);
      // the same key on both sides is no rotation
      HttpResponse<String> sameKey =
          post(
              port,
              "/admin/rekey",
              "{\"url\":\""
                  + dbDirect.url()
                  + "\",\"username\":\""
                  + dbDirect.username()
                  + "\",\"password\":\""
                  + dbDirect.password()
                  + "\"}");
      assertThat(sameKey.statusCode()).as(sameKey.body()).isEqualTo(409);
      assertThat(JSON.readTree(sameKey.body()).path("code").asText()).isEqualTo("same-key");
      // a driver parameter that loads classes is refused before any connection is made
      HttpResponse<String> unsafe =
          post(
              port,
              "/admin/rekey",
              "{\"url\":\"jdbc:postgresql://localhost:5432/x?socketFactory=java.lang.Object\"}");
      assertThat(unsafe.statusCode()).as(unsafe.body()).isEqualTo(422);
      assertThat(rekeyed.queryForObject("SELECT count(*) FROM patient", Integer.class)).isZero();

      // the configured old database (shockreg.rekey.source.*): 202, then the status resource
      HttpResponse<String> accepted = post(port, "/admin/rekey", "");
      assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
      assertThat(accepted.headers().firstValue("Location")).hasValue("/admin/rekey");
      JsonNode first = awaitDone(port);
      assertThat(first.path("state").asText()).as(first.toString()).isEqualTo("succeeded");
      assertThat(first.path("verified").asBoolean()).as(first.toString()).isTrue();
      // the url as it may be shown: its parameters (which may hold credentials) left out
      assertThat(first.path("source").asText())
          .isEqualTo(dbA.url().substring(0, dbA.url().indexOf('?')) + "?…");
      Map<String, Long> oldHeads =
          counts(old, "SELECT site_id, count(*) FROM source_resource_head GROUP BY 1");
      assertThat(first.path("sites")).hasSize(oldHeads.size());
      for (JsonNode site : first.path("sites")) {
        long heads = oldHeads.get(site.path("site").asText());
        assertThat(site.path("oldHeads").asLong()).isEqualTo(heads);
        assertThat(site.path("received").asLong()).isEqualTo(heads);
        assertThat(site.path("newHeads").asLong()).isEqualTo(heads);
        assertThat(site.path("rejected").asInt()).isZero();
      }
      assertThat(first.path("randomizations").path("old").asInt()).isEqualTo(1);
      assertThat(first.path("randomizations").path("recorded").asInt()).isEqualTo(1);

      // another old database (under a third key) is refused: this one is not fresh any more
      TestDatabase.Database other = TestDatabase.newDatabase();
      jdbc(other)
          .execute("CREATE TABLE registry_setting (name text PRIMARY KEY, value text NOT NULL)");
      jdbc(other)
          .update(
              "INSERT INTO registry_setting VALUES ('pseudonym-key-fingerprint', 'ccccccccccccccccccc')");
      HttpResponse<String> notFresh =
          post(
              port,
              "/admin/rekey",
              "{\"url\":\""
                  + other.url()
                  + "\",\"username\":\""
                  + other.username()
                  + "\",\"password\":\""
                  + other.password()
                  + "\"}");
      assertThat(notFresh.statusCode()).as(notFresh.body()).isEqualTo(409);
      assertThat(JSON.readTree(notFresh.body()).path("code").asText()).isEqualTo("not-fresh");

      // running it again from the same old database resumes: nothing new, nothing twice
      assertThat(post(port, "/admin/rekey", "").statusCode()).isEqualTo(202);
      JsonNode again = awaitDone(port);
      assertThat(again.path("verified").asBoolean()).as(again.toString()).isTrue();
      for (JsonNode site : again.path("sites")) {
        assertThat(site.path("curated").asInt()).as(site.toString()).isZero();
        assertThat(
                site.path("unchanged").asInt()
                    + site.path("deleted").asInt()
                    + site.path("skipped").asInt())
            .as(site.toString())
            .isEqualTo(site.path("received").asInt());
      }
      assertThat(again.path("randomizations").path("alreadyRecorded").asInt()).isEqualTo(1);
      assertThat(again.path("randomizations").path("recorded").asInt()).isZero();

      // both runs are in the audit trail, as imports by the admin, with their totals
      b.getBean(AuditWriter.class).flush();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  rekeyed.queryForObject(
                          "SELECT count(*) FROM audit_event WHERE entity_what = 'rekey' AND type_code = '110107' AND outcome = 0",
                          Integer.class)
                      == 2);
      assertThat(
              rekeyed.queryForList(
                  "SELECT entity_detail::text FROM audit_event WHERE entity_what = 'rekey'",
                  String.class))
          .noneMatch(d -> !dbA.password().isEmpty() && d.contains(dbA.password()))
          .anyMatch(d -> d.contains("\"verified\": \"true\""));
    }

    // every patient has a new id; the same source patient has the id direct ingestion under B gives
    List<Map<String, Object>> oldLinks =
        old.queryForList("SELECT site_id, source_patient_id, patient_id FROM patient_source_link");
    assertThat(oldLinks).hasSizeGreaterThanOrEqualTo(4);
    for (Map<String, Object> link : oldLinks) {
      String site = (String) link.get("site_id");
      String source = (String) link.get("source_patient_id");
      String newId = patientOf(rekeyed, site, source);
      assertThat(newId).as(site + "/" + source).isNotNull().isNotEqualTo(link.get("patient_id"));
      assertThat(newId).isEqualTo(patientOf(expected, site, source));
    }
    Set<String> oldIds =
        new HashSet<>(old.queryForList("SELECT patient_id FROM patient", String.class));
    assertThat(rekeyed.queryForList("SELECT patient_id FROM patient", String.class))
        .doesNotContainAnyElementsOf(oldIds);

    // nothing lost: the same number of everything
    for (String table :
        List.of(
            "patient",
            "encounter",
            "measurement",
            "device_therapy",
            "diagnosis",
            "shock_episode",
            "derived_fact",
            "research_subject",
            "randomization",
            "source_resource_head")) {
      int n = old.queryForObject("SELECT count(*) FROM " + table, Integer.class);
      assertThat(rekeyed.queryForObject("SELECT count(*) FROM " + table, Integer.class))
          .as(table)
          .isEqualTo(n);
    }
    assertThat(
            old.queryForObject(
                "SELECT count(*) FROM research_subject WHERE status = 'on-study'", Integer.class))
        .isEqualTo(2);

    // derived facts are equal apart from ids; with ids, equal to direct ingestion under key B
    for (String[] q : FACTS) {
      assertThat(rows(rekeyed, q[0])).as(q[0]).isEqualTo(rows(old, q[0])).isNotEmpty();
      assertThat(rows(rekeyed, q[1])).as(q[1]).isEqualTo(rows(expected, q[1]));
    }
  }

  /** Per kind of fact: its content without ids, and its content with ids. */
  static final String[][] FACTS = {
    {
      "SELECT site_id, source_type, source_id, variable, status, effective_at, value, unit, flags FROM measurement",
      "SELECT observation_id, patient_id, site_id, source_id, variable, value FROM measurement"
    },
    {
      "SELECT site_id, source_id, device, status, started_at, ended_at FROM device_therapy",
      "SELECT procedure_id, patient_id, device, started_at FROM device_therapy"
    },
    {
      "SELECT site_id, source_id, category, onset_at FROM diagnosis",
      "SELECT condition_id, patient_id, category FROM diagnosis"
    },
    {
      "SELECT site_id, cicu_arrival_at, shock_diagnosis_at, age_at_diagnosis FROM shock_episode",
      "SELECT episode_id, patient_id, encounter_id, shock_diagnosis_at FROM shock_episode"
    },
    {
      "SELECT kind, value_code, value_boolean, value_number, effective_at, unit, flags FROM derived_fact",
      "SELECT fact_id, patient_id, episode_id, focus, kind, value_code, value_boolean, value_number, evidence::text"
          + " FROM derived_fact"
    },
    {
      "SELECT study_id, status, assigned_arm, actual_arm, screening_result, randomized_at, deviations, endpoint"
          + " FROM research_subject",
      "SELECT subject_id, study_id, patient_id, episode_id, status, assigned_arm, criteria::text FROM research_subject"
    },
    {
      "SELECT study_id, arm, randomized_at, origin, site_id, source_id FROM randomization",
      "SELECT study_id, patient_id, arm, randomized_at, origin FROM randomization"
    },
  };

  /** The cohort, the same bodies in the same order whichever key it is curated under. */
  void feed(int port, JdbcTemplate jdbc) throws Exception {
    // two ALTSHOCK-2 candidates: one randomized through the EDC API, one by an incoming
    // ResearchSubject
    ingest(
        port,
        "rk-north",
        "application/fhir+ndjson",
        new SourceRecords("rk-1", T0)
            .candidate()
            .procedure("iabp", "399217008", Duration.ofHours(4))
            .observation("hr", "8867-4", 101, "/min", Duration.ofHours(1))
            .ndjson());
    ingest(
        port,
        "rk-south",
        "application/fhir+ndjson",
        new SourceRecords("rk-2", T0)
            .candidate()
            .procedure("iabp", "399217008", Duration.ofHours(3))
            .researchSubject("altshock-2", "early-iabp", Duration.ofHours(2))
            .ndjson());
    // a new version of a lactate, and a delete of the heart rate
    ingest(
        port,
        "rk-north",
        "application/fhir+ndjson",
        new SourceRecords("rk-1", T0)
            .observation("lac", "2524-7", 4.2, "mmol/L", Duration.ofHours(1))
            .ndjson());
    ingest(
        port,
        "rk-north",
        "application/fhir+json",
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"request\":{\"method\":\"DELETE\","
            + "\"url\":\"Observation/rk-1-hr\"}}]}");
    // Synthea transaction bundles (urn:uuid references, conditional references, many resource
    // types)
    for (String slice : List.of("synthea-dylan44-slice.json", "synthea-xavier983-slice.json")) {
      Path file = Path.of("src/test/resources/fuzz", slice);
      ingest(port, "rk-synthea", "application/fhir+json", Files.readString(file));
    }
    HttpResponse<String> randomized =
        post(
            port,
            "/edc/altshock-2/randomizations",
            "{\"patient\":\""
                + patientOf(jdbc, "rk-north", "rk-1")
                + "\",\"arm\":\"early-iabp\",\"time\":\""
                + T0.plus(Duration.ofHours(2))
                + "\"}");
    assertThat(randomized.statusCode()).as(randomized.body()).isEqualTo(201);
  }

  void ingest(int port, String site, String contentType, String body) throws Exception {
    HttpResponse<String> res =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ingest/" + site))
                .header("Content-Type", contentType)
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
  }

  HttpResponse<String> post(int port, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + TOKEN)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  JsonNode status(int port) throws Exception {
    HttpResponse<String> res =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/admin/rekey"))
                .header("Authorization", "Bearer " + TOKEN)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return JSON.readTree(res.body());
  }

  JsonNode awaitDone(int port) {
    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              last[0] = status(port);
              return !"running".equals(last[0].path("state").asText());
            });
    return last[0];
  }

  static String patientOf(JdbcTemplate jdbc, String site, String source) {
    List<String> ids =
        jdbc.queryForList(
            "SELECT patient_id FROM patient_source_link WHERE site_id = ? AND source_patient_id = ?",
            String.class,
            site,
            source);
    return ids.isEmpty() ? null : ids.get(0);
  }

  /** The rows of a query as a multiset (sorted text), to compare two databases. */
  static List<String> rows(JdbcTemplate jdbc, String sql) {
    List<String> out = new ArrayList<>();
    for (Map<String, Object> row : jdbc.queryForList(sql)) {
      out.add(row.toString());
    }
    out.sort(null);
    return out;
  }

  static Map<String, Long> counts(JdbcTemplate jdbc, String sql) {
    Map<String, Long> out = new HashMap<>();
    jdbc.query(
        sql,
        rs -> {
          out.put(rs.getString(1), rs.getLong(2));
        });
    return out;
  }

  static JdbcTemplate jdbc(TestDatabase.Database db) {
    return new JdbcTemplate(
        new SimpleDriverDataSource(
            new org.postgresql.Driver(), db.url(), db.username(), db.password()));
  }

  static int port(ConfigurableApplicationContext context) {
    return ((ServletWebServerApplicationContext) context).getWebServer().getPort();
  }

  static ConfigurableApplicationContext start(
      TestDatabase.Database db, String key, String name, TestDatabase.Database rekeySource)
      throws Exception {
    Path target = Path.of("target").toAbsolutePath();
    Files.createDirectories(target);
    Path dataDir = Files.createTempDirectory(target, "rekey-" + name + "-");
    List<String> args =
        new ArrayList<>(
            List.of(
                "--spring.datasource.url=" + db.url(),
                "--spring.datasource.username=" + db.username(),
                "--spring.datasource.password=" + db.password(),
                "--shockreg.data-dir=" + dataDir,
                "--shockreg.pseudonym.key=" + key,
                "--spring.quartz.properties.org.quartz.scheduler.instanceName=rekey-"
                    + name
                    + "-"
                    + db.url().hashCode(),
                "--server.port=0",
                "--shockreg.mllp.port=-1",
                "--shockreg.inbox.enabled=false",
                "--shockreg.security.tokens[0].token=" + TOKEN,
                "--shockreg.security.tokens[0].role=admin"));
    if (rekeySource != null) {
      // small pages: a Patient and its facts land in different intake bodies, as in a large
      // registry
      args.add("--shockreg.intake.batch-size=7");
      args.add("--shockreg.rekey.source.url=" + rekeySource.url());
      args.add("--shockreg.rekey.source.username=" + rekeySource.username());
      args.add("--shockreg.rekey.source.password=" + rekeySource.password());
    }
    return new SpringApplicationBuilder(ShockRegApplication.class).run(args.toArray(String[]::new));
  }
}
