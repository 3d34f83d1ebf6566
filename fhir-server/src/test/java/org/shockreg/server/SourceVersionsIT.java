package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.intake.DeadLetter;
import org.shockreg.registry.store.RegistryWriter;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Versions of one source resource over real HTTP on a real PostgreSQL (data-dictionary.md section
 * 1: a newer version replaces the fact of an older one): the curated fact follows the newest
 * version by meta.versionId, else meta.lastUpdated, whatever order the versions arrive in, within
 * one body or across bodies, also when an old version comes back through dead-letter replay. Every
 * test uses a site of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SourceVersionsIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-versions-0123456";
  static final String RV = "https://fhir.shockreg.org/CodeSystem/registry-variable";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, newDataDir("it-versions-"));
    registerToken(registry, 0, TOKEN, "admin");
  }

  @Autowired JdbcTemplate jdbc;
  @Autowired RegistryWriter writer;
  final ObjectMapper json = new ObjectMapper();
  IGenericClient client;

  @BeforeAll
  void client() {
    client = fhirClient(TOKEN);
  }

  // ---- fixtures -------------------------------------------------------------------------------

  /** An LVEF Observation {@code lvef-1} of patient {@code p-1}; null meta fields are left out. */
  static String lvef(String versionId, String lastUpdated, String value) {
    return lvef(versionId, lastUpdated, value, "%");
  }

  static String lvef(String versionId, String lastUpdated, String value, String unit) {
    List<String> meta = new ArrayList<>();
    if (versionId != null) {
      meta.add("\"versionId\":\"" + versionId + "\"");
    }
    if (lastUpdated != null) {
      meta.add("\"lastUpdated\":\"" + lastUpdated + "\"");
    }
    return "{\"resourceType\":\"Observation\",\"id\":\"lvef-1\","
        + (meta.isEmpty() ? "" : "\"meta\":{" + String.join(",", meta) + "},")
        + "\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"10230-1\"}]},"
        + "\"subject\":{\"reference\":\"Patient/p-1\"},\"effectiveDateTime\":\"2025-04-01T08:00:00Z\","
        + "\"valueQuantity\":{\"value\":"
        + value
        + ",\"unit\":\""
        + unit
        + "\"}}";
  }

  /** A history Bundle as a FHIR server answers {@code Observation/lvef-1/_history}. */
  static String historyBundle(String... resources) {
    List<String> entries = new ArrayList<>();
    for (String r : resources) {
      entries.add(
          "{\"fullUrl\":\"http://ehr.example/fhir/Observation/lvef-1\",\"resource\":"
              + r
              + ",\"request\":{\"method\":\"PUT\",\"url\":\"Observation/lvef-1\"},\"response\":{\"status\":\"200\"}}");
    }
    return "{\"resourceType\":\"Bundle\",\"type\":\"history\",\"entry\":["
        + String.join(",", entries)
        + "]}";
  }

  static String ndjson(String... resources) {
    return String.join("\n", resources) + "\n";
  }

  Parameters postBundle(String site, String body) throws Exception {
    return post(site, "application/fhir+json", body);
  }

  Parameters postNdjson(String site, String body) throws Exception {
    return post(site, "application/fhir+ndjson", body);
  }

  Parameters post(String site, String contentType, String body) throws Exception {
    HttpResponse<String> res = send("/ingest/" + site, contentType, body);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return parameters(res);
  }

  HttpResponse<String> send(String path, String contentType, String body) throws Exception {
    return post(path, contentType, body, TOKEN);
  }

  /** The LVEF values the FHIR API serves for the site's patients. */
  List<BigDecimal> curatedLvef(String site) {
    List<BigDecimal> values = new ArrayList<>();
    for (String patient :
        jdbc.queryForList(
            "SELECT DISTINCT patient_id FROM measurement WHERE site_id = ?", String.class, site)) {
      Bundle found =
          client
              .search()
              .forResource(Observation.class)
              .where(Observation.SUBJECT.hasId("Patient/" + patient))
              .and(Observation.CODE.exactly().systemAndCode(RV, "lvef"))
              .returnBundle(Bundle.class)
              .execute();
      for (Bundle.BundleEntryComponent e : found.getEntry()) {
        values.add(((Observation) e.getResource()).getValueQuantity().getValue());
      }
    }
    return values;
  }

  void assertCuratedLvef(String site, String expected) {
    List<BigDecimal> values = curatedLvef(site);
    assertThat(values).hasSize(1);
    assertThat(values.get(0)).isEqualByComparingTo(expected);
  }

  // ---- within one body ------------------------------------------------------------------------

  @Test
  void historyBundleNewestFirst_curatesTheNewestVersion() throws Exception {
    Parameters report =
        postBundle(
            "ver-history-newest-first",
            historyBundle(
                lvef("2", "2025-04-02T10:00:00Z", "30"), lvef("1", "2025-04-01T10:00:00Z", "20")));
    assertCuratedLvef("ver-history-newest-first", "30");
    assertThat(count(report, "curated")).isEqualTo(1);
    assertThat(count(report, "skipped")).isEqualTo(1);
    // Nothing is lost: both versions are in the raw store, the head is the newest.
    assertThat(rawVersions("ver-history-newest-first")).containsExactlyInAnyOrder("1", "2");
    assertThat(headVersion("ver-history-newest-first")).isEqualTo("2");
  }

  @Test
  void historyBundleOldestFirst_curatesTheNewestVersion() throws Exception {
    Parameters report =
        postBundle(
            "ver-history-oldest-first",
            historyBundle(
                lvef("1", "2025-04-01T10:00:00Z", "20"), lvef("2", "2025-04-02T10:00:00Z", "30")));
    assertCuratedLvef("ver-history-oldest-first", "30");
    assertThat(count(report, "curated")).isEqualTo(1);
    assertThat(count(report, "skipped")).isEqualTo(1);
    assertThat(rawVersions("ver-history-oldest-first")).containsExactlyInAnyOrder("1", "2");
  }

  @Test
  void repostingAHistoryBundle_curatesNothingNew_andStoresNoVersionTwice() throws Exception {
    String body =
        historyBundle(
            lvef("2", "2025-04-02T10:00:00Z", "30"), lvef("1", "2025-04-01T10:00:00Z", "20"));
    postBundle("ver-history-repost", body);
    Parameters again = postBundle("ver-history-repost", body);
    assertThat(count(again, "curated")).isZero();
    assertThat(count(again, "unchanged")).isEqualTo(1);
    assertThat(count(again, "skipped")).isEqualTo(1);
    assertThat(rawVersions("ver-history-repost")).containsExactlyInAnyOrder("1", "2");
    assertCuratedLvef("ver-history-repost", "30");
  }

  @Test
  void ndjsonWithVersions10And9_curatesVersion10() throws Exception {
    // As strings "9" sorts after "10"; numeric version ids are compared as numbers.
    postNdjson("ver-numeric-body", ndjson(lvef("10", null, "40"), lvef("9", null, "35")));
    assertCuratedLvef("ver-numeric-body", "40");
  }

  @Test
  void patientHistoryNewestFirst_filesTheBodysFactsUnderTheNewestVersionsIdentity()
      throws Exception {
    String site = "ver-patient-history";
    // Version 2 corrected the record number and the birth date; the pseudonym follows the MR.
    String patient =
        "{\"resourceType\":\"Patient\",\"id\":\"p-1\",\"meta\":{\"versionId\":\"%s\"},"
            + "\"identifier\":[{\"type\":{\"coding\":[{\"code\":\"MR\"}]},\"system\":\"urn:mrn\",\"value\":\"%s\"}],"
            + "\"gender\":\"female\",\"birthDate\":\"%s\"}";
    String body =
        "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
            + "{\"resource\":"
            + String.format(patient, "2", "MRN-NEW", "1960-05-01")
            + "},"
            + "{\"resource\":"
            + String.format(patient, "1", "MRN-OLD", "1950-05-01")
            + "},"
            + "{\"resource\":"
            + lvef("1", null, "30")
            + "}]}";
    Parameters report = postBundle(site, body);
    assertThat(count(report, "curated")).isEqualTo(2);
    assertThat(count(report, "skipped")).isEqualTo(1);

    // One patient at the site: the LVEF's subject is the curated Patient of version 2.
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM patient WHERE site_id = ?", Integer.class, site))
        .isEqualTo(1);
    String subject =
        jdbc.queryForObject(
            "SELECT patient_id FROM measurement WHERE site_id = ?", String.class, site);
    org.hl7.fhir.r4.model.Patient curated =
        client.read().resource(org.hl7.fhir.r4.model.Patient.class).withId(subject).execute();
    assertThat(curated.getBirthDateElement().getValueAsString()).isEqualTo("1960");
    assertCuratedLvef(site, "30");
  }

  // ---- against the stored version -------------------------------------------------------------

  @Test
  void olderVersionArrivingLate_isSkipped_keptRaw_andTheNewerFactStays() throws Exception {
    String site = "ver-late-older";
    postNdjson(site, ndjson(lvef("3", "2025-04-03T10:00:00Z", "33")));
    Parameters late = postNdjson(site, ndjson(lvef("1", "2025-04-01T10:00:00Z", "25")));

    assertThat(count(late, "received")).isEqualTo(1);
    assertThat(count(late, "skipped")).isEqualTo(1);
    assertThat(count(late, "curated")).isZero();
    ParametersParameterComponent skip = late.getParameter("skip");
    assertThat(skip).as("a per-resource reason for the skip").isNotNull();
    assertThat(skip.getPart())
        .extracting(p -> p.getValue().primitiveValue())
        .contains("lvef-1", "older-version");
    assertCuratedLvef(site, "33");
    assertThat(rawVersions(site)).containsExactlyInAnyOrder("1", "3");
    assertThat(headVersion(site)).isEqualTo("3");
  }

  @Test
  void sameVersionResent_isUnchanged() throws Exception {
    String site = "ver-same-resend";
    postNdjson(site, ndjson(lvef("3", "2025-04-03T10:00:00Z", "33")));
    Parameters again = postNdjson(site, ndjson(lvef("3", "2025-04-03T10:00:00Z", "33")));
    assertThat(count(again, "unchanged")).isEqualTo(1);
    assertThat(count(again, "skipped")).isZero();
    assertThat(rawVersions(site)).containsExactly("3");
  }

  @Test
  void withoutVersionIds_versionsAreOrderedByLastUpdated() throws Exception {
    String site = "ver-last-updated";
    // Offsets differ on purpose: the late one reads as later text (10:00 after 09:00) but is
    // 08:00Z, older; the times are compared as instants.
    postNdjson(site, ndjson(lvef(null, "2025-04-02T09:00:00Z", "40")));
    Parameters late = postNdjson(site, ndjson(lvef(null, "2025-04-02T10:00:00+02:00", "35")));
    assertThat(count(late, "skipped")).isEqualTo(1);
    assertCuratedLvef(site, "40");

    Parameters newer = postNdjson(site, ndjson(lvef(null, "2025-04-02T11:30:00+02:00", "45")));
    assertThat(count(newer, "curated")).isEqualTo(1);
    assertCuratedLvef(site, "45");
  }

  @Test
  void numericVersionId10_isNewerThan9() throws Exception {
    String site = "ver-numeric-stored";
    postNdjson(site, ndjson(lvef("10", null, "40")));
    Parameters late = postNdjson(site, ndjson(lvef("9", null, "35")));
    assertThat(count(late, "skipped")).isEqualTo(1);
    assertCuratedLvef(site, "40");
  }

  @Test
  void versionsWithNothingToCompare_followArrivalOrder() throws Exception {
    String site = "ver-no-meta";
    postNdjson(site, ndjson(lvef(null, null, "40")));
    Parameters next = postNdjson(site, ndjson(lvef(null, null, "35")));
    assertThat(count(next, "curated")).isEqualTo(1);
    assertCuratedLvef(site, "35");
  }

  // ---- dead-letter replay ---------------------------------------------------------------------

  @Test
  void replayingADeadLetterOfAnOlderVersion_doesNotOverwriteTheNewerFact() throws Exception {
    String site = "ver-replay-valid";
    postNdjson(site, ndjson(lvef("3", "2025-04-03T10:00:00Z", "33")));
    // Version 1 as the pipeline parks a rejected resource (its JSON, one resource per letter),
    // whose cause has since been fixed (say, a unit spelling a later release knows).
    long deadLetter =
        writer.deadLetter(
            DeadLetter.of(
                site,
                "http",
                "POST /ingest/" + site,
                "application/fhir+json",
                lvef("1", "2025-04-01T10:00:00Z", "25").getBytes(StandardCharsets.UTF_8),
                "unknown-unit",
                "lvef unit was not known then",
                "Observation",
                "lvef-1"));

    JsonNode replay = replay(deadLetter);
    assertThat(replay.get("resolved").asBoolean()).isTrue();
    assertThat(replay.get("report").asText()).contains("skipped=1").contains("curated=0");
    assertCuratedLvef(site, "33");
    assertThat(headVersion(site)).isEqualTo("3");
  }

  @Test
  void replayingARejectedOlderVersion_afterANewerOneCame_resolvesItAsSkipped() throws Exception {
    String site = "ver-replay-rejected";
    Parameters first =
        postNdjson(site, ndjson(lvef("1", "2025-04-01T10:00:00Z", "25", "furlongs")));
    assertThat(count(first, "rejected")).isEqualTo(1);
    long deadLetter =
        Long.parseLong(
            first.getParameter("issue").getPart().stream()
                .filter(p -> p.getName().equals("deadLetter"))
                .findFirst()
                .orElseThrow()
                .getValue()
                .primitiveValue());
    postNdjson(site, ndjson(lvef("3", "2025-04-03T10:00:00Z", "33")));

    // Version 1 is superseded: there is nothing left to fix, it is not mapped (nor rejected) again.
    JsonNode replay = replay(deadLetter);
    assertThat(replay.get("resolved").asBoolean()).isTrue();
    assertThat(replay.get("report").asText()).contains("skipped=1").contains("rejected=0");
    assertCuratedLvef(site, "33");
  }

  JsonNode replay(long deadLetter) throws Exception {
    HttpResponse<String> res =
        send("/admin/dead-letters/" + deadLetter + "/replay", "application/json", "");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return json.readTree(res.body());
  }

  List<String> rawVersions(String site) {
    return jdbc.queryForList(
        "SELECT version_id FROM raw_resource WHERE site_id = ? AND resource_id = 'lvef-1' ORDER BY raw_id",
        String.class,
        site);
  }

  String headVersion(String site) {
    List<Map<String, Object>> rows =
        jdbc.queryForList(
            "SELECT version_id FROM source_resource_head WHERE site_id = ? AND resource_id = 'lvef-1'",
            site);
    assertThat(rows).hasSize(1);
    return (String) rows.get(0).get("version_id");
  }
}
