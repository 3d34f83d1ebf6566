package org.shockreg.server.trial;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.hl7.fhir.r4.model.DateTimeType;
import org.junit.jupiter.api.Test;

class InterimReportProviderTest {

  @Test
  void asOfADate_meansTheEndOfThatDayInUtc() {
    assertThat(InterimReportProvider.cutoff(new DateTimeType("2025-07-15")))
        .isEqualTo(Instant.parse("2025-07-15T23:59:59.999999Z"));
    assertThat(InterimReportProvider.cutoff(new DateTimeType("2024-02")))
        .isEqualTo(Instant.parse("2024-02-29T23:59:59.999999Z"));
    assertThat(InterimReportProvider.cutoff(new DateTimeType("2025")))
        .isEqualTo(Instant.parse("2025-12-31T23:59:59.999999Z"));
  }

  @Test
  void asOfADateTime_isThatInstant_andNoneIsNow() {
    assertThat(InterimReportProvider.cutoff(new DateTimeType("2025-07-15T10:30:00+02:00")))
        .isEqualTo(Instant.parse("2025-07-15T08:30:00Z"));
    assertThat(InterimReportProvider.cutoff(null)).isNull();
    assertThat(InterimReportProvider.cutoff(new DateTimeType())).isNull();
  }
}
