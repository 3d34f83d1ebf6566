package org.shockreg.ingest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReasonsTest {

  @Test
  void quotedValuesAreReplaced_elementNamesAndJsonLiteralsKept() {
    assertThat(
            Reasons.withoutValues(
                "HAPI-1821: [element=\"birthDate\"] Invalid attribute value \"1937-02-19T25:61:00\": Invalid"
                    + " date/time format: \"1937-02-19T25:61:00\""))
        .isEqualTo(
            "HAPI-1821: [element=\"birthDate\"] Invalid attribute value \"\u2026\": Invalid date/time format: \"\u2026\"");
    assertThat(
            Reasons.withoutValues(
                "line is not valid JSON: Unrecognized token 'Zyxwortha': was expecting (JSON String, Number,"
                    + " Array, Object or token 'null', 'true' or 'false')"))
        .isEqualTo(
            "line is not valid JSON: Unrecognized token '\u2026': was expecting (JSON String, Number, Array,"
                + " Object or token 'null', 'true' or 'false')");
    assertThat(Reasons.withoutValues("lactate unit 'mg/dL' is not a UCUM unit"))
        .isEqualTo("lactate unit '\u2026' is not a UCUM unit");
    assertThat(Reasons.withoutValues("resource has no resourceType"))
        .isEqualTo("resource has no resourceType");
    assertThat(Reasons.withoutValues(null)).isNull();
  }
}
