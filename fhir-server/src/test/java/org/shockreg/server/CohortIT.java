package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.server.fhir.GroupMembers;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Cohorts as FHIR Groups end to end: source data posted through intake (so the derived etiology,
 * SCAI stage and age come from the real derivations), then Groups searched and read and {@code
 * $cohort-summary} checked against numbers worked out by hand (docs/cohorts.md).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CohortIT extends IntegrationTestSupport {

  static final String TOKEN = "it-cohort-analyst-0123456789";
  static final String COHORT = "https://fhir.shockreg.org/CodeSystem/cohort";
  static final String CRITERION = "https://fhir.shockreg.org/CodeSystem/cohort-criterion";
  static final String SITE_A = "coh-a";
  static final String SITE_B = "coh-b";
  static final Path DATA_DIR = newDataDir("it-cohort-");
  static final Path COHORTS_DIR = DATA_DIR.resolve("cohorts");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws IOException {
    Files.createDirectories(COHORTS_DIR);
    // A local cohort file, read at start without recompiling.
    Files.writeString(
        COHORTS_DIR.resolve("local.yaml"),
        """
        cohorts:
          - id: women-hf-ami
            name: Women with HF-CS or AMI-CS
            criteria:
              sex: female
              etiology: [hf-cs, ami-cs]
          - id: elderly
            name: Aged 70 or more at shock diagnosis
            criteria:
              age-at-diagnosis: {min: 70}
        """);
    registerServer(registry, DATA_DIR);
    registry.add("shockreg.cohorts.dir", COHORTS_DIR::toString);
    registerToken(registry, 0, TOKEN, "analyst");
    registerToken(registry, 1, "it-cohort-ingest-0123456789", "ingest");
  }

  @Autowired JdbcTemplate jdbc;
  @Autowired GroupMembers groupMembers;
  IGenericClient client;

  /** Source patient id -> curated pseudonym. */
  final Map<String, String> curated = new LinkedHashMap<>();

  // ---- source data --------------------------------------------------------------------------

  static String patient(String id, String gender, String birthDate) {
    return "{\"resourceType\":\"Patient\",\"id\":\""
        + id
        + "\",\"gender\":\""
        + gender
        + "\""
        + (birthDate == null ? "" : ",\"birthDate\":\"" + birthDate + "\"")
        + "}";
  }

  static String stay(String id, String patient, String start, String end) {
    return "{\"resourceType\":\"Encounter\",\"id\":\""
        + id
        + "\",\"status\":\"finished\","
        + "\"class\":{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"IMP\"},"
        + "\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},"
        + "\"period\":{\"start\":\""
        + start
        + "\",\"end\":\""
        + end
        + "\"}}";
  }

  /** An intensive-care encounter (type ICU): its start is the CICU arrival. */
  static String icu(String id, String patient, String start, String end) {
    return "{\"resourceType\":\"Encounter\",\"id\":\""
        + id
        + "\",\"status\":\"finished\","
        + "\"class\":{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"IMP\"},"
        + "\"type\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-RoleCode\",\"code\":\"ICU\"}]}],"
        + "\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},"
        + "\"period\":{\"start\":\""
        + start
        + "\",\"end\":\""
        + end
        + "\"}}";
  }

  static String condition(String id, String patient, String icd10cm, String onset) {
    return "{\"resourceType\":\"Condition\",\"id\":\""
        + id
        + "\","
        + "\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/icd-10-cm\",\"code\":\""
        + icd10cm
        + "\"}]},"
        + "\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},\"onsetDateTime\":\""
        + onset
        + "\"}";
  }

  static String observation(
      String id, String patient, String loinc, String at, String value, String unit) {
    return "{\"resourceType\":\"Observation\",\"id\":\""
        + id
        + "\",\"status\":\"final\","
        + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\""
        + loinc
        + "\"}]},"
        + "\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},\"effectiveDateTime\":\""
        + at
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

  static String procedure(String id, String patient, String cpt, String start) {
    return "{\"resourceType\":\"Procedure\",\"id\":\""
        + id
        + "\",\"status\":\"completed\","
        + "\"code\":{\"coding\":[{\"system\":\"http://www.ama-assn.org/go/cpt\",\"code\":\""
        + cpt
        + "\"}]},"
        + "\"subject\":{\"reference\":\"Patient/"
        + patient
        + "\"},\"performedPeriod\":{\"start\":\""
        + start
        + "\"}}";
  }

  void ingest(String site, String... lines) throws Exception {
    HttpResponse<String> res =
        post(
            "/ingest/" + site,
            NDJSON,
            String.join("\n", lines) + "\n",
            "it-cohort-ingest-0123456789");
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    Parameters report = parameters(res);
    assertThat(count(report, "rejected")).as(res.body()).isZero();
    assertThat(count(report, "curated")).as(res.body()).isEqualTo(lines.length);
  }

  @BeforeAll
  void data() throws Exception {
    client = fhirClient(TOKEN);

    // a1: woman, 64 at shock; chronic HF with ischaemic cardiomyopathy -> hf-cs, ischaemic;
    // SBP 80 and lactate 3 -> SCAI C at diagnosis; LVEF 20; IABP.
    ingest(
        SITE_A,
        patient("a1", "female", "1960-06-15"),
        stay("stay-a1", "a1", "2025-03-01T00:00:00Z", "2025-03-10T12:00:00Z"),
        icu("icu-a1", "a1", "2025-03-01T04:00:00Z", "2025-03-05T00:00:00Z"),
        condition("cs-a1", "a1", "R57.0", "2025-03-01T06:00:00Z"),
        condition("hf-a1", "a1", "I50.22", "2024-03-01T00:00:00Z"),
        condition("icm-a1", "a1", "I25.5", "2024-03-01T00:00:00Z"),
        observation("lvef-a1", "a1", "10230-1", "2025-03-01T05:00:00Z", "20", "%"),
        observation("sbp-a1", "a1", "8480-6", "2025-03-01T06:00:00Z", "80", "mm[Hg]"),
        observation("lac-a1", "a1", "2524-7", "2025-03-01T06:30:00Z", "3.0", "mmol/L"),
        procedure("iabp-a1", "a1", "33967", "2025-03-01T07:00:00Z"));
    // a2: man, 75 at shock; NSTEMI the day before -> ami-cs; lactate 9 -> SCAI E; Impella, VA-ECMO.
    ingest(
        SITE_A,
        patient("a2", "male", "1950-01-01"),
        stay("stay-a2", "a2", "2025-04-01T00:00:00Z", "2025-04-15T00:00:00Z"),
        condition("cs-a2", "a2", "R57.0", "2025-04-02T10:00:00Z"),
        condition("ami-a2", "a2", "I21.4", "2025-04-01T10:00:00Z"),
        observation("lvef-a2", "a2", "10230-1", "2025-04-02T12:00:00Z", "35", "%"),
        observation("sbp-a2", "a2", "8480-6", "2025-04-02T10:30:00Z", "70", "mm[Hg]"),
        observation("lac-a2", "a2", "2524-7", "2025-04-02T10:30:00Z", "9", "mmol/L"),
        procedure("impella-a2", "a2", "33990", "2025-04-02T11:00:00Z"),
        procedure("ecmo-a2", "a2", "33947", "2025-04-02T15:00:00Z"));
    // b1: man, 54 at shock; no MI, no HF -> other; SBP 85 alone -> SCAI B.
    ingest(
        SITE_B,
        patient("b1", "male", "1970-12-31"),
        stay("stay-b1", "b1", "2025-05-01T00:00:00Z", "2025-05-20T00:00:00Z"),
        condition("cs-b1", "b1", "R57.0", "2025-05-05T12:00:00Z"),
        observation("sbp-b1", "b1", "8480-6", "2025-05-05T12:00:00Z", "85", "mm[Hg]"));
    // b2: woman without birth date (no age); dilated cardiomyopathy -> hf-cs, not ischaemic;
    // SBP 100 and lactate 1.5 -> SCAI A; LVEF 25 at stay start (within the window).
    ingest(
        SITE_B,
        patient("b2", "female", null),
        stay("stay-b2", "b2", "2025-06-01T00:00:00Z", "2025-06-10T00:00:00Z"),
        condition("cs-b2", "b2", "R57.0", "2025-06-02T08:00:00Z"),
        condition("dcm-b2", "b2", "I42.0", "2025-06-01T12:00:00Z"),
        observation("lvef-b2", "b2", "10230-1", "2025-06-01T08:00:00Z", "25", "%"),
        observation("sbp-b2", "b2", "8480-6", "2025-06-02T08:00:00Z", "100", "mm[Hg]"),
        observation("lac-b2", "b2", "2524-7", "2025-06-02T08:00:00Z", "1.5", "mmol/L"));
    // b3: an IABP without cardiogenic shock.
    ingest(
        SITE_B,
        patient("b3", "male", "1980-01-01"),
        procedure("iabp-b3", "b3", "33967", "2025-07-01T09:00:00Z"));

    for (String[] p :
        new String[][] {
          {SITE_A, "a1"}, {SITE_A, "a2"}, {SITE_B, "b1"}, {SITE_B, "b2"}, {SITE_B, "b3"}
        }) {
      curated.put(
          p[1],
          jdbc.queryForObject(
              "SELECT patient_id FROM patient_source_link WHERE site_id = ? AND source_patient_id = ?",
              String.class,
              p[0],
              p[1]));
    }
    // A study with a1 randomized to early IABP at 06:30 (CICU arrival 04:00, IABP 07:00). The EDC
    // path that records randomizations is not part of this work, so the rows are written here.
    jdbc.update(
        "INSERT INTO research_study (study_id, definition) VALUES ('it-study', '{}'::jsonb)");
    jdbc.update(
        "INSERT INTO research_subject (subject_id, study_id, patient_id, status, assigned_arm, randomized_at)"
            + " VALUES ('it-subject-a1', 'it-study', ?, 'on-study', 'early-iabp', '2025-03-01T06:30:00Z')",
        curated.get("a1"));
    jdbc.update(
        "INSERT INTO research_subject (subject_id, study_id, patient_id, status)"
            + " VALUES ('it-subject-b1', 'it-study', ?, 'ineligible')",
        curated.get("b1"));
  }

  // ---- helpers ------------------------------------------------------------------------------

  List<String> ids(String... sourceIds) {
    return java.util.Arrays.stream(sourceIds).map(curated::get).toList();
  }

  static List<String> members(Group g) {
    return g.getMember().stream().map(m -> m.getEntity().getReference()).toList();
  }

  List<String> refs(String... sourceIds) {
    return ids(sourceIds).stream().map(id -> "Patient/" + id).toList();
  }

  Parameters summary(String groupId) {
    return client
        .operation()
        .onInstance("Group/" + groupId)
        .named("$cohort-summary")
        .withNoParameters(Parameters.class)
        .useHttpGet()
        .execute();
  }

  static ParametersParameterComponent param(Parameters p, String name) {
    ParametersParameterComponent c = p.getParameter(name);
    assertThat(c).as(name).isNotNull();
    return c;
  }

  static ParametersParameterComponent part(ParametersParameterComponent c, String name) {
    List<ParametersParameterComponent> parts =
        c.getPart().stream().filter(x -> name.equals(x.getName())).toList();
    assertThat(parts).as(c.getName() + "." + name).hasSize(1);
    return parts.get(0);
  }

  static int integer(ParametersParameterComponent c) {
    return ((IntegerType) c.getValue()).getValue();
  }

  /** Parts that are counts, by name. */
  static Map<String, Integer> counts(ParametersParameterComponent c) {
    Map<String, Integer> m = new LinkedHashMap<>();
    c.getPart().forEach(x -> m.put(x.getName(), integer(x)));
    return m;
  }

  /** n, missing, median, q1, q3 of a distribution parameter (decimals as plain strings). */
  static List<String> dist(ParametersParameterComponent c, String unit) {
    List<String> out = new ArrayList<>();
    out.add(String.valueOf(integer(part(c, "n"))));
    out.add(String.valueOf(integer(part(c, "missing"))));
    for (String s : List.of("median", "q1", "q3")) {
      List<ParametersParameterComponent> q =
          c.getPart().stream().filter(x -> s.equals(x.getName())).toList();
      if (q.isEmpty()) {
        continue;
      }
      Quantity v = (Quantity) q.get(0).getValue();
      assertThat(v.getCode()).isEqualTo(unit);
      assertThat(v.getSystem()).isEqualTo("http://unitsofmeasure.org");
      out.add(v.getValue().stripTrailingZeros().toPlainString());
    }
    return out;
  }

  // ---- Groups -------------------------------------------------------------------------------

  @Test
  void builtInGroups_haveExactMembersAndQuantity() {
    Map<String, List<String>> expected = new LinkedHashMap<>();
    expected.put("all-cs", refs("a1", "a2", "b1", "b2"));
    expected.put("hf-cs", refs("a1", "b2"));
    expected.put("ami-cs", refs("a2"));
    expected.put("iabp", refs("a1", "b3"));
    expected.put("impella", refs("a2"));
    expected.put("va-ecmo", refs("a2"));
    expected.put("site-" + SITE_A, refs("a1", "a2"));
    expected.put("site-" + SITE_B, refs("b1", "b2"));
    expected.put("women-hf-ami", refs("a1", "b2"));
    expected.put("elderly", refs("a2"));
    expected.put("it-study-screening", refs("a1", "b1"));
    expected.forEach(
        (id, refs) -> {
          Group g = client.read().resource(Group.class).withId(id).execute();
          assertThat(g.getIdElement().getIdPart()).isEqualTo(id);
          assertThat(members(g)).as(id).containsExactlyInAnyOrderElementsOf(refs);
          assertThat(g.getQuantity()).as(id).isEqualTo(refs.size());
          assertThat(g.getType()).isEqualTo(Group.GroupType.PERSON);
          assertThat(g.getActual()).isTrue();
          assertThat(g.getCode().getCodingFirstRep().getSystem()).isEqualTo(COHORT);
          assertThat(g.getCode().getCodingFirstRep().getCode()).isEqualTo(id);
          assertThat(g.getName()).isNotBlank();
          assertThat(g.getCharacteristic()).isNotEmpty();
          // the same membership for Group/{id}/$export
          assertThat(groupMembers.patientIds(id).orElseThrow())
              .containsExactlyInAnyOrderElementsOf(refs.stream().map(r -> r.substring(8)).toList());
        });
    assertThat(groupMembers.patientIds("no-such-cohort")).isEmpty();
  }

  @Test
  void characteristics_describeTheCriteria() {
    Group hf = client.read().resource(Group.class).withId("hf-cs").execute();
    assertThat(hf.getCharacteristic())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getCode().getCodingFirstRep().getSystem()).isEqualTo(CRITERION);
              assertThat(c.getCode().getCodingFirstRep().getCode()).isEqualTo("etiology");
              Coding v = ((CodeableConcept) c.getValue()).getCodingFirstRep();
              assertThat(v.getSystem())
                  .isEqualTo("https://fhir.shockreg.org/CodeSystem/cs-etiology");
              assertThat(v.getCode()).isEqualTo("hf-cs");
              assertThat(c.getExclude()).isFalse();
            });
    Group elderly = client.read().resource(Group.class).withId("elderly").execute();
    Range age = (Range) elderly.getCharacteristicFirstRep().getValue();
    assertThat(age.getLow().getValue()).isEqualByComparingTo("70");
    assertThat(age.hasHigh()).isFalse();
    Group women = client.read().resource(Group.class).withId("women-hf-ami").execute();
    assertThat(women.getCharacteristic())
        .extracting(c -> c.getCode().getCodingFirstRep().getCode())
        .containsExactly("etiology", "sex");
    assertThat(((CodeableConcept) women.getCharacteristicFirstRep().getValue()).getCoding())
        .extracting(Coding::getCode)
        .containsExactly("hf-cs", "ami-cs");
  }

  @Test
  void searchByCode_andById() {
    Bundle byCode =
        client
            .search()
            .forResource(Group.class)
            .where(Group.CODE.exactly().systemAndCode(COHORT, "hf-cs"))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(byCode.getEntry())
        .singleElement()
        .satisfies(
            e -> {
              Group g = (Group) e.getResource();
              assertThat(g.getIdElement().getIdPart()).isEqualTo("hf-cs");
              assertThat(members(g)).containsExactlyInAnyOrderElementsOf(refs("a1", "b2"));
            });
    Bundle codeOnly =
        client
            .search()
            .forResource(Group.class)
            .where(Group.CODE.exactly().codes("ami-cs", "site-" + SITE_B))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(codeOnly.getEntry())
        .extracting(e -> e.getResource().getIdElement().getIdPart())
        .containsExactly("ami-cs", "site-" + SITE_B);
    Bundle otherSystem =
        client
            .search()
            .forResource(Group.class)
            .where(Group.CODE.exactly().systemAndCode("http://snomed.info/sct", "hf-cs"))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(otherSystem.getEntry()).isEmpty();
    Bundle byId =
        client
            .search()
            .forResource(Group.class)
            .where(
                new ca.uhn.fhir.rest.gclient.TokenClientParam("_id")
                    .exactly()
                    .codes("iabp", "site-" + SITE_A))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(byId.getEntry())
        .extracting(e -> e.getResource().getIdElement().getIdPart())
        .containsExactly("iabp", "site-" + SITE_A);
  }

  @Test
  void searchAll_pagesWithNextLinks_andCounts() {
    List<String> expected =
        new ArrayList<>(
            List.of(
                "all-cs",
                "hf-cs",
                "ami-cs",
                "iabp",
                "impella",
                "va-ecmo",
                "women-hf-ami",
                "elderly"));
    jdbc.queryForList("SELECT site_id FROM site ORDER BY created_at, site_id", String.class)
        .forEach(s -> expected.add("site-" + s));
    jdbc.queryForList("SELECT study_id FROM research_study ORDER BY study_id", String.class)
        .forEach(s -> expected.add(s + "-screening"));
    assertThat(expected).contains("site-" + SITE_A, "site-" + SITE_B, "it-study-screening");

    Bundle page =
        client.search().forResource(Group.class).count(3).returnBundle(Bundle.class).execute();
    List<String> seen = new ArrayList<>();
    int pages = 0;
    while (true) {
      pages++;
      page.getEntry().forEach(e -> seen.add(e.getResource().getIdElement().getIdPart()));
      if (page.getLink(Bundle.LINK_NEXT) == null) {
        break;
      }
      page = client.loadPage().next(page).execute();
    }
    assertThat(seen).containsExactlyElementsOf(expected);
    assertThat(pages).isEqualTo((expected.size() + 2) / 3);

    Bundle count =
        client
            .search()
            .forResource(Group.class)
            .summaryMode(SummaryEnum.COUNT)
            .returnBundle(Bundle.class)
            .execute();
    assertThat(count.getTotal()).isEqualTo(expected.size());
    assertThat(count.getEntry()).isEmpty();
  }

  @Test
  void unknownGroups_are404() {
    assertThatThrownBy(() -> client.read().resource(Group.class).withId("no-such-cohort").execute())
        .isInstanceOf(ResourceNotFoundException.class);
    assertThatThrownBy(
            () -> client.read().resource(Group.class).withId("site-no-such-site").execute())
        .isInstanceOf(ResourceNotFoundException.class);
    assertThatThrownBy(() -> summary("no-such-cohort"))
        .isInstanceOf(ResourceNotFoundException.class);
  }

  @Test
  void unknownSearchParameters_are400WithAnOperationOutcome() throws Exception {
    assertThatThrownBy(
            () -> client.search().byUrl("Group?colour=blue").returnBundle(Bundle.class).execute())
        .isInstanceOf(InvalidRequestException.class);
    HttpResponse<String> res = get("/fhir/Group?code=hf-cs&colour=blue", TOKEN);
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(fhir.newJsonParser().parseResource(res.body())).isInstanceOf(OperationOutcome.class);
    assertThatThrownBy(
            () -> client.search().byUrl("Group?code:text=hf").returnBundle(Bundle.class).execute())
        .isInstanceOf(InvalidRequestException.class);
  }

  @Test
  void lastUpdated_isTheTimeOfReading() {
    java.util.Date before = new java.util.Date(System.currentTimeMillis() - 1000);
    Group g = client.read().resource(Group.class).withId("hf-cs").execute();
    assertThat(g.getMeta().getLastUpdated()).isAfterOrEqualTo(before);
    Bundle since =
        client
            .search()
            .forResource(Group.class)
            .where(Group.CODE.exactly().code("hf-cs"))
            .lastUpdated(new ca.uhn.fhir.rest.param.DateRangeParam().setLowerBound("gt2020-01-01"))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(since.getEntry()).hasSize(1);
    Bundle before2020 =
        client
            .search()
            .forResource(Group.class)
            .lastUpdated(new ca.uhn.fhir.rest.param.DateRangeParam().setUpperBound("lt2020-01-01"))
            .returnBundle(Bundle.class)
            .execute();
    assertThat(before2020.getEntry()).isEmpty();
  }

  // ---- $cohort-summary ----------------------------------------------------------------------

  @Test
  void allCsSummary_table1() {
    Parameters s = summary("all-cs");
    assertThat(((Reference) param(s, "group").getValue()).getReference()).isEqualTo("Group/all-cs");
    assertThat(integer(param(s, "n"))).isEqualTo(4);
    assertThat(integer(param(s, "with-shock-episode"))).isEqualTo(4);
    // ages 64 (a1), 75 (a2), 54 (b1); b2 has no birth date: 54, 64, 75
    assertThat(dist(param(s, "age"), "a")).containsExactly("3", "1", "64", "59", "69.5");
    assertThat(counts(param(s, "sex")))
        .containsExactly(
            Map.entry("male", 2),
            Map.entry("female", 2),
            Map.entry("other", 0),
            Map.entry("unknown", 0));
    assertThat(counts(param(s, "etiology")))
        .containsExactly(
            Map.entry("ami-cs", 1),
            Map.entry("hf-cs", 2),
            Map.entry("other", 1),
            Map.entry("unknown", 0));
    ParametersParameterComponent ischemic = param(s, "hf-cs-ischemic");
    assertThat(integer(part(ischemic, "hf-cs"))).isEqualTo(2);
    assertThat(integer(part(ischemic, "ischemic"))).isEqualTo(1);
    assertThat(((DecimalType) part(ischemic, "share").getValue()).getValue())
        .isEqualByComparingTo("0.5");
    // LVEF 20, 25, 35; b1 none
    assertThat(dist(param(s, "lvef"), "%")).containsExactly("3", "1", "25", "22.5", "30");
    // SBP 70, 80, 85, 100: q1 at h = 0.75 -> 77.5, q3 at h = 2.25 -> 88.75
    assertThat(dist(param(s, "sbp"), "mm[Hg]")).containsExactly("4", "0", "82.5", "77.5", "88.75");
    // lactate 1.5, 3, 9; b1 none
    assertThat(dist(param(s, "lactate"), "mmol/L")).containsExactly("3", "1", "3", "2.25", "6");
    assertThat(((StringType) part(param(s, "lvef"), "note").getValue()).getValue())
        .contains("nearest the shock diagnosis");
    assertThat(counts(param(s, "tmcs")))
        .containsExactly(
            Map.entry("iabp", 1),
            Map.entry("impella", 1),
            Map.entry("va-ecmo", 1),
            Map.entry("tandemheart", 0),
            Map.entry("vad-unspecified", 0),
            Map.entry("any", 2));
    assertThat(counts(param(s, "scai-stage-at-diagnosis")))
        .containsExactly(
            Map.entry("A", 1),
            Map.entry("B", 1),
            Map.entry("C", 1),
            Map.entry("D", 0),
            Map.entry("E", 1),
            Map.entry("unknown", 0));
    // a1: CICU arrival 04:00 -> randomized 06:30 = 2.5 h -> IABP 07:00 = 0.5 h
    ParametersParameterComponent randomization = param(s, "randomization");
    assertThat(integer(part(randomization, "randomized"))).isEqualTo(1);
    assertThat(dist(part(randomization, "cicu-arrival-to-randomization"), "h"))
        .containsExactly("1", "0", "2.5", "2.5", "2.5");
    assertThat(dist(part(randomization, "randomization-to-iabp"), "h"))
        .containsExactly("1", "0", "0.5", "0.5", "0.5");
    assertThat(randomization.getPart())
        .extracting(ParametersParameterComponent::getName)
        .doesNotContain("note", "study");
  }

  @Test
  void withoutRandomizedMembers_theTimingIsANote() {
    ParametersParameterComponent randomization = param(summary("site-" + SITE_B), "randomization");
    assertThat(integer(part(randomization, "randomized"))).isZero();
    assertThat(((StringType) part(randomization, "note").getValue()).getValue())
        .contains("no member of this cohort has a recorded trial randomization");
    assertThat(randomization.getPart())
        .extracting(ParametersParameterComponent::getName)
        .containsExactly("randomized", "note");
  }

  @Test
  void studyScreeningGroup_fromTheStudyTable() {
    Group g = client.read().resource(Group.class).withId("it-study-screening").execute();
    assertThat(members(g)).containsExactlyInAnyOrderElementsOf(refs("a1", "b1"));
    assertThat(g.getCharacteristicFirstRep().getCode().getCodingFirstRep().getCode())
        .isEqualTo("research-subject");
    assertThat(((Reference) g.getCharacteristicFirstRep().getValue()).getReference())
        .isEqualTo("ResearchStudy/it-study");
    Parameters s = summary("it-study-screening");
    assertThat(integer(param(s, "n"))).isEqualTo(2);
    ParametersParameterComponent randomization = param(s, "randomization");
    assertThat(((StringType) part(randomization, "study").getValue()).getValue())
        .isEqualTo("it-study");
    assertThat(integer(part(randomization, "randomized"))).isEqualTo(1);
    assertThat(dist(part(randomization, "cicu-arrival-to-randomization"), "h"))
        .containsExactly("1", "0", "2.5", "2.5", "2.5");
    assertThatThrownBy(
            () -> client.read().resource(Group.class).withId("no-study-screening").execute())
        .isInstanceOf(ResourceNotFoundException.class);
  }

  @Test
  void hfCsSummary() {
    Parameters s = summary("hf-cs");
    assertThat(integer(param(s, "n"))).isEqualTo(2);
    assertThat(dist(param(s, "age"), "a")).containsExactly("1", "1", "64", "64", "64");
    assertThat(counts(param(s, "sex"))).containsEntry("female", 2).containsEntry("male", 0);
    assertThat(counts(param(s, "etiology"))).containsEntry("hf-cs", 2).containsEntry("ami-cs", 0);
    assertThat(((DecimalType) part(param(s, "hf-cs-ischemic"), "share").getValue()).getValue())
        .isEqualByComparingTo(new BigDecimal("0.5"));
    // LVEF 20, 25
    assertThat(dist(param(s, "lvef"), "%")).containsExactly("2", "0", "22.5", "21.25", "23.75");
    assertThat(counts(param(s, "scai-stage-at-diagnosis")))
        .containsEntry("A", 1)
        .containsEntry("C", 1)
        .containsEntry("E", 0);
    assertThat(counts(param(s, "tmcs"))).containsEntry("iabp", 1).containsEntry("any", 1);
  }

  @Test
  void deviceSummary_countsAMemberWithoutShock() {
    Parameters s = summary("iabp");
    assertThat(integer(param(s, "n"))).isEqualTo(2);
    assertThat(integer(param(s, "with-shock-episode"))).isEqualTo(1);
    assertThat(counts(param(s, "etiology"))).containsEntry("hf-cs", 1).containsEntry("unknown", 1);
    assertThat(counts(param(s, "scai-stage-at-diagnosis")))
        .containsEntry("C", 1)
        .containsEntry("unknown", 1);
    assertThat(counts(param(s, "tmcs"))).containsEntry("iabp", 2).containsEntry("any", 2);
    assertThat(dist(param(s, "age"), "a")).containsExactly("1", "1", "64", "64", "64");
    // no HF-CS among... one: a1 is ischaemic
    assertThat(((DecimalType) part(param(s, "hf-cs-ischemic"), "share").getValue()).getValue())
        .isEqualByComparingTo("1");
  }

  @Test
  void emptyCohortSummary_hasNoMediansAndNoShare() {
    Parameters s = summary("ami-cs");
    assertThat(integer(param(s, "n"))).isEqualTo(1);
    assertThat(part(param(s, "hf-cs-ischemic"), "hf-cs").getValue())
        .isInstanceOf(IntegerType.class);
    assertThat(param(s, "hf-cs-ischemic").getPart())
        .extracting(ParametersParameterComponent::getName)
        .containsExactly("hf-cs", "ischemic");
    Parameters b = summary("site-" + SITE_B);
    assertThat(integer(param(b, "n"))).isEqualTo(2);
    // b1 has no lactate, b2 1.5
    assertThat(dist(param(b, "lactate"), "mmol/L")).containsExactly("1", "1", "1.5", "1.5", "1.5");
    Parameters elderly = summary("elderly");
    assertThat(integer(param(elderly, "n"))).isEqualTo(1);
    assertThat(dist(param(elderly, "age"), "a")).containsExactly("1", "0", "75", "75", "75");
  }
}
