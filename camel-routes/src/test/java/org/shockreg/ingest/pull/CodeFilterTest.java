package org.shockreg.ingest.pull;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.shockreg.ingest.pull.PullSourcesProperties.PullSource;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.RuleSetLoader;

/** With {@code code-filter}, searches ask only for the codes the mapping rules know. */
class CodeFilterTest {

  static final RuleSet RULES = new RuleSetLoader().loadBuiltIn();

  static PullSource source(Boolean codeFilter) {
    return new PullSource(
        "fhir-rest",
        null,
        "https://ehr.example.org/fhir/",
        null,
        "1h",
        null,
        null,
        50,
        null,
        null,
        codeFilter,
        null,
        null);
  }

  static FhirRestPuller puller(PullSource source) {
    return new FhirRestPuller(
        "site-a", source, null, null, null, null, null, type -> RULES.searchTokens("site-a", type));
  }

  @Test
  void observationSearch_asksForEveryMappedMeasurementCodeAndThePanels() {
    String url =
        URLDecoder.decode(
            puller(source(true)).firstUrl("Observation", null), StandardCharsets.UTF_8);
    assertThat(url).startsWith("https://ehr.example.org/fhir/Observation?code=");
    assertThat(url)
        .contains("http://loinc.org|14118-4")
        .contains("http://loinc.org|85354-9")
        .contains("http://snomed.info/sct|250908004")
        .doesNotContain("2708-6");
  }

  @Test
  void procedureSearch_asksForDeviceInsertionAndRemovalCodes() {
    List<String> tokens = RULES.searchTokens("site-a", "Procedure");
    assertThat(tokens)
        .contains("http://www.ama-assn.org/go/cpt|33967", "http://www.ama-assn.org/go/cpt|33968")
        .doesNotContain("http://snomed.info/sct|415070008");
  }

  @Test
  void patientsConditionsAndEncounters_areNotFiltered_norAnythingWhenTheFilterIsOff() {
    assertThat(puller(source(true)).firstUrl("Patient", null)).doesNotContain("code=");
    assertThat(puller(source(true)).firstUrl("Condition", null)).doesNotContain("code=");
    assertThat(puller(source(null)).firstUrl("Observation", null)).doesNotContain("code=");
  }

  @Test
  void aServerThatIgnoresLastUpdated_isNarrowedByTheResourcesOwnDate() {
    FhirRestPuller p = puller(source(null));
    java.time.Instant watermark = java.time.Instant.parse("2026-01-01T00:00:00Z");
    assertThat(p.firstUrl("Observation", watermark)).doesNotContain("date=");
    p.ignoresLastUpdated.add("Observation");
    p.ignoresLastUpdated.add("Patient");
    assertThat(URLDecoder.decode(p.firstUrl("Observation", watermark), StandardCharsets.UTF_8))
        .contains("&date=gt2026-01-01T00:00:00Z&");
    // Patients have no date of their own: the full search stays, content hash dedupes
    assertThat(p.firstUrl("Patient", watermark)).doesNotContain("date=");
  }
}
