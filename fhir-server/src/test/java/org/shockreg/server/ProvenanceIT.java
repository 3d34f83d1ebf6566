package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Provenance.ProvenanceEntityComponent;
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
 * Provenance over real HTTP on a real PostgreSQL: each curated fact links back to the source
 * resource (and version) of its site; only admins may read it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProvenanceIT extends IntegrationTestSupport {

  static final String ADMIN = "prov-admin-token-0123456789";
  static final String ANALYST = "prov-analyst-token-0123456789";
  static final String SITE = "prov-site";
  static final String SOURCE_SYSTEM = "https://fhir.shockreg.org/sid/source/" + SITE;
  static final String SITE_SYSTEM = "https://fhir.shockreg.org/sid/site";
  static final String RV = "https://fhir.shockreg.org/CodeSystem/registry-variable";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, newDataDir("it-prov-"));
    registerToken(registry, 0, ADMIN, "admin");
    registerToken(registry, 1, ANALYST, "analyst");
  }

  @Autowired JdbcTemplate jdbc;

  static final String PATIENT =
      "{\"resourceType\":\"Patient\",\"id\":\"prov-p1\",\"gender\":\"female\",\"birthDate\":\"1958-06-07\","
          + "\"name\":[{\"family\":\"Doe\"}]}";
  static final String LACTATE =
      "{\"resourceType\":\"Observation\",\"id\":\"lac-1\",\"meta\":{\"versionId\":\"%s\"},\"status\":\"final\","
          + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"14118-4\"}]},"
          + "\"subject\":{\"reference\":\"Patient/prov-p1\"},\"effectiveDateTime\":\"2025-04-02T07:30:00Z\","
          + "\"valueQuantity\":{\"value\":%s,\"unit\":\"mg/dL\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg/dL\"}}";
  static final String IABP =
      "{\"resourceType\":\"Procedure\",\"id\":\"iabp-1\",\"status\":\"completed\","
          + "\"code\":{\"coding\":[{\"system\":\"http://www.ama-assn.org/go/cpt\",\"code\":\"33967\"}]},"
          + "\"subject\":{\"reference\":\"Patient/prov-p1\"},\"performedPeriod\":{\"start\":\"2025-04-02T08:00:00Z\"}}";

  Parameters ingest(String ndjson) throws Exception {
    HttpResponse<String> res = post("/ingest/" + SITE, NDJSON, ndjson, ADMIN);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return parameters(res);
  }

  <T extends org.hl7.fhir.instance.model.api.IBaseResource> T parse(
      Class<T> type, HttpResponse<String> res) {
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return fhir.newJsonParser().parseResource(type, res.body());
  }

  Bundle search(String query) throws Exception {
    return parse(Bundle.class, get("/fhir/" + query, ADMIN));
  }

  String lactateId() throws Exception {
    Bundle obs =
        search("Observation?code=" + URLEncoder.encode(RV + "|lactate", StandardCharsets.UTF_8));
    assertThat(obs.getEntry()).hasSize(1);
    return obs.getEntryFirstRep().getResource().getIdElement().getIdPart();
  }

  Provenance provenanceOf(String target) throws Exception {
    Bundle b = search("Provenance?target=" + target);
    assertThat(b.getEntry()).hasSize(1);
    return (Provenance) b.getEntryFirstRep().getResource();
  }

  static Identifier sourceIdentifier(Provenance p) {
    assertThat(p.getEntity()).isNotEmpty();
    ProvenanceEntityComponent e = p.getEntityFirstRep();
    assertThat(e.getRole()).isEqualTo(Provenance.ProvenanceEntityRole.SOURCE);
    return e.getWhat().getIdentifier();
  }

  Timestamp receivedAt(String type, String id) {
    return jdbc.queryForObject(
        "SELECT max(received_at) FROM raw_resource WHERE site_id = ? AND resource_type = ? AND resource_id = ?",
        Timestamp.class,
        SITE,
        type,
        id);
  }

  @Test
  @Order(1)
  void curatedObservation_hasOneProvenance_namingItsSourceResourceAndSite() throws Exception {
    Parameters report =
        ingest(PATIENT + "\n" + String.format(LACTATE, "1", "45") + "\n" + IABP + "\n");
    assertThat(((IntegerType) report.getParameter("curated").getValue()).getValue()).isEqualTo(3);

    String obsId = lactateId();
    Provenance p = provenanceOf("Observation/" + obsId);
    assertThat(p.getIdElement().getIdPart()).isEqualTo("obs-" + obsId).hasSizeLessThanOrEqualTo(64);
    assertThat(p.getTarget())
        .extracting(r -> r.getReference())
        .containsExactly("Observation/" + obsId);
    Identifier source = sourceIdentifier(p);
    assertThat(source.getSystem()).isEqualTo(SOURCE_SYSTEM);
    assertThat(source.getValue()).isEqualTo("Observation/lac-1/_history/1");
    assertThat(p.getEntityFirstRep().getWhat().getType()).isEqualTo("Observation");
    assertThat(p.getEntityFirstRep().getWhat().getDisplay())
        .contains("Observation/lac-1")
        .contains(SITE);
    assertThat(p.getActivity().getCodingFirstRep().getCode()).isEqualTo("CREATE");
    assertThat(p.getRecorded())
        .isEqualTo(new java.util.Date(receivedAt("Observation", "lac-1").getTime()));
    assertThat(p.getAgentFirstRep().getWho().getDisplay()).isEqualTo("ShockReg");
    assertThat(p.getAgentFirstRep().getOnBehalfOf().getIdentifier().getSystem())
        .isEqualTo(SITE_SYSTEM);
    assertThat(p.getAgentFirstRep().getOnBehalfOf().getIdentifier().getValue()).isEqualTo(SITE);

    // read by id and _id search give the same resource
    Provenance read = parse(Provenance.class, get("/fhir/Provenance/obs-" + obsId, ADMIN));
    assertThat(sourceIdentifier(read).getValue()).isEqualTo(source.getValue());
    assertThat(search("Provenance?_id=obs-" + obsId).getEntry()).hasSize(1);
    assertThat(get("/fhir/Provenance/obs-nonexistent", ADMIN).statusCode()).isEqualTo(404);
  }

  @Test
  @Order(2)
  void procedureAndPatientProvenance_neverRevealTheSourcePatientId() throws Exception {
    Bundle procs =
        search(
            "Procedure?code="
                + URLEncoder.encode(
                    "https://fhir.shockreg.org/CodeSystem/tmcs-device|iabp",
                    StandardCharsets.UTF_8));
    assertThat(procs.getEntry()).hasSize(1);
    Procedure iabp = (Procedure) procs.getEntryFirstRep().getResource();
    Provenance proc = provenanceOf("Procedure/" + iabp.getIdElement().getIdPart());
    assertThat(sourceIdentifier(proc).getValue()).isEqualTo("Procedure/iabp-1");

    String patientRef = iabp.getSubject().getReference();
    HttpResponse<String> res = get("/fhir/Provenance?target=" + patientRef, ADMIN);
    Bundle pat = parse(Bundle.class, res);
    assertThat(pat.getEntry()).hasSize(1);
    Provenance patient = (Provenance) pat.getEntryFirstRep().getResource();
    assertThat(patient.getIdElement().getIdPart()).startsWith("pat-");
    assertThat(patient.getEntityFirstRep().getWhat().getType()).isEqualTo("Patient");
    assertThat(patient.getEntityFirstRep().getWhat().hasIdentifier()).isFalse();
    assertThat(res.body()).doesNotContain("prov-p1").doesNotContain("Doe");
    // no Provenance anywhere names the source patient
    assertThat(get("/fhir/Provenance?_count=50", ADMIN).body()).doesNotContain("prov-p1");
  }

  @Test
  @Order(3)
  void analyst_isForbidden_andUnknownParameters_are400() throws Exception {
    HttpResponse<String> denied =
        get("/fhir/Provenance?target=Observation/" + lactateId(), ANALYST);
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.body()).contains("OperationOutcome");
    assertThat(get("/fhir/Provenance", ANALYST).statusCode()).isEqualTo(403);
    // the analyst still reads the curated data itself
    assertThat(get("/fhir/Observation", ANALYST).statusCode()).isEqualTo(200);

    HttpResponse<String> unknown = get("/fhir/Provenance?colour=blue", ADMIN);
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("OperationOutcome");
  }

  @Test
  @Order(4)
  void allProvenance_isPagedByKeyset_acrossFactKinds() throws Exception {
    Integer facts =
        jdbc.queryForObject(
            "SELECT (SELECT count(*) FROM measurement) + (SELECT count(*) FROM device_therapy)"
                + " + (SELECT count(*) FROM diagnosis) + (SELECT count(*) FROM encounter)"
                + " + (SELECT count(*) FROM patient WHERE source_id IS NOT NULL)",
            Integer.class);
    assertThat(facts).isGreaterThanOrEqualTo(3);
    Bundle page = search("Provenance?_count=2");
    List<String> ids = new ArrayList<>();
    page.getEntry().forEach(e -> ids.add(e.getResource().getIdElement().getIdPart()));
    int pages = 1;
    while (page.getLink(Bundle.LINK_NEXT) != null) {
      URI next = URI.create(page.getLink(Bundle.LINK_NEXT).getUrl());
      page = parse(Bundle.class, get(next.getRawPath() + "?" + next.getRawQuery(), ADMIN));
      page.getEntry().forEach(e -> ids.add(e.getResource().getIdElement().getIdPart()));
      pages++;
    }
    assertThat(ids).hasSize(facts).doesNotHaveDuplicates();
    assertThat(pages).isGreaterThan(1);
    Bundle counted = search("Provenance?_summary=count");
    assertThat(counted.getTotal()).isEqualTo(facts);
    // a target type without curated facts matches nothing; several targets are OR
    assertThat(search("Provenance?target=Group/x").getEntry()).isEmpty();
    assertThat(
            search("Provenance?target=Observation/" + lactateId() + ",Observation/none").getEntry())
        .hasSize(1);
  }

  @Test
  @Order(5)
  void newVersionOfTheSource_updatesTheProvenance() throws Exception {
    String obsId = lactateId();
    Provenance before = provenanceOf("Observation/" + obsId);
    Parameters report = ingest(String.format(LACTATE, "2", "54") + "\n");
    assertThat(((IntegerType) report.getParameter("curated").getValue()).getValue()).isEqualTo(1);

    assertThat(lactateId()).isEqualTo(obsId);
    Provenance after = provenanceOf("Observation/" + obsId);
    assertThat(after.getIdElement().getIdPart()).isEqualTo(before.getIdElement().getIdPart());
    assertThat(sourceIdentifier(after).getValue()).isEqualTo("Observation/lac-1/_history/2");
    assertThat(after.getActivity().getCodingFirstRep().getCode()).isEqualTo("UPDATE");
    assertThat(after.getRecorded()).isAfter(before.getRecorded());
    assertThat(after.getRecorded())
        .isEqualTo(new java.util.Date(receivedAt("Observation", "lac-1").getTime()));
    Observation curated = parse(Observation.class, get("/fhir/Observation/" + obsId, ADMIN));
    assertThat(curated.getValueQuantity().getValue()).isEqualByComparingTo("5.9947");
  }
}
