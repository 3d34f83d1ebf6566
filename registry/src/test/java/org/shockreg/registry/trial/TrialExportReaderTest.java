package org.shockreg.registry.trial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrialExportReaderTest {

  @Test
  void everyCodeASourceNames_isABindParameter_inColumnOrder() {
    TrialExportReader.Query q =
        TrialExportReader.query(
            "altshock-2",
            List.of(
                "baseline:lvef",
                "age",
                "device-start:va-ecmo",
                "criterion:x'); DROP TABLE patient; --",
                "etiology",
                "scai-worst-24h",
                "hf-cs-de-novo"));

    assertThat(q.params())
        .containsExactly(
            "altshock-2",
            "lvef",
            "va-ecmo",
            "x'); DROP TABLE patient; --",
            "cs-etiology",
            "scai-stage-worst-24h",
            "hf-cs-de-novo");
    assertThat(q.sql()).doesNotContain("lvef", "va-ecmo", "DROP", "altshock");
    assertThat(q.sql().chars().filter(c -> c == '?').count()).isEqualTo(q.params().size());
  }

  @Test
  void aSourceOutsideTheVocabulary_isRejected() {
    assertThatThrownBy(() -> TrialExportReader.query("s", List.of("favourite-colour")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("favourite-colour");
    assertThatThrownBy(() -> TrialExportReader.query("s", List.of("baseline:")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
