package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.SearchEntryMode;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Studies as data served as ResearchStudy (built-in ALTSHOCK-2 and a local definition), their
 * subjects as ResearchSubject with the searches the trial EDC uses.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResearchStudyIT extends IntegrationTestSupport {

  static final String TOKEN = "it-study-admin-0123456789";
  static final String SITE = "study-site";
  static final Path DATA_DIR = newDataDir("it-data-");
  static final Path STUDIES_DIR = localStudies();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, DATA_DIR);
    registry.add("shockreg.studies.dir", STUDIES_DIR::toString);
    registerToken(registry, 0, TOKEN, "admin");
  }

  @Autowired JdbcTemplate jdbc;
  IGenericClient client;
  String p1;
  String p2;

  static Path localStudies() {
    Path dir = newDataDir("it-studies-");
    try {
      Files.writeString(
          dir.resolve("local-registry-study.yaml"),
          """
          id: local-study
          title: A local observational study
          status: active
          identifiers:
            - system: urn:local:studies
              value: LOC-1
          arms:
            - code: observation
              name: Observation only
          """);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return dir;
  }

  @BeforeAll
  void subjects() throws Exception {
    client = fhirClient(TOKEN);
    String body =
        "{\"resourceType\":\"Patient\",\"id\":\"s1\",\"gender\":\"female\",\"birthDate\":\"1961-02-03\"}\n"
            + "{\"resourceType\":\"Patient\",\"id\":\"s2\",\"gender\":\"male\",\"birthDate\":\"1970-05-06\"}\n";
    HttpResponse<String> res = post("/ingest/" + SITE, NDJSON, body, TOKEN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    p1 = curatedId("s1");
    p2 = curatedId("s2");
    // Screening and randomization are written by the trial work (EDC, eligibility); here directly.
    jdbc.update(
        "INSERT INTO research_subject (subject_id, study_id, patient_id, status, assigned_arm, randomized_at)"
            + " VALUES ('rs-1', 'altshock-2', ?, 'on-study', 'early-iabp', '2025-03-01T06:30:00Z')",
        p1);
    jdbc.update(
        "INSERT INTO research_subject (subject_id, study_id, patient_id, status)"
            + " VALUES ('rs-2', 'altshock-2', ?, 'ineligible')",
        p2);
    jdbc.update(
        "INSERT INTO research_subject (subject_id, study_id, patient_id, status)"
            + " VALUES ('rs-3', 'local-study', ?, 'screening')",
        p2);
  }

  String curatedId(String sourceId) {
    return jdbc.queryForObject(
        "SELECT patient_id FROM patient_source_link WHERE site_id = ? AND source_patient_id = ?",
        String.class,
        SITE,
        sourceId);
  }

  @Test
  void altshock2_isServedFromItsDefinition() {
    ResearchStudy study =
        client.read().resource(ResearchStudy.class).withId("altshock-2").execute();
    assertThat(study.getIdentifierFirstRep().getSystem()).isEqualTo("https://clinicaltrials.gov");
    assertThat(study.getIdentifierFirstRep().getValue()).isEqualTo("NCT04369573");
    assertThat(study.getStatus()).isEqualTo(ResearchStudy.ResearchStudyStatus.ACTIVE);
    assertThat(study.getTitle()).contains("ALTSHOCK-2");
    assertThat(study.getArm())
        .extracting(ResearchStudy.ResearchStudyArmComponent::getName)
        .containsExactly("early-iabp", "standard-care");
    assertThat(study.getEnrollmentFirstRep().getReference())
        .isEqualTo("Group/altshock-2-screening");
    // the enrollment Group exists: the study cohort template
    Group screening = client.read().resource(Group.class).withId("altshock-2-screening").execute();
    assertThat(screening.getQuantity()).isEqualTo(2);
  }

  @Test
  void studies_areSearchedByIdentifierAndId_includingLocalDefinitions() {
    assertThat(
            ids(
                client
                    .search()
                    .forResource(ResearchStudy.class)
                    .returnBundle(Bundle.class)
                    .execute()))
        .containsExactly("altshock-2", "local-study");
    assertThat(
            ids(
                client
                    .search()
                    .forResource(ResearchStudy.class)
                    .where(
                        ResearchStudy.IDENTIFIER
                            .exactly()
                            .systemAndCode("https://clinicaltrials.gov", "NCT04369573"))
                    .returnBundle(Bundle.class)
                    .execute()))
        .containsExactly("altshock-2");
    assertThat(
            ids(
                client
                    .search()
                    .forResource(ResearchStudy.class)
                    .where(ResearchStudy.IDENTIFIER.exactly().code("LOC-1"))
                    .returnBundle(Bundle.class)
                    .execute()))
        .containsExactly("local-study");
    assertThat(
            ids(
                client
                    .search()
                    .forResource(ResearchStudy.class)
                    .where(
                        ResearchStudy.IDENTIFIER
                            .exactly()
                            .systemAndCode("https://clinicaltrials.gov", "LOC-1"))
                    .returnBundle(Bundle.class)
                    .execute()))
        .isEmpty();
    assertThatThrownBy(
            () -> client.read().resource(ResearchStudy.class).withId("no-such-study").execute())
        .isInstanceOf(ResourceNotFoundException.class);
  }

  @Test
  void subjects_bystudyStatusAndPatient() {
    assertThat(subjects("ResearchSubject?study=altshock-2")).containsExactly("rs-1", "rs-2");
    assertThat(subjects("ResearchSubject?study=ResearchStudy/local-study")).containsExactly("rs-3");
    assertThat(subjects("ResearchSubject?study=altshock-2,local-study&status=screening,on-study"))
        .containsExactly("rs-1", "rs-3");
    assertThat(subjects("ResearchSubject?status:not=ineligible")).containsExactly("rs-1", "rs-3");
    assertThat(subjects("ResearchSubject?individual=Patient/" + p2))
        .containsExactly("rs-2", "rs-3");
    assertThat(subjects("ResearchSubject?patient=" + p1)).containsExactly("rs-1");
    assertThat(subjects("ResearchSubject?individual.gender=female")).containsExactly("rs-1");
    assertThat(
            subjects(
                "ResearchSubject?status=http://hl7.org/fhir/research-subject-status|ineligible"))
        .containsExactly("rs-2");

    ResearchSubject randomized =
        client.read().resource(ResearchSubject.class).withId("rs-1").execute();
    assertThat(randomized.getStatus()).isEqualTo(ResearchSubject.ResearchSubjectStatus.ONSTUDY);
    assertThat(randomized.getAssignedArm()).isEqualTo("early-iabp");
    assertThat(randomized.getPeriod().getStartElement().getValueAsString())
        .startsWith("2025-03-01T06:30:00");
    assertThat(randomized.getIndividual().getReference()).isEqualTo("Patient/" + p1);
    assertThat(randomized.getStudy().getReference()).isEqualTo("ResearchStudy/altshock-2");
  }

  @Test
  void theEdcQuery_includesPatientsAndStudy() {
    Bundle b =
        client
            .search()
            .byUrl(
                "ResearchSubject?study=altshock-2&_include=ResearchSubject:individual"
                    + "&_include=ResearchSubject:study")
            .returnBundle(Bundle.class)
            .execute();
    List<String> matches =
        b.getEntry().stream()
            .filter(e -> e.getSearch().getMode() == SearchEntryMode.MATCH)
            .map(e -> e.getResource().getIdElement().getIdPart())
            .toList();
    List<String> included =
        b.getEntry().stream()
            .filter(e -> e.getSearch().getMode() == SearchEntryMode.INCLUDE)
            .map(e -> e.getResource().fhirType() + "/" + e.getResource().getIdElement().getIdPart())
            .toList();
    assertThat(matches).containsExactly("rs-1", "rs-2");
    assertThat(included)
        .containsExactlyInAnyOrder("Patient/" + p1, "Patient/" + p2, "ResearchStudy/altshock-2");
    assertThat(b.getEntry().stream().filter(e -> e.getResource() instanceof Patient).count())
        .isEqualTo(2);

    Bundle count =
        client
            .search()
            .byUrl("ResearchSubject?study=altshock-2")
            .summaryMode(SummaryEnum.COUNT)
            .returnBundle(Bundle.class)
            .execute();
    assertThat(count.getTotal()).isEqualTo(2);
  }

  @Test
  void malformedOrUnknown_is400() {
    for (String bad :
        List.of(
            "ResearchSubject?study=Patient/x",
            "ResearchSubject?foo=1",
            "ResearchSubject?_sort=date",
            "ResearchSubject?status:text=x",
            "ResearchStudy?_has:x=1",
            "ResearchSubject?_include=ResearchSubject:foo")) {
      assertThatThrownBy(() -> client.search().byUrl(bad).returnBundle(Bundle.class).execute())
          .as(bad)
          .isInstanceOf(InvalidRequestException.class);
    }
  }

  static List<String> ids(Bundle b) {
    return b.getEntry().stream()
        .map(e -> e.getResource().getIdElement().getIdPart())
        .sorted()
        .toList();
  }

  List<String> subjects(String url) {
    return ids(client.search().byUrl(url).returnBundle(Bundle.class).execute());
  }
}
