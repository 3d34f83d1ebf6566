package org.shockreg.registry.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudyCatalogTest {

  @TempDir Path dir;

  @Test
  void builtInAltshock2_isExecutable_withEveryCriterionOfTheDataDictionary() {
    StudyDefinition s = StudyCatalog.load(null).studies().get("altshock-2");
    assertThat(s.criteria())
        .extracting(StudyDefinition.Criterion::key)
        .containsExactly(
            "age",
            "etiology",
            "lvef",
            "hypotension-hypoperfusion",
            "scai",
            "window",
            "exclusion",
            "manual");
    assertThat(s.randomizationWindowHours()).isEqualTo(6);
    assertThat(s.arms())
        .extracting(StudyDefinition.Arm::code)
        .containsExactly("early-iabp", "standard-care");
    assertThat(s.primaryEndpoint().days()).isEqualTo(60);
    assertThat(s.export())
        .extracting(StudyDefinition.ExportField::name)
        .contains("lvef_baseline", "primary_endpoint");
  }

  @Test
  void aWrongStudyFile_failsNamingFileKeyAndLine() throws IOException {
    Files.writeString(
        dir.resolve("broken.yaml"),
        """
        id: broken-trial
        title: Broken
        status: active
        arms:
          - code: a
        screening:
          randomization-window-hours: 6
          criteria:
            - key: lvef
              type: measurement
              from: -12 months
              to: 6h
              any:
                - { variable: lvef, at-most: 35, below: 40 }
        """);
    assertThatThrownBy(() -> StudyCatalog.load(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "broken.yaml: screening.criteria[0].from (line 11): '-12 months' is not a relative time")
        .hasMessageContaining(
            "broken.yaml: screening.criteria[0].any[0] (line 14): exactly one of below, above");
  }

  @Test
  void anUnknownKey_failsWithItsLine() throws IOException {
    Files.writeString(
        dir.resolve("typo.yaml"),
        """
        id: typo
        title: Typo
        status: active
        arms:
          - code: a
            interventoin: { device: iabp, within-hours: 6 }
        """);
    assertThatThrownBy(() -> StudyCatalog.load(dir))
        .hasMessageContaining("typo.yaml: arms[0].interventoin (line 6)");
  }

  @Test
  void codesUnknownToTheRules_failWithFileKeyAndLine() throws IOException {
    Files.writeString(
        dir.resolve("vocab.yaml"),
        """
        id: vocab
        title: Vocabulary
        status: active
        arms:
          - code: a
            intervention: { device: iabp, within-hours: 6 }
        screening:
          randomization-window-hours: 6
          criteria:
            - key: k
              type: measurement
              from: -6h
              to: 6h
              any: [ { variable: troponin, above: 1 } ]
        """);
    StudyCatalog catalog = StudyCatalog.load(dir);
    assertThatThrownBy(
            () ->
                catalog.checkVocabulary(
                    Set.of("lvef"), Set.of(), Set.of("iabp", "durable-lvad", "heart-transplant")))
        .hasMessageContaining(
            "vocab.yaml: screening.criteria[0].any[0].variable (line 14): unknown registry variable troponin");
  }

  @Test
  void relativeTimes_areCalendarMonthsDaysAndHours() {
    java.time.Instant t = java.time.Instant.parse("2025-06-02T10:00:00Z");
    assertThat(RelativeTime.parse("-12mo").from(t))
        .isEqualTo(java.time.Instant.parse("2024-06-02T10:00:00Z"));
    assertThat(RelativeTime.parse("-30d").from(t))
        .isEqualTo(java.time.Instant.parse("2025-05-03T10:00:00Z"));
    assertThat(RelativeTime.parse("6h").from(t))
        .isEqualTo(java.time.Instant.parse("2025-06-02T16:00:00Z"));
  }
}
