package org.shockreg.ingest.pull;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoggedUrlTest {

  @Test
  void keepsHostAndPath_dropsQueryFragmentAndUserInfo() {
    assertThat(
            LoggedUrl.of(
                "https://bucket.s3.example/exports/Patient.ndjson?X-Amz-Signature=abc&X-Amz-Credential=k"))
        .isEqualTo("https://bucket.s3.example/exports/Patient.ndjson?…");
    assertThat(
            LoggedUrl.of(
                "http://ehr.example:8443/fhir/Observation?_lastUpdated=gt2025&access_token=t#f"))
        .isEqualTo("http://ehr.example:8443/fhir/Observation?…");
    assertThat(LoggedUrl.of("https://user:secret@ehr.example/fhir"))
        .isEqualTo("https://ehr.example/fhir");
    assertThat(LoggedUrl.of("https://ehr.example/fhir/$export-poll/42"))
        .isEqualTo("https://ehr.example/fhir/$export-poll/42");
    assertThat(LoggedUrl.of("https://us er:pw@ehr.example/a b?token=x"))
        .isEqualTo("https://ehr.example/a b?…");
    assertThat(LoggedUrl.of(null)).isNull();
  }
}
