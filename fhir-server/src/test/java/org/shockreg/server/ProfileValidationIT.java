package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.gclient.StringClientParam;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import ca.uhn.fhir.rest.gclient.UriClientParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.ingest.demo.DemoCohortLoader;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.server.profile.RegistryProfiles;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Every resource the curated API serves for the demo cohort (plus one patient with the variables
 * and devices the demo never produces) validates with HAPI's FhirInstanceValidator against R4 and
 * the registry's own profiles and code systems, all fetched from the API: 0 errors.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProfileValidationIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-profiles-0123456789";
  static final String RV = "https://fhir.shockreg.org/CodeSystem/registry-variable";
  static final String DEV = "https://fhir.shockreg.org/CodeSystem/tmcs-device";
  static final String DATA_FLAG = "https://fhir.shockreg.org/CodeSystem/data-flag";
  static final String SD_BASE = "https://fhir.shockreg.org/StructureDefinition/";
  static final Path DATA_DIR = newDataDir();
  static final int DEMO_PATIENTS = 6;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, DATA_DIR);
    registerToken(registry, 0, TOKEN, "admin");
    registry.add("shockreg.demo", () -> "true");
    registry.add(
        "shockreg.demo-force", () -> "true"); // the test database is configured, not embedded
    registry.add("shockreg.demo-cohort.patients", () -> DEMO_PATIENTS);
    registry.add("shockreg.mllp.port", () -> "-1");
  }

  @Autowired RuleSet rules;
  @Autowired DemoCohortLoader demo;
  IGenericClient client;
  FhirValidator validator;

  /** Everything the API served, by resource type. */
  final Map<String, List<Resource>> served = new TreeMap<>();

  @BeforeAll
  void loadFetchAndPrepareValidator() throws Exception {
    fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    // the first StructureDefinition request waits for the snapshots (10-20 s on a busy machine)
    fhir.getRestfulClientFactory().setSocketTimeout(120_000);
    client = fhir.newRestfulGenericClient("http://localhost:" + port + "/fhir");
    client.registerInterceptor(new BearerTokenAuthInterceptor(TOKEN));
    assertThat(demo.isLoaded()).as("demo cohort loaded before the server answers").isTrue();
    HttpResponse<String> supplement = post("/ingest/profile-extra", resource("supplement.ndjson"));
    assertThat(supplement.statusCode()).as(supplement.body()).isEqualTo(200);

    for (Class<? extends Resource> type :
        List.of(
            Patient.class,
            Observation.class,
            Procedure.class,
            Condition.class,
            Encounter.class,
            CodeSystem.class,
            ConceptMap.class,
            StructureDefinition.class,
            Provenance.class,
            Group.class,
            ResearchStudy.class,
            ResearchSubject.class)) {
      served.put(type.getSimpleName(), fetchAll(type));
    }
    // operation answers are served resources too: each cohort's "table 1"
    List<Resource> summaries = new ArrayList<>();
    for (Resource group : served.get("Group")) {
      summaries.add(
          client
              .operation()
              .onInstance(group.getIdElement().toUnqualifiedVersionless())
              .named("$cohort-summary")
              .withNoParameters(Parameters.class)
              .useHttpGet()
              .execute());
    }
    served.put("Parameters", summaries);

    PrePopulatedValidationSupport registry = new PrePopulatedValidationSupport(fhir);
    served.get("StructureDefinition").forEach(registry::addStructureDefinition);
    served.get("CodeSystem").forEach(registry::addCodeSystem);
    ValidationSupportChain chain =
        new ValidationSupportChain(
            registry,
            new DefaultProfileValidationSupport(fhir),
            new SnapshotGeneratingValidationSupport(fhir),
            new InMemoryTerminologyServerValidationSupport(fhir),
            new CommonCodeSystemsTerminologyService(fhir));
    FhirInstanceValidator instanceValidator = new FhirInstanceValidator(chain);
    // Stricter than the default: an extension nobody defined is an error, not a note.
    instanceValidator.setAnyExtensionsAllowed(false);
    validator = fhir.newValidator();
    validator.registerValidatorModule(instanceValidator);
  }

  @Test
  void theCohort_containsEveryKindOfCuratedFact() {
    Set<String> variables = new TreeSet<>();
    Set<String> extensions = new TreeSet<>();
    Set<String> flags = new TreeSet<>();
    for (Resource r : all()) {
      r.getMeta().getTag().stream()
          .filter(t -> DATA_FLAG.equals(t.getSystem()))
          .forEach(t -> flags.add(t.getCode()));
      if (r instanceof org.hl7.fhir.r4.model.DomainResource d) {
        d.getExtension().forEach(e -> extensions.add(e.getUrl()));
      }
    }
    for (Resource r : served.get("Observation")) {
      variables.add(registryCode((Observation) r));
    }
    Set<String> devices =
        served.get("Procedure").stream()
            .map(r -> ((Procedure) r).getCode().getCodingFirstRep().getCode())
            .collect(Collectors.toCollection(TreeSet::new));
    Set<String> provenanceExtensions =
        served.get("Provenance").stream()
            .flatMap(r -> ((Provenance) r).getEntity().stream())
            .flatMap(e -> e.getExtension().stream())
            .map(Extension::getUrl)
            .collect(Collectors.toCollection(TreeSet::new));

    assertThat(variables).containsAll(rules.variables().keySet());
    assertThat(variables)
        .containsAll(
            RegistryProfiles.DERIVED.stream()
                .map(RegistryProfiles.DerivedVariable::variable)
                .toList());
    assertThat(devices).containsAll(rules.devices().keySet());
    assertThat(extensions)
        .contains(
            SD_BASE + "original-quantity",
            SD_BASE + "source-range",
            SD_BASE + "heart-replacement-therapy");
    assertThat(provenanceExtensions)
        .contains(SD_BASE + "source-received-version", SD_BASE + "intake-channel");
    assertThat(flags)
        .contains("implausible", "unit-assumed", "preliminary", "derived", "needs-review");
    for (String type :
        List.of(
            "Patient",
            "Condition",
            "Encounter",
            "CodeSystem",
            "ConceptMap",
            "Provenance",
            "Group",
            "Parameters",
            "ResearchStudy")) {
      assertThat(served.get(type)).as(type).isNotEmpty();
    }
  }

  @Test
  void everyServedResource_isValidAgainstR4AndTheRegistryProfiles() {
    Map<String, List<String>> errorsByMessage = new TreeMap<>();
    Map<String, Integer> warningsByMessage = new TreeMap<>();
    int validated = 0;
    for (Resource r : all()) {
      ValidationResult result = validator.validateWithResult(r);
      validated++;
      for (SingleValidationMessage m : result.getMessages()) {
        String key = r.fhirType() + ": " + m.getMessage();
        if (m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal()) {
          errorsByMessage
              .computeIfAbsent(key, k -> new ArrayList<>())
              .add(
                  r.fhirType()
                      + "/"
                      + r.getIdElement().getIdPart()
                      + " @ "
                      + m.getLocationString());
        } else if (m.getSeverity() == ResultSeverityEnum.WARNING) {
          warningsByMessage.merge(key, 1, Integer::sum);
        }
      }
    }
    System.out.println(
        "event=profile_validation resources="
            + validated
            + " errorMessages="
            + errorsByMessage.size()
            + " warningMessages="
            + warningsByMessage.size());
    warningsByMessage.forEach((m, n) -> System.out.println("WARNING x" + n + " " + m));
    StringBuilder report = new StringBuilder();
    errorsByMessage.forEach(
        (m, where) ->
            report
                .append("\nERROR x")
                .append(where.size())
                .append(' ')
                .append(m)
                .append("\n    e.g. ")
                .append(String.join("\n    e.g. ", where.subList(0, Math.min(3, where.size())))));
    assertThat(errorsByMessage).as(report.toString()).isEmpty();
    assertThat(validated).isEqualTo(all().size());
  }

  @Test
  void everyCuratedResource_claimsItsProfile() {
    for (Resource r : served.get("Patient")) {
      assertThat(profiles(r)).containsExactly(RegistryProfiles.PATIENT);
    }
    for (Resource r : served.get("Observation")) {
      assertThat(profiles(r))
          .containsExactly(RegistryProfiles.observation(registryCode((Observation) r)));
    }
    for (Resource r : served.get("Procedure")) {
      assertThat(profiles(r)).containsExactly(RegistryProfiles.DEVICE_THERAPY);
    }
    for (Resource r : served.get("Condition")) {
      assertThat(profiles(r)).containsExactly(RegistryProfiles.DIAGNOSIS);
    }
    for (Resource r : served.get("Encounter")) {
      assertThat(profiles(r)).containsExactly(RegistryProfiles.ENCOUNTER);
    }
    Set<String> served =
        this.served.get("StructureDefinition").stream()
            .map(sd -> ((StructureDefinition) sd).getUrl())
            .collect(Collectors.toSet());
    for (Resource r : all()) {
      assertThat(served).as("profile of " + r.getId()).containsAll(profiles(r));
    }
  }

  /** Negative controls: the claimed profile is what rejects a resource that breaks it. */
  @Test
  void aResourceBreakingItsProfile_failsValidation() {
    Observation lactate = first(Observation.class, o -> "lactate".equals(registryCode(o)));
    assertThat(errors(lactate)).isEmpty();
    Observation wrongUnit = lactate.copy();
    wrongUnit.getValueQuantity().setCode("mg/dL").setUnit("mg/dL");
    assertThat(errors(wrongUnit)).anyMatch(m -> m.contains("mmol/L"));
    Observation noRegistryCoding = lactate.copy();
    noRegistryCoding.getCode().getCoding().remove(0);
    assertThat(errors(noRegistryCoding)).isNotEmpty();

    Patient patient = (Patient) served.get("Patient").get(0);
    assertThat(errors(patient)).isEmpty();
    Patient named = patient.copy();
    named.addName().setFamily("Rossi");
    assertThat(errors(named)).isNotEmpty();
    Patient fullBirthDate = patient.copy();
    fullBirthDate.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1962-04-03"));
    assertThat(errors(fullBirthDate)).anyMatch(m -> m.contains("sr-pat-1"));

    Observation etiology = first(Observation.class, o -> "cs-etiology".equals(registryCode(o)));
    Observation untagged = etiology.copy();
    untagged.getMeta().getTag().clear();
    assertThat(errors(untagged)).isNotEmpty();
    Observation wrongSystem = etiology.copy();
    wrongSystem.getValueCodeableConcept().getCodingFirstRep().setSystem(DEV);
    assertThat(errors(wrongSystem)).isNotEmpty();

    Procedure therapy = (Procedure) served.get("Procedure").get(0);
    Procedure unknownDevice = therapy.copy();
    unknownDevice.getCode().getCodingFirstRep().setCode("no-such-device");
    assertThat(errors(unknownDevice)).anyMatch(m -> m.contains("no-such-device"));
  }

  @Test
  void theCapabilityStatement_namesTheProfiles() {
    CapabilityStatement cs = client.capabilities().ofType(CapabilityStatement.class).execute();
    Map<String, CapabilityStatementRestResourceComponent> byType =
        cs.getRestFirstRep().getResource().stream()
            .collect(Collectors.toMap(CapabilityStatementRestResourceComponent::getType, r -> r));
    assertThat(byType.get("Patient").getProfile()).isEqualTo(RegistryProfiles.PATIENT);
    assertThat(byType.get("Procedure").getProfile()).isEqualTo(RegistryProfiles.DEVICE_THERAPY);
    assertThat(byType.get("Condition").getProfile()).isEqualTo(RegistryProfiles.DIAGNOSIS);
    assertThat(byType.get("Encounter").getProfile()).isEqualTo(RegistryProfiles.ENCOUNTER);
    CapabilityStatementRestResourceComponent observation = byType.get("Observation");
    assertThat(observation.getProfile()).isEqualTo(RegistryProfiles.OBSERVATION);
    List<String> supported =
        observation.getSupportedProfile().stream().map(CanonicalType::getValue).toList();
    for (String variable : rules.variables().keySet()) {
      assertThat(supported).contains(RegistryProfiles.observation(variable));
    }
    assertThat(supported).contains(RegistryProfiles.observation("scai-stage"));
    assertThat(byType).containsKey("StructureDefinition");
  }

  @Test
  void structureDefinitions_areReadAndSearched() {
    StructureDefinition patient =
        client.read().resource(StructureDefinition.class).withId("shockreg-patient").execute();
    assertThat(patient.getUrl()).isEqualTo(RegistryProfiles.PATIENT);
    assertThat(patient.hasSnapshot()).isTrue();
    assertThat(patient.getDifferential().getElement()).isNotEmpty();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                client
                    .read()
                    .resource(StructureDefinition.class)
                    .withId("no-such-profile")
                    .execute())
        .isInstanceOf(ResourceNotFoundException.class);

    assertThat(
            ids(
                search(
                    new UriClientParam("url")
                        .matches()
                        .value(RegistryProfiles.observation("lactate")))))
        .containsExactly("shockreg-observation-lactate");
    assertThat(ids(search(new StringClientParam("name").matches().value("shockregobservationl"))))
        .containsExactly("shockreg-observation-lvef", "shockreg-observation-lactate");
    assertThat(ids(search(new TokenClientParam("type").exactly().code("Procedure"))))
        .containsExactly("shockreg-device-therapy");
    assertThat(
            ids(
                search(
                    new TokenClientParam("_id")
                        .exactly()
                        .codes("shockreg-encounter", "source-range"))))
        .containsExactlyInAnyOrder("shockreg-encounter", "source-range");

    Bundle count =
        client
            .search()
            .forResource(StructureDefinition.class)
            .where(new TokenClientParam("type").exactly().code("Observation"))
            .summaryMode(SummaryEnum.COUNT)
            .returnBundle(Bundle.class)
            .execute();
    int observationProfiles = 1 + rules.variables().size() + RegistryProfiles.DERIVED.size();
    assertThat(count.getTotal()).isEqualTo(observationProfiles);
    assertThat(count.getEntry()).isEmpty();

    // _count pages through all of them, each page at most 4
    Bundle page =
        client
            .search()
            .forResource(StructureDefinition.class)
            .count(4)
            .returnBundle(Bundle.class)
            .execute();
    List<String> all = new ArrayList<>();
    while (true) {
      assertThat(page.getEntry().size()).isLessThanOrEqualTo(4);
      page.getEntry().forEach(e -> all.add(e.getResource().getIdElement().getIdPart()));
      if (page.getLink(Bundle.LINK_NEXT) == null) {
        break;
      }
      page = client.loadPage().next(page).execute();
    }
    assertThat(all).doesNotHaveDuplicates().hasSize(served.get("StructureDefinition").size());
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  List<Resource> all() {
    return served.values().stream().flatMap(List::stream).toList();
  }

  List<Resource> fetchAll(Class<? extends Resource> type) {
    List<Resource> out = new ArrayList<>();
    Bundle page = client.search().forResource(type).count(500).returnBundle(Bundle.class).execute();
    while (true) {
      page.getEntry().forEach(e -> out.add(e.getResource()));
      if (page.getLink(Bundle.LINK_NEXT) == null) {
        return out;
      }
      page = client.loadPage().next(page).execute();
    }
  }

  List<String> errors(Resource r) {
    return validator.validateWithResult(r).getMessages().stream()
        .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
        .map(m -> m.getLocationString() + " " + m.getMessage())
        .toList();
  }

  Bundle search(ca.uhn.fhir.rest.gclient.ICriterion<?> criterion) {
    return client
        .search()
        .forResource(StructureDefinition.class)
        .where(criterion)
        .returnBundle(Bundle.class)
        .execute();
  }

  static List<String> ids(Bundle b) {
    return b.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList();
  }

  static List<String> profiles(IBaseResource r) {
    return ((Resource) r).getMeta().getProfile().stream().map(CanonicalType::getValue).toList();
  }

  static String registryCode(Observation o) {
    Coding first = o.getCode().getCodingFirstRep();
    assertThat(first.getSystem()).isEqualTo(RV);
    return first.getCode();
  }

  <T extends Resource> T first(Class<T> type, java.util.function.Predicate<T> test) {
    return served.get(type.getSimpleName()).stream()
        .map(type::cast)
        .filter(test)
        .findFirst()
        .orElseThrow();
  }

  HttpResponse<String> post(String path, byte[] body) throws Exception {
    return post(path, NDJSON, body, TOKEN);
  }

  static byte[] resource(String name) throws IOException {
    try (InputStream in = ProfileValidationIT.class.getResourceAsStream("/profiles/" + name)) {
      return in.readAllBytes();
    }
  }
}
