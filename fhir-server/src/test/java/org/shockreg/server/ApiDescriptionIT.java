package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceSearchParamComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.ResourceInteractionComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.TypeRestfulInteraction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The CapabilityStatement says exactly what works: every declared search parameter, include and
 * operation is accepted, anything undeclared is refused; the OpenAPI console describes the same API
 * and is reachable without a token.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiDescriptionIT extends IntegrationTestSupport {

  static final String TOKEN = "it-admin-token-0123456789";
  static final Path DATA_DIR = newDataDir();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, DATA_DIR);
    registerToken(registry, 0, TOKEN, "admin");
  }

  /** HAPI serves the OpenAPI document as YAML; YAML is a superset of JSON, so this reads either. */
  final ObjectMapper openApiReader = new YAMLMapper();

  CapabilityStatement capabilities;

  @BeforeAll
  void metadata() throws Exception {
    HttpResponse<String> res = get("/fhir/metadata", null);
    assertThat(res.statusCode()).isEqualTo(200);
    capabilities = fhir.newJsonParser().parseResource(CapabilityStatement.class, res.body());
  }

  @Test
  void capabilityStatement_isReadOnly_andSaysHowToAuthenticate() {
    assertThat(capabilities.getFhirVersion().toCode()).isEqualTo("4.0.1");
    assertThat(capabilities.getFormat())
        .extracting(f -> f.getValue())
        .contains("application/fhir+json");
    var rest = capabilities.getRestFirstRep();
    assertThat(rest.getSecurity().getDescription()).contains("Bearer");
    Set<String> types = new java.util.HashSet<>();
    for (CapabilityStatementRestResourceComponent resource : rest.getResource()) {
      types.add(resource.getType());
      if ("Subscription".equals(resource.getType())) {
        // the one writable type: screening alerts (interfaces.md "Notifications")
        assertThat(resource.getInteraction())
            .extracting(ResourceInteractionComponent::getCode)
            .containsExactlyInAnyOrder(
                TypeRestfulInteraction.CREATE,
                TypeRestfulInteraction.READ,
                TypeRestfulInteraction.SEARCHTYPE,
                TypeRestfulInteraction.DELETE);
        continue;
      }
      assertThat(resource.getInteraction())
          .extracting(ResourceInteractionComponent::getCode)
          .as(resource.getType() + " interactions")
          .isSubsetOf(
              TypeRestfulInteraction.READ,
              TypeRestfulInteraction.SEARCHTYPE,
              TypeRestfulInteraction.VREAD);
    }
    assertThat(types)
        .contains(
            "Patient",
            "Observation",
            "Procedure",
            "Condition",
            "Encounter",
            "Provenance",
            "CodeSystem",
            "ConceptMap",
            "Subscription");
  }

  /** Every declared parameter, with a value of its type, is accepted (200). */
  @Test
  void everyDeclaredSearchParameter_isAccepted() throws Exception {
    List<String> refused = new ArrayList<>();
    int tried = 0;
    for (CapabilityStatementRestResourceComponent resource :
        capabilities.getRestFirstRep().getResource()) {
      if (!hasSearch(resource)) {
        continue;
      }
      for (CapabilityStatementRestResourceSearchParamComponent sp : resource.getSearchParam()) {
        String value = sampleValue(sp);
        if (value == null) {
          continue;
        }
        tried++;
        String path = "/fhir/" + resource.getType() + "?" + sp.getName() + "=" + enc(value);
        HttpResponse<String> res = get(path, TOKEN);
        if (res.statusCode() != 200) {
          refused.add(path + " -> " + res.statusCode() + " " + res.body());
        }
      }
    }
    assertThat(tried).isGreaterThan(20);
    assertThat(refused).isEmpty();
  }

  /** Every declared _include / _revinclude works. */
  @Test
  void everyDeclaredInclude_isAccepted() throws Exception {
    List<String> refused = new ArrayList<>();
    for (CapabilityStatementRestResourceComponent resource :
        capabilities.getRestFirstRep().getResource()) {
      for (var include : resource.getSearchInclude()) {
        check("/fhir/" + resource.getType() + "?_include=" + enc(include.getValue()), refused);
      }
      for (var revinclude : resource.getSearchRevInclude()) {
        check(
            "/fhir/" + resource.getType() + "?_revinclude=" + enc(revinclude.getValue()), refused);
      }
    }
    assertThat(refused).isEmpty();
  }

  /** Parameters nobody declared are refused with an OperationOutcome, never ignored. */
  @Test
  void undeclaredParameters_areRefused() throws Exception {
    for (CapabilityStatementRestResourceComponent resource :
        capabilities.getRestFirstRep().getResource()) {
      if (!hasSearch(resource)) {
        continue;
      }
      for (String unknown :
          List.of("not-a-parameter=1", "_not-a-parameter=1", "_has:Observation:subject:code=x")) {
        HttpResponse<String> res = get("/fhir/" + resource.getType() + "?" + unknown, TOKEN);
        assertThat(res.statusCode()).as(resource.getType() + "?" + unknown).isEqualTo(400);
        assertThat(res.body()).contains("OperationOutcome");
      }
    }
  }

  /**
   * The operations the CapabilityStatement names have definitions: ours readable here, the rest
   * published.
   */
  @Test
  void declaredOperations_haveDefinitions() throws Exception {
    List<String> missing = new ArrayList<>();
    var rest = capabilities.getRestFirstRep();
    List<String> definitions = new ArrayList<>();
    rest.getOperation().forEach(o -> definitions.add(o.getDefinition()));
    rest.getResource()
        .forEach(r -> r.getOperation().forEach(o -> definitions.add(o.getDefinition())));
    assertThat(definitions)
        .as("Bulk Data operations name the IG's definitions")
        .contains(
            "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
            "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export",
            "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export");
    for (String definition : definitions) {
      if (definition.startsWith("http://hl7.org/fhir/uv/bulkdata/")) {
        continue; // a published canonical, not served here
      }
      String id = definition.substring(definition.indexOf("OperationDefinition/"));
      HttpResponse<String> res = get("/fhir/" + id, TOKEN);
      if (res.statusCode() != 200 || !res.body().contains("OperationDefinition")) {
        missing.add(definition + " -> " + res.statusCode());
      }
    }
    assertThat(missing).isEmpty();
  }

  @Test
  void openApi_describesEveryResource_andNeedsNoToken() throws Exception {
    HttpResponse<String> res = get("/fhir/api-docs", null);
    assertThat(res.statusCode()).isEqualTo(200);
    JsonNode api = openApiReader.readTree(res.body());
    assertThat(api.path("openapi").asText()).startsWith("3.");
    List<String> paths = new ArrayList<>();
    api.path("paths").fieldNames().forEachRemaining(paths::add);
    for (CapabilityStatementRestResourceComponent resource :
        capabilities.getRestFirstRep().getResource()) {
      assertThat(paths).as("OpenAPI paths").contains("/" + resource.getType() + "/{id}");
      if (hasSearch(resource)) {
        assertThat(paths).as("OpenAPI paths").contains("/" + resource.getType());
      }
    }
    assertThat(
            api.path("components").path("securitySchemes").path("bearer").path("scheme").asText())
        .isEqualTo("bearer");
    assertThat(api.path("security").toString()).contains("bearer");
  }

  @Test
  void swaggerUi_isBrowsable_butDataStillNeedsAToken() throws Exception {
    HttpResponse<String> page = get("/fhir/swagger-ui/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).contains("text/html");
    assertThat(page.body()).containsIgnoringCase("swagger");
    // the page's own scripts and styles load without a token too
    var assets =
        java.util.regex.Pattern.compile("(?:src|href)=\"([^\"#:]+\\.(?:js|css))\"")
            .matcher(page.body());
    int loaded = 0;
    while (assets.find()) {
      String asset = assets.group(1);
      // resolved as a browser does ("./x.css" is "x.css"): the firewall refuses unnormalised paths
      String path = URI.create("/fhir/swagger-ui/").resolve(asset).toString();
      assertThat(get(path, null).statusCode()).as(path).isEqualTo(200);
      loaded++;
    }
    assertThat(loaded).isGreaterThan(0);
    HttpResponse<String> data = get("/fhir/Observation", null);
    assertThat(data.statusCode()).isEqualTo(401);
  }

  private void check(String path, List<String> refused) throws Exception {
    HttpResponse<String> res = get(path, TOKEN);
    if (res.statusCode() != 200) {
      refused.add(path + " -> " + res.statusCode() + " " + res.body());
    }
  }

  private static boolean hasSearch(CapabilityStatementRestResourceComponent resource) {
    return resource.getInteraction().stream()
        .anyMatch(i -> i.getCode() == TypeRestfulInteraction.SEARCHTYPE);
  }

  /** A syntactically valid value for a parameter of the declared type. */
  private static String sampleValue(CapabilityStatementRestResourceSearchParamComponent sp) {
    if (sp.getType() == null) {
      return null;
    }
    return switch (sp.getType()) {
      case TOKEN -> "x";
      case DATE -> "ge2020-01-01";
      case REFERENCE -> "x";
      case QUANTITY -> "gt1";
      case NUMBER -> "1";
      case STRING -> "x";
      case URI -> "http://example.org/x";
      default -> null;
    };
  }

  private static String enc(String v) {
    return URLEncoder.encode(v, StandardCharsets.UTF_8);
  }
}
