package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Partial dates keep their precision (issue 10 item 7), over real HTTP on a real PostgreSQL: a
 * year, month or date sent by a site in Europe/Rome comes back from the curated API as the same
 * FHIR date (not the UTC instant of its start), flagged needs-review where it would be read as a
 * moment; times of day stay instants. A shock diagnosis known only by its date opens no episode.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartialDatesIT {

  static final String TOKEN = "it-admin-token-partial-dates-012";
  static final String SITE = "prec-rome";
  static final String DATA_FLAG = "https://fhir.shockreg.org/CodeSystem/data-flag";
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
  }

  static Path sitesDir() {
    try {
      Path target = Path.of("target").toAbsolutePath();
      Files.createDirectories(target);
      Path dir = Files.createTempDirectory(target, "it-partial-dates-");
      Files.writeString(dir.resolve(SITE + ".yaml"), "time-zone: Europe/Rome\n");
      return dir;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  final HttpClient http = HttpClient.newHttpClient();
  final FhirContext fhir = FhirContext.forR4Cached();
  String patientId;

  static final String BUNDLE =
      """
      {"resourceType":"Bundle","type":"collection","entry":[
       {"resource":{"resourceType":"Patient","id":"p-1",
         "identifier":[{"type":{"coding":[{"code":"MR"}]},"system":"urn:rome:mrn","value":"R-1"}],
         "gender":"female","birthDate":"1960-02-03","deceasedDateTime":"2026-05"}},
       {"resource":{"resourceType":"Observation","id":"lvef-1","status":"final",
         "code":{"coding":[{"system":"http://loinc.org","code":"10230-1"}]},
         "subject":{"reference":"Patient/p-1"},"effectiveDateTime":"2026-03-04",
         "valueQuantity":{"value":25,"unit":"%"}}},
       {"resource":{"resourceType":"Observation","id":"lac-1","status":"final",
         "code":{"coding":[{"system":"http://loinc.org","code":"2524-7"}]},
         "subject":{"reference":"Patient/p-1"},"effectiveDateTime":"2026",
         "valueQuantity":{"value":9,"unit":"mmol/L"}}},
       {"resource":{"resourceType":"Observation","id":"lac-2","status":"final",
         "code":{"coding":[{"system":"http://loinc.org","code":"2524-7"}]},
         "subject":{"reference":"Patient/p-1"},"effectiveDateTime":"2026-03-04T10:15:00+01:00",
         "valueQuantity":{"value":3,"unit":"mmol/L"}}},
       {"resource":{"resourceType":"Procedure","id":"iabp-1","status":"completed",
         "code":{"coding":[{"system":"http://snomed.info/sct","code":"442807006"}]},
         "subject":{"reference":"Patient/p-1"},
         "performedPeriod":{"start":"2026-03-04","end":"2026-03-06T09:00:00+01:00"}}},
       {"resource":{"resourceType":"Condition","id":"cs-1",
         "code":{"coding":[{"system":"http://snomed.info/sct","code":"89138009"}]},
         "subject":{"reference":"Patient/p-1"},"onsetDateTime":"2026-03-04"}},
       {"resource":{"resourceType":"Encounter","id":"enc-1","status":"finished",
         "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},
         "subject":{"reference":"Patient/p-1"},"period":{"start":"2026-03-04","end":"2026-03-20"}}}
      ]}
      """;

  @BeforeAll
  void ingest() throws Exception {
    HttpResponse<String> res = send("POST", "/ingest/" + SITE, BUNDLE);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    patientId =
        jdbc.queryForObject(
            "SELECT patient_id FROM patient_source_link WHERE site_id = ? AND source_patient_id = 'p-1'",
            String.class,
            SITE);
  }

  HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Accept", "application/fhir+json");
    if (body != null) {
      b.header("Content-Type", "application/fhir+json")
          .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    } else {
      b.GET();
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  <T extends Resource> List<T> search(Class<T> type, String query) throws Exception {
    HttpResponse<String> res = send(null, "/fhir/" + type.getSimpleName() + "?" + query, null);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    Bundle b = fhir.newJsonParser().parseResource(Bundle.class, res.body());
    return b.getEntry().stream()
        .map(e -> e.getResource())
        .filter(type::isInstance)
        .map(type::cast)
        .toList();
  }

  static boolean needsReview(Resource r) {
    return r.getMeta().getTag().stream().map(Coding::getCode).anyMatch("needs-review"::equals)
        && r.getMeta().getTag().stream().anyMatch(t -> DATA_FLAG.equals(t.getSystem()));
  }

  @Test
  void observations_serveTheDateAsSent_timesOfDayAsInstants() throws Exception {
    List<Observation> found =
        search(Observation.class, "subject=Patient/" + patientId + "&_count=50");
    Observation lvef = byId(found, "lvef-1", "lvef");
    assertThat(lvef.getEffectiveDateTimeType().getValueAsString()).isEqualTo("2026-03-04");
    assertThat(needsReview(lvef)).isTrue();
    Observation yearOnly = byValue(found, "9");
    assertThat(yearOnly.getEffectiveDateTimeType().getValueAsString()).isEqualTo("2026");
    Observation timed = byValue(found, "3");
    assertThat(timed.getEffectiveDateTimeType().getValueAsString())
        .isEqualTo("2026-03-04T09:15:00+00:00");
    assertThat(needsReview(timed)).isFalse();
  }

  @Test
  void procedure_patient_condition_encounter_keepTheirPrecision() throws Exception {
    Procedure iabp = search(Procedure.class, "subject=Patient/" + patientId).get(0);
    assertThat(iabp.getPerformedPeriod().getStartElement().getValueAsString())
        .isEqualTo("2026-03-04");
    assertThat(iabp.getPerformedPeriod().getEndElement().getValueAsString())
        .isEqualTo("2026-03-06T08:00:00+00:00");
    assertThat(needsReview(iabp)).isTrue();

    HttpResponse<String> res = send(null, "/fhir/Patient/" + patientId, null);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    Patient p = fhir.newJsonParser().parseResource(Patient.class, res.body());
    assertThat(p.getDeceasedDateTimeType().getValueAsString()).isEqualTo("2026-05");

    Condition cs = search(Condition.class, "subject=Patient/" + patientId).get(0);
    assertThat(cs.getOnsetDateTimeType().getValueAsString()).isEqualTo("2026-03-04");
    assertThat(needsReview(cs)).isTrue();

    Encounter stay = search(Encounter.class, "subject=Patient/" + patientId).get(0);
    assertThat(stay.getPeriod().getStartElement().getValueAsString()).isEqualTo("2026-03-04");
    assertThat(stay.getPeriod().getEndElement().getValueAsString()).isEqualTo("2026-03-20");
  }

  @Test
  void theStoredInstant_isThePeriodStartInTheSiteZone_withItsPrecision() {
    assertThat(
            jdbc.queryForObject(
                "SELECT effective_precision || ' ' || to_char(effective_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')"
                    + " FROM measurement WHERE site_id = ? AND variable = 'lvef'",
                String.class,
                SITE))
        .isEqualTo("day 2026-03-03 23:00");
  }

  @Test
  void aShockDiagnosisKnownOnlyByItsDate_opensNoEpisode_andDatesNeverDriveScai() {
    Integer episodes =
        jdbc.queryForObject(
            "SELECT count(*) FROM shock_episode WHERE patient_id = ?", Integer.class, patientId);
    assertThat(episodes).isZero();
  }

  static Observation byId(List<Observation> found, String sourceId, String variable) {
    return found.stream()
        .filter(o -> o.getCode().getCoding().stream().anyMatch(c -> variable.equals(c.getCode())))
        .findFirst()
        .orElseThrow(() -> new AssertionError(sourceId + " not served"));
  }

  static Observation byValue(List<Observation> found, String value) {
    return found.stream()
        .filter(
            o ->
                o.hasValueQuantity()
                    && o.getValueQuantity().getValue().compareTo(new java.math.BigDecimal(value))
                        == 0)
        .findFirst()
        .orElseThrow(() -> new AssertionError("value " + value + " not served"));
  }
}
