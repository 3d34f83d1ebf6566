package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.net.http.HttpResponse;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Patient.link merges over real HTTP on a real PostgreSQL: a source Patient {@code replaced-by}
 * another (or a survivor that {@code replaces} one) makes one curated patient; the old curated id
 * answers with the survivor; later facts and re-sends for the old source patient land on the
 * survivor; a death on either record is kept; chains resolve; a target that cannot be resolved is
 * reported and nothing merges. Every test uses a site of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PatientMergeIT extends IntegrationTestSupport {

  static final String TOKEN = "it-merge-admin-0123456789";
  static final String MR =
      "{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0203\",\"code\":\"MR\"}]}";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, newDataDir("it-versions-"));
    registerToken(registry, 0, TOKEN, "admin");
    registry.add("shockreg.mllp.port", () -> "-1");
  }

  @Autowired JdbcTemplate jdbc;
  IGenericClient client;

  @BeforeAll
  void client() {
    client = fhirClient(TOKEN);
  }

  // ---- replaced-by ----------------------------------------------------------------------------

  @Test
  void replacedBy_movesTheFacts_theOldIdAnswersWithTheSurvivor_andTheDeathIsKept()
      throws Exception {
    String site = "merge-a";
    post(
        site,
        patient("old", "M-OLD", "female", "1950", null, null)
            + shockEpisode("old")
            + patient("new", "M-NEW", "male", "1960", null, null)
            + heartRate("new-hr", "new", 80));
    String oldId = curated(site, "old");
    String newId = curated(site, "new");
    assertThat(oldId).isNotEqualTo(newId);
    assertThat(count("SELECT count(*) FROM shock_episode WHERE patient_id = ?", oldId))
        .isEqualTo(1);

    // the EHR merged "old" into "new"; the old record carries the death
    Parameters answer =
        post(
            site,
            patient(
                "old",
                "M-OLD",
                "female",
                "1950",
                "\"deceasedDateTime\":\"2025-06-05T10:00:00Z\"",
                link("replaced-by", "\"reference\":\"Patient/new\"")));
    assertThat(count(answer, "rejected")).isZero();

    Patient read = client.read().resource(Patient.class).withId(oldId).execute();
    assertThat(read.getIdElement().getIdPart()).isEqualTo(newId);
    assertThat(read.getGender().toCode()).isEqualTo("male"); // the survivor's demographics win
    assertThat(read.getBirthDateElement().getValueAsString()).isEqualTo("1960");
    assertThat(read.getDeceasedDateTimeType().getValueAsString())
        .startsWith("2025-06-05"); // never lost
    assertThat(read.getLink())
        .anySatisfy(
            l -> {
              assertThat(l.getType().toCode()).isEqualTo("replaces");
              assertThat(l.getOther().getReference()).isEqualTo("Patient/" + oldId);
            });
    // searches by the old id find the survivor and all the facts
    Bundle byId =
        client
            .search()
            .forResource(Patient.class)
            .where(Patient.RES_ID.exactly().code(oldId))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(byId.getEntry())
        .singleElement()
        .satisfies(e -> assertThat(e.getResource().getIdElement().getIdPart()).isEqualTo(newId));
    assertThat(observationsOf(oldId))
        .hasSize(observationsOf(newId).size())
        .hasSizeGreaterThanOrEqualTo(4);
    // derived facts recomputed for the survivor; nothing is left under the old id
    assertThat(count("SELECT count(*) FROM shock_episode WHERE patient_id = ?", newId))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM derived_fact WHERE patient_id = ?", newId)).isPositive();
    for (String table :
        List.of(
            "patient", "measurement", "encounter", "diagnosis", "shock_episode", "derived_fact")) {
      assertThat(count("SELECT count(*) FROM " + table + " WHERE patient_id = ?", oldId))
          .as(table)
          .isZero();
    }
    assertThat(
            jdbc.queryForObject(
                "SELECT surviving_patient_id FROM patient_merge WHERE merged_patient_id = ?",
                String.class,
                oldId))
        .isEqualTo(newId);

    // later facts for the old source patient, and a re-send of the old Patient, land on the
    // survivor
    post(
        site,
        heartRate("old-hr-late", "old", 99)
            + patient(
                    "old",
                    "M-OLD",
                    "female",
                    "1950",
                    "\"deceasedDateTime\":\"2025-06-05T10:00:00Z\"",
                    link("replaced-by", "\"reference\":\"Patient/new\""))
                .replace("1950-", "1951-"));
    assertThat(
            jdbc.queryForList(
                "SELECT patient_id FROM patient WHERE site_id = ?", String.class, site))
        .containsExactly(newId);
    assertThat(
            count(
                "SELECT count(*) FROM measurement WHERE patient_id = ? AND source_id = 'old-hr-late'",
                newId))
        .isEqualTo(1);
    Patient again = client.read().resource(Patient.class).withId(newId).execute();
    assertThat(again.getGender().toCode()).isEqualTo("male");
    // and a re-send of the survivor without the death does not lose the death of the merged record
    post(site, patient("new", "M-NEW", "male", "1960", "\"deceasedBoolean\":false", null));
    assertThat(client.read().resource(Patient.class).withId(newId).execute().hasDeceased())
        .isTrue();
  }

  @Test
  void replaces_inOneBody_withAnAbsoluteUrl_andTheOldPatientComingLater() throws Exception {
    String site = "merge-b";
    post(
        site,
        heartRate("o-hr", "o", 70)
            + patient(
                "s",
                "M-S",
                "male",
                "1970",
                null,
                link("replaces", "\"reference\":\"https://ehr.example/fhir/Patient/o\""))
            + heartRate("s-hr", "s", 71));
    String survivor = curated(site, "s");
    assertThat(count("SELECT count(*) FROM measurement WHERE patient_id = ?", survivor))
        .isEqualTo(2);
    // the old Patient itself arrives later, with a record number of its own: no re-split
    post(site, patient("o", "M-O", "female", "1971", null, null) + heartRate("o-hr-2", "o", 72));
    assertThat(
            jdbc.queryForList(
                "SELECT patient_id FROM patient WHERE site_id = ?", String.class, site))
        .containsExactly(survivor);
    assertThat(count("SELECT count(*) FROM measurement WHERE patient_id = ?", survivor))
        .isEqualTo(3);
    assertThat(
            client.read().resource(Patient.class).withId(survivor).execute().getGender().toCode())
        .isEqualTo("male");
  }

  @Test
  void replacedBy_anIdentifierOfAPatientNotYetSeen_thenThatPatientArrives() throws Exception {
    String site = "merge-c";
    post(
        site,
        patient(
                "x",
                "M-X",
                "female",
                "1980",
                null,
                link("replaced-by", "\"identifier\":{\"system\":\"urn:mrn\",\"value\":\"M-Y\"}"))
            + heartRate("x-hr", "x", 60));
    post(site, patient("y", "M-Y", "male", "1981", null, null) + heartRate("y-hr", "y", 61));
    String y = curated(site, "y");
    assertThat(
            jdbc.queryForList(
                "SELECT patient_id FROM patient WHERE site_id = ?", String.class, site))
        .containsExactly(y);
    assertThat(count("SELECT count(*) FROM measurement WHERE patient_id = ?", y)).isEqualTo(2);
    assertThat(curated(site, "x")).isEqualTo(y);
  }

  @Test
  void chains_resolveToTheLastSurvivor_urnUuidTargetsToo() throws Exception {
    String site = "merge-d";
    post(
        site,
        patient("a", "M-A", "female", "1950", null, null)
            + heartRate("a-hr", "a", 50)
            + patient("b", "M-B", "female", "1951", null, null)
            + patient("c", "M-C", "female", "1952", null, null));
    String a = curated(site, "a");
    String b = curated(site, "b");
    String c = curated(site, "c");
    post(
        site,
        patient(
            "a",
            "M-A",
            "female",
            "1950",
            null,
            link("replaced-by", "\"reference\":\"Patient/b\"")));
    // B -> C in a transaction Bundle naming C by its fullUrl
    post(
        site,
        "application/fhir+json",
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
            + "{\"fullUrl\":\"urn:uuid:5d1b2f8e-0000-4000-8000-00000000000c\",\"resource\":"
            + patient("c", "M-C", "female", "1952", null, null).trim()
            + ",\"request\":{\"method\":\"PUT\",\"url\":\"Patient/c\"}},"
            + "{\"resource\":"
            + patient(
                    "b",
                    "M-B",
                    "female",
                    "1951",
                    null,
                    link(
                        "replaced-by",
                        "\"reference\":\"urn:uuid:5d1b2f8e-0000-4000-8000-00000000000c\""))
                .trim()
            + ",\"request\":{\"method\":\"PUT\",\"url\":\"Patient/b\"}}]}");
    assertThat(client.read().resource(Patient.class).withId(a).execute().getIdElement().getIdPart())
        .isEqualTo(c);
    assertThat(client.read().resource(Patient.class).withId(b).execute().getIdElement().getIdPart())
        .isEqualTo(c);
    assertThat(
            jdbc.queryForList(
                "SELECT DISTINCT surviving_patient_id FROM patient_merge WHERE merged_patient_id IN (?, ?)",
                String.class,
                a,
                b))
        .containsExactly(c);
    assertThat(observationsOf(a)).hasSize(1);
    post(site, heartRate("a-hr-2", "a", 51));
    assertThat(count("SELECT count(*) FROM measurement WHERE patient_id = ?", c)).isEqualTo(2);
  }

  @Test
  void aTargetThatCannotBeResolved_isReported_andNothingMerges_seeAlsoIsNoMerge() throws Exception {
    String site = "merge-e";
    post(
        site,
        patient("p", "M-P", "female", "1950", null, null)
            + patient("q", "M-Q", "male", "1951", null, null));
    Parameters answer =
        post(
            site,
            patient(
                    "p",
                    "M-P",
                    "female",
                    "1950",
                    null,
                    link("replaced-by", "\"reference\":\"RelatedPerson/r-1\""))
                + patient(
                    "q",
                    "M-Q",
                    "male",
                    "1951",
                    null,
                    link("seealso", "\"reference\":\"Patient/p\"")));
    assertThat(count(answer, "rejected")).isZero();
    ParametersParameterComponent warning =
        answer.getParameter().stream()
            .filter(p -> p.getName().equals("warning"))
            .findFirst()
            .orElseThrow();
    assertThat(part(warning, "code")).isEqualTo("unresolved-merge-target");
    assertThat(part(warning, "id")).isEqualTo("p");
    assertThat(count("SELECT count(*) FROM patient WHERE site_id = ?", site)).isEqualTo(2);
    assertThat(count("SELECT count(*) FROM patient_merge WHERE site_id = ?", site)).isZero();
  }

  // ---- fixtures -------------------------------------------------------------------------------

  static String link(String type, String other) {
    return "\"link\":[{\"other\":{" + other + "},\"type\":\"" + type + "\"}]";
  }

  static String patient(
      String id, String mrn, String gender, String year, String deceased, String link) {
    return "{\"resourceType\":\"Patient\",\"id\":\""
        + id
        + "\",\"identifier\":[{\"type\":"
        + MR
        + ",\"system\":\"urn:mrn\",\"value\":\""
        + mrn
        + "\"}],\"gender\":\""
        + gender
        + "\",\"birthDate\":\""
        + year
        + "-04-04\""
        + (deceased == null ? "" : "," + deceased)
        + (link == null ? "" : "," + link)
        + "}\n";
  }

  static String heartRate(String id, String patient, int bpm) {
    return observation(id, patient, "8867-4", bpm, "/min", "2025-06-01T08:00:00Z");
  }

  static String observation(
      String id, String patient, String loinc, double value, String unit, String at) {
    return "{\"resourceType\":\"Observation\",\"id\":\""
        + id
        + "\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"
        + "\"http://loinc.org\",\"code\":\""
        + loinc
        + "\"}]},\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},\"effectiveDateTime\":\""
        + at
        + "\",\"valueQuantity\":{\"value\":"
        + value
        + ",\"unit\":\""
        + unit
        + "\",\"system\":\"http://unitsofmeasure.org\",\"code\":\""
        + unit
        + "\"}}\n";
  }

  /**
   * An ICU stay with cardiogenic shock, low pressure and a high lactate: an episode with a SCAI
   * stage.
   */
  static String shockEpisode(String patient) {
    return "{\"resourceType\":\"Encounter\",\"id\":\""
        + patient
        + "-icu\",\"status\":\"finished\",\"class\":{\"system\":"
        + "\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"IMP\"},\"type\":[{\"coding\":[{\"system\":"
        + "\"http://terminology.hl7.org/CodeSystem/v3-RoleCode\",\"code\":\"CCU\"}]}],\"subject\":{\"reference\":"
        + "\"Patient/"
        + patient
        + "\"},\"period\":{\"start\":\"2025-06-02T06:00:00Z\",\"end\":\"2025-06-12T06:00:00Z\"}}\n"
        + "{\"resourceType\":\"Condition\",\"id\":\""
        + patient
        + "-cs\",\"code\":{\"coding\":[{\"system\":"
        + "\"http://hl7.org/fhir/sid/icd-10-cm\",\"code\":\"R57.0\"}]},\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},\"onsetDateTime\":\"2025-06-02T10:00:00Z\"}\n"
        + observation(patient + "-sbp", patient, "8480-6", 84, "mm[Hg]", "2025-06-02T11:00:00Z")
        + observation(patient + "-lac", patient, "2524-7", 3.1, "mmol/L", "2025-06-02T11:00:00Z");
  }

  String curated(String site, String sourcePatient) {
    return jdbc.queryForObject(
        "SELECT patient_id FROM patient_source_link WHERE site_id = ? AND source_patient_id = ?",
        String.class,
        site,
        sourcePatient);
  }

  int count(String sql, Object... args) {
    return jdbc.queryForObject(sql, Integer.class, args);
  }

  List<Bundle.BundleEntryComponent> observationsOf(String patientId) {
    return client
        .search()
        .forResource(Observation.class)
        .where(Observation.SUBJECT.hasId("Patient/" + patientId))
        .count(100)
        .returnBundle(Bundle.class)
        .execute()
        .getEntry();
  }

  static String part(ParametersParameterComponent p, String name) {
    return p.getPart().stream()
        .filter(x -> x.getName().equals(name))
        .findFirst()
        .orElseThrow()
        .getValue()
        .primitiveValue();
  }

  Parameters post(String site, String ndjson) throws Exception {
    return post(site, "application/fhir+ndjson", ndjson);
  }

  Parameters post(String site, String contentType, String body) throws Exception {
    HttpResponse<String> res = post("/ingest/" + site, contentType, body, TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return parameters(res);
  }
}
