package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A re-sent Patient stays one curated patient whatever the order of its identifiers, and when it
 * gains a record number later: its facts never split across two pseudonyms.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PatientIdentityIT extends IntegrationTestSupport {

  static final String TOKEN = "it-identity-admin-0123456789";
  static final String SITE = "identity-site";
  static final String MR =
      "{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0203\",\"code\":\"MR\"}]}";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, newDataDir());
    registerToken(registry, 0, TOKEN, "admin");
    registry.add("shockreg.mllp.port", () -> "-1");
  }

  @Autowired JdbcTemplate jdbc;

  @Test
  void reorderedIdentifiers_keepThePatient() throws Exception {
    ingest(
        patient(
                "re-1",
                "[" + id("urn:a", "A-1", null) + "," + id("urn:b", "B-1", null) + "]",
                "1961")
            + heartRate("re-hr-1", "re-1", 90));
    ingest(
        patient(
                "re-1",
                "[" + id("urn:b", "B-1", null) + "," + id("urn:a", "A-1", null) + "]",
                "1962")
            + heartRate("re-hr-2", "re-1", 91));
    assertThat(patients("re-1")).isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(DISTINCT patient_id) FROM measurement WHERE site_id = ? AND source_id LIKE 're-hr-%'",
                Integer.class, SITE))
        .isEqualTo(1);
  }

  @Test
  void aPatientGainingARecordNumber_staysOnePatient() throws Exception {
    ingest(
        patient("gain-1", "[" + id("urn:visit", "V-77", null) + "]", "1970")
            + heartRate("gain-hr-1", "gain-1", 80));
    String before =
        jdbc.queryForObject(
            "SELECT patient_id FROM patient_source_link WHERE site_id = ? AND source_patient_id = 'gain-1'",
            String.class,
            SITE);
    ingest(
        patient(
                "gain-1",
                "[" + id("urn:visit", "V-77", null) + "," + id("urn:mrn", "M-77", MR) + "]",
                "1970")
            + heartRate("gain-hr-2", "gain-1", 81));
    assertThat(patients("gain-1")).isEqualTo(1);
    assertThat(
            jdbc.queryForList(
                "SELECT DISTINCT patient_id FROM measurement WHERE site_id = ? AND source_id LIKE 'gain-hr-%'",
                String.class, SITE))
        .containsExactly(before);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM patient WHERE patient_id = ?", Integer.class, before))
        .isEqualTo(1);
  }

  int patients(String sourceId) {
    return jdbc.queryForObject(
        "SELECT count(DISTINCT p.patient_id) FROM patient p WHERE p.site_id = ? AND (p.source_id = ?"
            + " OR p.patient_id IN (SELECT m.patient_id FROM measurement m WHERE m.site_id = ? AND m.source_id LIKE ?))",
        Integer.class,
        SITE,
        sourceId,
        SITE,
        sourceId.substring(0, sourceId.indexOf('-')) + "-hr-%");
  }

  static String id(String system, String value, String type) {
    return "{"
        + (type == null ? "" : "\"type\":" + type + ",")
        + "\"system\":\""
        + system
        + "\",\"value\":\""
        + value
        + "\"}";
  }

  static String patient(String id, String identifiers, String year) {
    return "{\"resourceType\":\"Patient\",\"id\":\""
        + id
        + "\",\"identifier\":"
        + identifiers
        + ",\"gender\":\"male\",\"birthDate\":\""
        + year
        + "-04-04\"}\n";
  }

  static String heartRate(String id, String patient, int bpm) {
    return "{\"resourceType\":\"Observation\",\"id\":\""
        + id
        + "\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"
        + "\"http://loinc.org\",\"code\":\"8867-4\"}]},\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},\"effectiveDateTime\":\"2025-06-01T08:00:00Z\",\"valueQuantity\":{\"value\":"
        + bpm
        + ",\"unit\":\"/min\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}}\n";
  }

  void ingest(String ndjson) throws Exception {
    HttpResponse<String> res = post("/ingest/" + SITE, NDJSON, ndjson, TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.body()).contains("\"rejected\"");
  }
}
