package org.shockreg.mappings.rules;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SiteFileWriterTest {

  static final SiteFileEntry LACTATE =
      new SiteFileEntry(
          "measurements", "99LAB", "LAC\"2", "Lactate, \"venous\"", "lactate", "mg/dL");

  @Test
  void appendsToTheEndOfItsSection_keepingCommentsAndTheNextSection() {
    String file =
        """
        # header comment
        site: h
        measurements:
          - { system: 99LAB, code: LACT, variable: lactate, unit: mg/dL }
          # a comment inside the list

        # devices below
        devices:
          - { system: p, code: IABP-IN, device: iabp }
        """;
    String out = SiteFileWriter.withEntry(file, LACTATE);
    assertThat(out)
        .isEqualTo(
            """
            # header comment
            site: h
            measurements:
              - { system: 99LAB, code: LACT, variable: lactate, unit: mg/dL }
              - { system: "99LAB", code: "LAC\\"2", display: "Lactate, \\"venous\\"", variable: "lactate", unit: "mg/dL" }
              # a comment inside the list

            # devices below
            devices:
              - { system: p, code: IABP-IN, device: iabp }
            """);
  }

  @Test
  void aMissingOrEmptySection_isCreated() {
    assertThat(
            SiteFileWriter.withEntry(
                "site: h\n",
                new SiteFileEntry("diagnoses", "s", "DX", null, "heart-failure", null)))
        .isEqualTo(
            "site: h\n\ndiagnoses:\n  - { system: \"s\", code: \"DX\", category: \"heart-failure\" }\n");
    assertThat(
            SiteFileWriter.withEntry(
                "site: h\ndevices: []\n",
                new SiteFileEntry("devices", "s", "X", null, "iabp", null)))
        .isEqualTo("site: h\ndevices:\n  - { system: \"s\", code: \"X\", device: \"iabp\" }\n");
  }

  @Test
  void problems_areNamed() {
    assertThat(new SiteFileEntry("labs", "s", "c", null, "t", null).problem()).contains("section");
    assertThat(new SiteFileEntry("measurements", "s", "c", null, "lactate", null).problem())
        .contains("unit");
    assertThat(new SiteFileEntry("devices", "s", "c\nx", null, "iabp", null).problem())
        .contains("one line");
    assertThat(LACTATE.problem()).isNull();
  }
}
