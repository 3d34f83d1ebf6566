package org.shockreg.mappings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.InstantType;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.curated.SourceTime;
import org.shockreg.registry.curated.TimePrecision;

/**
 * Partial dates keep their precision: a year, month or date is a period starting in the site zone.
 */
class FhirTimesTest {

  static final FhirTimes ROME = FhirTimes.in(ZoneId.of("Europe/Rome"));

  @Test
  void partialDates_areThePeriodStartInTheSiteZone_withTheirPrecision() {
    assertThat(ROME.time(new DateTimeType("2026")))
        .isEqualTo(new SourceTime(Instant.parse("2025-12-31T23:00:00Z"), TimePrecision.YEAR));
    assertThat(ROME.time(new DateTimeType("2026-03")))
        .isEqualTo(new SourceTime(Instant.parse("2026-02-28T23:00:00Z"), TimePrecision.MONTH));
    assertThat(ROME.time(new DateTimeType("2026-03-04")))
        .isEqualTo(new SourceTime(Instant.parse("2026-03-03T23:00:00Z"), TimePrecision.DAY));
    assertThat(ROME.time(new DateType("2026-07-04")))
        .isEqualTo(new SourceTime(Instant.parse("2026-07-03T22:00:00Z"), TimePrecision.DAY));
  }

  @Test
  void timesOfDay_keepMinuteSecondOrMilli() {
    assertThat(ROME.time(new DateTimeType("2026-03-04T10:30:00+01:00")))
        .isEqualTo(new SourceTime(Instant.parse("2026-03-04T09:30:00Z"), TimePrecision.SECOND));
    assertThat(ROME.time(new DateTimeType("2026-03-04T10:30:15.250Z")))
        .isEqualTo(new SourceTime(Instant.parse("2026-03-04T10:30:15.250Z"), TimePrecision.MILLI));
    assertThat(ROME.time(new InstantType("2026-03-04T10:30:15Z")).precision())
        .isEqualTo(TimePrecision.SECOND);
    assertThat(FhirTimes.precision("2026-03-04T10:30")).isEqualTo(TimePrecision.MINUTE);
    assertThat(FhirTimes.precision("2026-03-04T10:30+01:00")).isEqualTo(TimePrecision.MINUTE);
    assertThat(FhirTimes.precision("2026-03-04T10:30Z")).isEqualTo(TimePrecision.MINUTE);
    assertThat(FhirTimes.precision("2026-03-04T10:30:15")).isEqualTo(TimePrecision.SECOND);
    assertThat(FhirTimes.precision("2026-03-04T10:30:15.1-05:00")).isEqualTo(TimePrecision.MILLI);
  }

  @Test
  void aMinuteTime_keepsMinutePrecision() {
    // HAPI's DateTimeType refuses minute precision; the string form is what a lenient parse keeps.
    assertThat(ROME.read("2026-03-04T10:30")).isEqualTo(Instant.parse("2026-03-04T09:30:00Z"));
  }

  @Test
  void absentOrUnreadable_isNull() {
    assertThat(ROME.time(null)).isNull();
    assertThat(ROME.time(new DateTimeType())).isNull();
  }

  @Test
  void storedPrecision_isNullForSecondsOrFiner() {
    assertThat(TimePrecision.SECOND.column()).isNull();
    assertThat(TimePrecision.MILLI.column()).isNull();
    assertThat(TimePrecision.DAY.column()).isEqualTo("day");
    assertThat(TimePrecision.ofColumn("month")).isEqualTo(TimePrecision.MONTH);
    assertThat(TimePrecision.ofColumn(null)).isEqualTo(TimePrecision.SECOND);
  }
}
