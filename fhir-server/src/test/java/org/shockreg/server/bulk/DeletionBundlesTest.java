package org.shockreg.server.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeletionBundlesTest {

  @Test
  void aDeletionLine_isATransactionBundleOfDeleteRequests_withoutResources() throws Exception {
    String line =
        FhirContext.forR4Cached()
            .newJsonParser()
            .setPrettyPrint(false)
            .encodeResourceToString(DeletionBundles.bundle("Observation", List.of("o-1", "o-2")));

    // one NDJSON line, in the shape of the Bulk Data IG 2.0 example
    assertThat(line).doesNotContain("\n");
    JsonNode bundle = new ObjectMapper().readTree(line);
    assertThat(bundle.get("resourceType").asText()).isEqualTo("Bundle");
    assertThat(bundle.get("type").asText()).isEqualTo("transaction");
    assertThat(bundle.get("entry")).hasSize(2);
    for (JsonNode entry : bundle.get("entry")) {
      assertThat(entry.fieldNames()).toIterable().containsExactly("request");
      assertThat(entry.get("request").get("method").asText()).isEqualTo("DELETE");
    }
    assertThat(bundle.get("entry").findValuesAsText("url"))
        .containsExactly("Observation/o-1", "Observation/o-2");
  }
}
