package org.shockreg.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class AuditQueryTest {

  @Test
  void keepsSearchParameters_dropsCredentials_masksUnknownNames_cutsBirthDatesToTheYear() {
    assertThat(
            AuditQuery.sanitize(
                "code=http%3A%2F%2Floinc.org%7C14118-4&_count=5&subject:Patient.gender=female"))
        .isEqualTo("code=http%3A%2F%2Floinc.org%7C14118-4&_count=5&subject:Patient.gender=female");
    assertThat(AuditQuery.sanitize("access_token=abc&_count=1&client_secret=x&id_token=y"))
        .isEqualTo("_count=1");
    assertThat(AuditQuery.sanitize("mrn=123456&family=Doe&flag"))
        .isEqualTo("mrn=***&family=***&flag");
    assertThat(
            AuditQuery.sanitize("birthdate=ge1958-06-07,1960-01-02&subject.birthdate=1958-06-07"))
        .isEqualTo("birthdate=ge1958,1960&subject.birthdate=1958");
    assertThat(AuditQuery.sanitize("")).isNull();
    assertThat(AuditQuery.sanitize("access_token=abc")).isNull();
    assertThat(AuditQuery.sanitize("_count=" + "9".repeat(5000))).hasSize(AuditQuery.MAX_LENGTH);
  }

  @Test
  void encodesBase64() {
    assertThat(
            new String(
                Base64.getDecoder().decode(AuditQuery.encode("gender=female")),
                StandardCharsets.UTF_8))
        .isEqualTo("gender=female");
    assertThat(AuditQuery.encode(null)).isNull();
  }
}
