package org.shockreg.ingest.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.shockreg.ingest.pull.PullSourcesProperties.PullSource;

class FhirBulkPullerTest {

  static FhirBulkPuller puller(String group) {
    PullSource s =
        new PullSource(
            "fhir-bulk",
            null,
            "https://ehr.example.org/fhir/",
            null,
            "1h",
            List.of("Patient", "Observation"),
            null,
            null,
            null,
            group,
            null,
            null,
            null);
    return new FhirBulkPuller(
        "x",
        s,
        null,
        null,
        null,
        null,
        new ObjectMapper(),
        Path.of("unused"),
        FhirBulkPuller.Polling.DEFAULT,
        Clock.systemUTC());
  }

  @Test
  void kickoffUrl_systemLevelOrGroup_withTypesFormatAndSince() {
    assertThat(puller(null).kickoffUrl(null))
        .isEqualTo(
            "https://ehr.example.org/fhir/$export?_type=Patient%2CObservation&_outputFormat=application%2Ffhir%2Bndjson");
    assertThat(puller("hf-cs").kickoffUrl(Instant.parse("2026-01-02T03:04:05Z")))
        .startsWith("https://ehr.example.org/fhir/Group/hf-cs/$export?")
        .endsWith("&_since=2026-01-02T03%3A04%3A05Z");
  }

  @Test
  void manifest_isRead_andOneWithoutTransactionTimeIsRefused() throws Exception {
    BulkManifest m =
        BulkManifest.parse(
            new ObjectMapper(),
            "{\"transactionTime\":\"2026-01-02T03:04:05.123+01:00\",\"requiresAccessToken\":true,"
                + "\"output\":[{\"type\":\"Patient\",\"url\":\"https://ehr.example.org/f/1\",\"count\":3}],"
                + "\"error\":[{\"type\":\"OperationOutcome\",\"url\":\"https://ehr.example.org/e/1\"}]}");
    assertThat(m.transactionTime()).isEqualTo(Instant.parse("2026-01-02T02:04:05.123Z"));
    assertThat(m.requiresAccessToken()).isTrue();
    assertThat(m.output())
        .containsExactly(new BulkManifest.FileRef("Patient", "https://ehr.example.org/f/1", 3L));
    assertThat(m.error()).hasSize(1);
    assertThatThrownBy(() -> BulkManifest.parse(new ObjectMapper(), "{\"output\":[]}"))
        .isInstanceOf(FhirBulkPuller.BulkFailure.class);
  }

  @Test
  void countLines_skipsBlankLines(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("a.ndjson"), "{}\n\n{}\n{}");
    assertThat(BulkJobClient.countLines(f)).isEqualTo(3);
  }

  @Test
  void group_onlyForBulkSources_andAFhirId() {
    PullSource rest =
        new PullSource(
            "fhir-rest",
            null,
            "https://x.example/fhir",
            null,
            "1h",
            null,
            null,
            null,
            null,
            "g1",
            null,
            null,
            null);
    PullSource badId =
        new PullSource(
            "fhir-bulk",
            null,
            "https://x.example/fhir",
            null,
            "1h",
            null,
            null,
            null,
            null,
            "a b",
            null,
            null,
            null);
    PullSource ok =
        new PullSource(
            "fhir-bulk",
            null,
            "https://x.example/fhir",
            null,
            "1h",
            null,
            null,
            null,
            null,
            "hf-cs",
            null,
            null,
            null);
    assertThat(PullSourcesValidator.problems(new PullSourcesProperties(Map.of("a", rest))))
        .singleElement()
        .asString()
        .contains("a.group");
    assertThat(PullSourcesValidator.problems(new PullSourcesProperties(Map.of("b", badId))))
        .singleElement()
        .asString()
        .contains("b.group");
    assertThat(PullSourcesValidator.problems(new PullSourcesProperties(Map.of("c", ok)))).isEmpty();
  }

  static PullSource bulk(String level, List<String> typeFilter) {
    return new PullSource(
        "fhir-bulk",
        null,
        "https://ehr.example.org/fhir",
        null,
        "1h",
        List.of("Patient", "Observation"),
        null,
        null,
        null,
        null,
        null,
        level,
        typeFilter);
  }

  @Test
  void kickoffUrl_patientLevel_withTypeFilter() {
    FhirBulkPuller p =
        new FhirBulkPuller(
            "x",
            bulk("patient", List.of("Observation?code=http://loinc.org|2524-7")),
            null,
            null,
            null,
            null,
            new ObjectMapper(),
            Path.of("unused"),
            FhirBulkPuller.Polling.DEFAULT,
            Clock.systemUTC());
    String url =
        java.net.URLDecoder.decode(p.kickoffUrl(null), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(url)
        .startsWith("https://ehr.example.org/fhir/Patient/$export?_type=Patient,Observation")
        .contains("&_typeFilter=Observation?code=http://loinc.org|2524-7");
  }

  @Test
  void exportLevelAndTypeFilter_areValidated() {
    assertThat(
            PullSourcesValidator.problems(
                new PullSourcesProperties(Map.of("a", bulk("patient", List.of())))))
        .isEmpty();
    assertThat(
            PullSourcesValidator.problems(
                new PullSourcesProperties(Map.of("b", bulk("ward", null)))))
        .singleElement()
        .asString()
        .contains("b.export-level");
    assertThat(
            PullSourcesValidator.problems(
                new PullSourcesProperties(Map.of("c", bulk("group", null)))))
        .singleElement()
        .asString()
        .contains("c.group");
    assertThat(
            PullSourcesValidator.problems(
                new PullSourcesProperties(
                    Map.of("d", bulk(null, List.of("Procedure?code=x", "nonsense"))))))
        .hasSize(2);
  }
}
