package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Derived episode facts (data-dictionary.md §3) end to end over HTTP on a real PostgreSQL: source
 * data posted in separate intake bodies, derived Observations read back with HAPI's generic client.
 * The ordered steps tell one patient's story; each step posts one more body and checks what the
 * per-batch recompute made of it. A patient of another site must stay untouched throughout.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DerivationsIT extends IntegrationTestSupport {

  static final String TOKEN = "it-derivations-admin-0123456789";
  static final String RV = "https://fhir.shockreg.org/CodeSystem/registry-variable";
  static final String ETIO = "https://fhir.shockreg.org/CodeSystem/cs-etiology";
  static final String SCAI = "https://fhir.shockreg.org/CodeSystem/scai-stage";
  static final String DATA_FLAG = "https://fhir.shockreg.org/CodeSystem/data-flag";
  static final String AT_DIAGNOSIS = "SCAI stage at shock diagnosis";
  static final String WORST_24H = "Worst SCAI stage in the first 24 h";

  static final String SITE = "site-derive";
  static final String OTHER_SITE = "site-derive-other";

  /** Shock diagnosis of the main patient. */
  static final Instant T = Instant.parse("2025-05-01T10:00:00Z");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, newDataDir("it-derivations-"));
    registerToken(registry, 0, TOKEN, "admin");
  }

  @Autowired JdbcTemplate jdbc;
  IGenericClient client;

  /** The curated (pseudonymous) ids, found once the data is in. */
  String patient;

  String otherPatient;

  /** lastUpdated of the other site's derived Observations, by id, before the main story goes on. */
  Map<String, Date> otherBefore;

  @BeforeAll
  void client() {
    fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    client = fhir.newRestfulGenericClient("http://localhost:" + port + "/fhir");
    client.registerInterceptor(new BearerTokenAuthInterceptor(TOKEN));
  }

  // ---- source resources ---------------------------------------------------------------------

  static String at(Duration offset) {
    return T.plus(offset).toString();
  }

  static String patientJson(String id, String birthDate) {
    return "{\"resourceType\":\"Patient\",\"id\":\""
        + id
        + "\",\"gender\":\"female\",\"birthDate\":\""
        + birthDate
        + "\"}";
  }

  static String encounter(String id, String patient, String type, Instant start, Instant end) {
    String types =
        type == null
            ? ""
            : ",\"type\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-RoleCode\",\"code\":\""
                + type
                + "\"}]}]";
    return "{\"resourceType\":\"Encounter\",\"id\":\""
        + id
        + "\",\"status\":\"finished\","
        + "\"class\":{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"IMP\"}"
        + types
        + ",\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},"
        + "\"period\":{\"start\":\""
        + start
        + "\",\"end\":\""
        + end
        + "\"}}";
  }

  static String condition(
      String id,
      String version,
      String patient,
      String system,
      String code,
      Instant onset,
      String verification) {
    return "{\"resourceType\":\"Condition\",\"id\":\""
        + id
        + "\",\"meta\":{\"versionId\":\""
        + version
        + "\"},"
        + "\"verificationStatus\":{\"coding\":[{\"system\":"
        + "\"http://terminology.hl7.org/CodeSystem/condition-ver-status\",\"code\":\""
        + verification
        + "\"}]},"
        + "\"code\":{\"coding\":[{\"system\":\""
        + system
        + "\",\"code\":\""
        + code
        + "\"}]},"
        + "\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},\"onsetDateTime\":\""
        + onset
        + "\"}";
  }

  static String observation(
      String id, String patient, String loinc, Instant effective, String value, String unit) {
    return "{\"resourceType\":\"Observation\",\"id\":\""
        + id
        + "\",\"status\":\"final\","
        + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\""
        + loinc
        + "\"}]},"
        + "\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},\"effectiveDateTime\":\""
        + effective
        + "\","
        + "\"valueQuantity\":{\"value\":"
        + value
        + ",\"unit\":\""
        + unit
        + "\",\"system\":\"http://unitsofmeasure.org\","
        + "\"code\":\""
        + unit
        + "\"}}";
  }

  static final String SNOMED = "http://snomed.info/sct";
  static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";

  Parameters ingest(String site, String... lines) throws Exception {
    HttpResponse<String> res =
        post("/ingest/" + site, NDJSON, String.join("\n", lines) + "\n", TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    Parameters report = parameters(res);
    assertThat(count(report, "rejected")).as(res.body()).isZero();
    return report;
  }

  // ---- reading derived facts ----------------------------------------------------------------

  List<Observation> observations(String patientId, String rvCode) {
    Bundle b =
        client
            .search()
            .forResource(Observation.class)
            .where(Observation.CODE.exactly().systemAndCode(RV, rvCode))
            .and(Observation.SUBJECT.hasId("Patient/" + patientId))
            .count(100)
            .returnBundle(Bundle.class)
            .execute();
    return b.getEntry().stream().map(e -> (Observation) e.getResource()).toList();
  }

  Observation scai(String patientId, String text) {
    List<Observation> stages =
        observations(patientId, "scai-stage").stream()
            .filter(o -> text.equals(o.getCode().getText()))
            .toList();
    assertThat(stages).as("SCAI '" + text + "' of " + patientId).hasSize(1);
    return stages.get(0);
  }

  Optional<Observation> single(String patientId, String rvCode) {
    List<Observation> all = observations(patientId, rvCode);
    assertThat(all).as(rvCode + " of " + patientId).hasSizeLessThanOrEqualTo(1);
    return all.stream().findFirst();
  }

  static String codeOf(Observation o) {
    return o.getValueCodeableConcept().getCodingFirstRep().getCode();
  }

  static List<String> derivedFrom(Observation o) {
    return o.getDerivedFrom().stream().map(Reference::getReference).toList();
  }

  static void assertDerived(Observation o) {
    assertThat(o.getMeta().getTag())
        .anySatisfy(
            t -> {
              assertThat(t.getSystem()).isEqualTo(DATA_FLAG);
              assertThat(t.getCode()).isEqualTo("derived");
            });
    assertThat(o.getStatus()).isEqualTo(Observation.ObservationStatus.FINAL);
    assertThat(o.getCode().getCodingFirstRep().getSystem()).isEqualTo(RV);
    assertThat(o.getMeta().getLastUpdated()).isNotNull();
  }

  String curatedId(String table, String idColumn, String site, String sourceId) {
    return jdbc.queryForObject(
        "SELECT " + idColumn + " FROM " + table + " WHERE site_id = ? AND source_id = ?",
        String.class,
        site,
        sourceId);
  }

  Map<String, Date> derivedLastUpdated(String patientId) {
    return List.of("cs-etiology", "hf-cs-ischemic", "hf-cs-de-novo", "scai-stage").stream()
        .flatMap(code -> observations(patientId, code).stream())
        .collect(
            Collectors.toMap(o -> o.getIdElement().getIdPart(), o -> o.getMeta().getLastUpdated()));
  }

  // ---- the story ----------------------------------------------------------------------------

  @Test
  @Order(1)
  void aShockPatient_isStagedB_atDiagnosis_withHfCsEtiology() throws Exception {
    // another site's shock patient first: it must stay untouched by everything that follows
    ingest(
        OTHER_SITE,
        patientJson("op-1", "1950-07-07"),
        encounter(
            "o-stay",
            "op-1",
            null,
            Instant.parse("2025-04-01T00:00:00Z"),
            Instant.parse("2025-04-10T00:00:00Z")),
        condition(
            "o-cs",
            "1",
            "op-1",
            ICD10CM,
            "R57.0",
            Instant.parse("2025-04-02T12:00:00Z"),
            "confirmed"),
        observation(
            "o-lac", "op-1", "2524-7", Instant.parse("2025-04-02T12:10:00Z"), "3", "mmol/L"));
    otherPatient = curatedId("measurement", "patient_id", OTHER_SITE, "o-lac");

    Parameters report =
        ingest(
            SITE,
            patientJson("dp-1", "1962-05-02"),
            encounter(
                "stay-1", "dp-1", null, T.minus(Duration.ofHours(4)), T.plus(Duration.ofDays(12))),
            encounter(
                "ccu-1", "dp-1", "CCU", T.plus(Duration.ofHours(1)), T.plus(Duration.ofDays(5))),
            condition("cs-1", "1", "dp-1", SNOMED, "89138009", T, "confirmed"),
            condition(
                "hf-1",
                "1",
                "dp-1",
                ICD10CM,
                "I50.22",
                Instant.parse("2023-01-15T00:00:00Z"),
                "confirmed"),
            observation("sbp-1", "dp-1", "8480-6", T.minus(Duration.ofMinutes(30)), "85", "mm[Hg]"),
            observation(
                "lac-1", "dp-1", "2524-7", T.minus(Duration.ofMinutes(20)), "1.5", "mmol/L"));
    assertThat(count(report, "curated")).isEqualTo(7);
    patient = curatedId("measurement", "patient_id", SITE, "lac-1");

    // SCAI at diagnosis: SBP 85 (hypotension), lactate 1.5 -> B; nothing more in the first day
    Observation atDiagnosis = scai(patient, AT_DIAGNOSIS);
    assertDerived(atDiagnosis);
    assertThat(atDiagnosis.getCode().getCodingFirstRep().getCode()).isEqualTo("scai-stage");
    assertThat(atDiagnosis.getValueCodeableConcept().getCodingFirstRep().getSystem())
        .isEqualTo(SCAI);
    assertThat(codeOf(atDiagnosis)).isEqualTo("B");
    assertThat(atDiagnosis.getEffectiveDateTimeType().getValue().toInstant()).isEqualTo(T);
    assertThat(derivedFrom(atDiagnosis))
        .containsExactly(
            "Observation/" + curatedId("measurement", "observation_id", SITE, "sbp-1"));
    Observation worst = scai(patient, WORST_24H);
    assertDerived(worst);
    assertThat(codeOf(worst)).isEqualTo("B");

    // the derived facts belong to the stay
    String stay = curatedId("encounter", "encounter_id", SITE, "stay-1");
    assertThat(atDiagnosis.getEncounter().getReference()).isEqualTo("Encounter/" + stay);
    Encounter encounter = client.read().resource(Encounter.class).withId(stay).execute();
    assertThat(encounter.getPeriod().getStart().toInstant())
        .isEqualTo(T.minus(Duration.ofHours(4)));

    // etiology: heart failure recorded, no acute MI -> hf-cs; HF 2 years old -> not de novo; not
    // ischemic
    Observation etiology = single(patient, "cs-etiology").orElseThrow();
    assertDerived(etiology);
    assertThat(etiology.getValueCodeableConcept().getCodingFirstRep().getSystem()).isEqualTo(ETIO);
    assertThat(codeOf(etiology)).isEqualTo("hf-cs");
    assertThat(derivedFrom(etiology))
        .containsExactly("Condition/" + curatedId("diagnosis", "condition_id", SITE, "hf-1"));
    assertThat(etiology.getEncounter().getReference()).isEqualTo("Encounter/" + stay);
    Observation ischemic = single(patient, "hf-cs-ischemic").orElseThrow();
    assertDerived(ischemic);
    assertThat(ischemic.getValueBooleanType().booleanValue()).isFalse();
    Observation deNovo = single(patient, "hf-cs-de-novo").orElseThrow();
    assertDerived(deNovo);
    assertThat(deNovo.getValueBooleanType().booleanValue()).isFalse();

    // the episode row: age from the full birth date (birthday the day after diagnosis), CICU
    // arrival
    Map<String, Object> episode =
        jdbc.queryForMap(
            "SELECT age_at_diagnosis, shock_diagnosis_at, cicu_arrival_at, encounter_id FROM shock_episode"
                + " WHERE patient_id = ?",
            patient);
    assertThat(episode.get("age_at_diagnosis")).isEqualTo(62);
    assertThat(((Timestamp) episode.get("shock_diagnosis_at")).toInstant()).isEqualTo(T);
    assertThat(((Timestamp) episode.get("cicu_arrival_at")).toInstant())
        .isEqualTo(T.plus(Duration.ofHours(1)));
    assertThat(episode.get("encounter_id")).isEqualTo(stay);
    // the full birth date is not served: the curated Patient keeps the year
    assertThat(
            client
                .read()
                .resource(org.hl7.fhir.r4.model.Patient.class)
                .withId(patient)
                .execute()
                .getBirthDateElement()
                .getValueAsString())
        .isEqualTo("1962");

    // the other site's patient as it stands now
    assertThat(codeOf(scai(otherPatient, WORST_24H))).isEqualTo("B");
    otherBefore = derivedLastUpdated(otherPatient);
    assertThat(otherBefore).hasSize(3); // etiology (other), SCAI at diagnosis, SCAI worst 24 h
    // A sentinel: change the other patient's lactate behind intake's back. Its derived facts are
    // now
    // stale (lactate 9 would make it E); only a recompute of that patient would notice.
    assertThat(
            jdbc.update(
                "UPDATE measurement SET value = 9 WHERE site_id = ? AND source_id = 'o-lac'",
                OTHER_SITE))
        .isEqualTo(1);
  }

  @Test
  @Order(2)
  void aLateLactate_makesTheWorst24hStageE_andLeavesTheStageAtDiagnosisB() throws Exception {
    Observation atDiagnosisBefore = scai(patient, AT_DIAGNOSIS);

    ingest(
        SITE,
        observation("lac-late", "dp-1", "2524-7", T.plus(Duration.ofHours(10)), "9", "mmol/L"));

    String lateLactate = curatedId("measurement", "observation_id", SITE, "lac-late");
    Observation worst = scai(patient, WORST_24H);
    assertDerived(worst);
    assertThat(codeOf(worst)).isEqualTo("E");
    assertThat(derivedFrom(worst)).containsExactly("Observation/" + lateLactate);
    assertThat(worst.getEffectiveDateTimeType().getValue().toInstant())
        .isEqualTo(T.plus(Duration.ofHours(10)));

    Observation atDiagnosis = scai(patient, AT_DIAGNOSIS);
    assertThat(codeOf(atDiagnosis)).isEqualTo("B");
    // unchanged value, untouched fact
    assertThat(atDiagnosis.getIdElement().getIdPart())
        .isEqualTo(atDiagnosisBefore.getIdElement().getIdPart());
    assertThat(atDiagnosis.getMeta().getLastUpdated())
        .isEqualTo(atDiagnosisBefore.getMeta().getLastUpdated());
    // the late lactate is assigned to the episode: it is served with the stay as its encounter
    Observation lactate = client.read().resource(Observation.class).withId(lateLactate).execute();
    assertThat(lactate.getEncounter().getReference())
        .isEqualTo(atDiagnosis.getEncounter().getReference());
  }

  @Test
  @Order(3)
  void anAcuteMiPostedLater_makesTheEtiologyAmiCs_andRemovesTheHfCsSubFacts() throws Exception {
    // I21.4 (NSTEMI) with onset 2 days before shock
    ingest(
        SITE,
        condition(
            "ami-1", "1", "dp-1", ICD10CM, "I21.4", T.minus(Duration.ofDays(2)), "confirmed"));

    Observation etiology = single(patient, "cs-etiology").orElseThrow();
    assertThat(codeOf(etiology)).isEqualTo("ami-cs");
    assertThat(derivedFrom(etiology))
        .containsExactly("Condition/" + curatedId("diagnosis", "condition_id", SITE, "ami-1"));
    assertThat(observations(patient, "hf-cs-ischemic")).isEmpty();
    assertThat(observations(patient, "hf-cs-de-novo")).isEmpty();
    // SCAI is not touched by the etiology
    assertThat(codeOf(scai(patient, WORST_24H))).isEqualTo("E");
  }

  @Test
  @Order(4)
  void theAcuteMiEnteredInError_bringsHfCsBack() throws Exception {
    Parameters report =
        ingest(
            SITE,
            condition(
                "ami-1",
                "2",
                "dp-1",
                ICD10CM,
                "I21.4",
                T.minus(Duration.ofDays(2)),
                "entered-in-error"));
    assertThat(count(report, "retracted")).isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM diagnosis WHERE site_id = ? AND source_id = 'ami-1'",
                Integer.class,
                SITE))
        .isZero();

    Observation etiology = single(patient, "cs-etiology").orElseThrow();
    assertThat(codeOf(etiology)).isEqualTo("hf-cs");
    assertThat(derivedFrom(etiology))
        .containsExactly("Condition/" + curatedId("diagnosis", "condition_id", SITE, "hf-1"));
    assertThat(single(patient, "hf-cs-ischemic").orElseThrow().getValueBooleanType().booleanValue())
        .isFalse();
    assertThat(single(patient, "hf-cs-de-novo").orElseThrow().getValueBooleanType().booleanValue())
        .isFalse();
  }

  @Test
  @Order(5)
  void thePatientOfAnotherSite_wasNeverRecomputed() throws Exception {
    // its derived facts still rest on the lactate as it was (3 -> B), and were not rewritten
    assertThat(codeOf(scai(otherPatient, WORST_24H))).isEqualTo("B");
    assertThat(codeOf(scai(otherPatient, AT_DIAGNOSIS))).isEqualTo("B");
    assertThat(derivedLastUpdated(otherPatient)).isEqualTo(otherBefore);

    // and the sentinel works: once intake touches that patient, the recompute sees lactate 9
    ingest(
        OTHER_SITE,
        observation(
            "o-hr", "op-1", "8867-4", Instant.parse("2025-04-02T12:20:00Z"), "110", "/min"));
    assertThat(codeOf(scai(otherPatient, WORST_24H))).isEqualTo("E");
    assertThat(scai(otherPatient, WORST_24H).getMeta().getLastUpdated())
        .isAfter(otherBefore.get(scai(otherPatient, WORST_24H).getIdElement().getIdPart()));
  }

  @Test
  @Order(6)
  void theStayEnteredInError_isRetracted_andTheEpisodeLivesOnWithoutIt() throws Exception {
    // a separate patient: the stay anchoring its shock episode is retracted by its source
    Instant t = Instant.parse("2025-06-01T08:00:00Z");
    ingest(
        SITE,
        patientJson("dp-2", "1970-01-01"),
        encounter("stay-2", "dp-2", null, t.minus(Duration.ofHours(2)), t.plus(Duration.ofDays(3))),
        condition("cs-2", "1", "dp-2", SNOMED, "89138009", t, "confirmed"),
        observation("sbp-2", "dp-2", "8480-6", t, "82", "mm[Hg]"));
    String patient2 = curatedId("measurement", "patient_id", SITE, "sbp-2");
    String stay = curatedId("encounter", "encounter_id", SITE, "stay-2");
    assertThat(scai(patient2, AT_DIAGNOSIS).getEncounter().getReference())
        .isEqualTo("Encounter/" + stay);

    String retracted =
        encounter("stay-2", "dp-2", null, t.minus(Duration.ofHours(2)), t.plus(Duration.ofDays(3)))
            .replace("\"finished\"", "\"entered-in-error\"");
    Parameters report = ingest(SITE, retracted);
    assertThat(count(report, "retracted")).isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM encounter WHERE encounter_id = ?", Integer.class, stay))
        .isZero();
    Observation atDiagnosis = scai(patient2, AT_DIAGNOSIS);
    assertThat(codeOf(atDiagnosis)).isEqualTo("B");
    assertThat(atDiagnosis.hasEncounter()).isFalse();
  }
}
