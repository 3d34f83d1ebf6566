package org.shockreg.server.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The streaming writer's reading of PostgreSQL's timestamptz text (the driver's result, without the
 * driver).
 */
class JsonTextTest {

  @Test
  void parsesPostgresTimestamptzText_withAnyOffsetAndFraction() {
    assertThat(JsonText.parseTimestamp("2025-05-03 20:49:00+00"))
        .isEqualTo(ts("2025-05-03T20:49:00Z"));
    assertThat(JsonText.parseTimestamp("2025-05-03 22:49:00+02"))
        .isEqualTo(ts("2025-05-03T20:49:00Z"));
    assertThat(JsonText.parseTimestamp("2025-05-03 15:19:00-05:30"))
        .isEqualTo(ts("2025-05-03T20:49:00Z"));
    assertThat(JsonText.parseTimestamp("2025-05-03 21:09:30+00:20:30"))
        .isEqualTo(ts("2025-05-03T20:49:00Z"));
    assertThat(JsonText.parseTimestamp("2026-12-05 20:50:16.061234+00"))
        .isEqualTo(ts("2026-12-05T20:50:16.061234Z"));
    assertThat(JsonText.parseTimestamp("2026-12-05 20:50:16.5+01"))
        .isEqualTo(ts("2026-12-05T19:50:16.5Z"));
    assertThat(JsonText.parseTimestamp("2024-02-29 00:00:00+00").getTime())
        .isEqualTo(Instant.parse("2024-02-29T00:00:00Z").toEpochMilli());
  }

  @Test
  void leavesAnythingElseToTheDriver() {
    assertThat(JsonText.parseTimestamp("1850-06-01 12:00:00+00"))
        .isNull(); // Julian calendar in the driver
    assertThat(JsonText.parseTimestamp("0044-03-15 12:00:00+00 BC")).isNull();
    assertThat(JsonText.parseTimestamp("infinity")).isNull();
    assertThat(JsonText.parseTimestamp("12025-05-03 20:49:00+00")).isNull();
    assertThat(JsonText.parseTimestamp("2025-02-30 20:49:00+00")).isNull();
    assertThat(JsonText.parseTimestamp("2025-05-03 20:49:00")).isNull();
    assertThat(JsonText.parseTimestamp("2025-05-03 20:49:00.+00")).isNull();
    assertThat(JsonText.parseTimestamp("2025-05-03T20:49:00+00")).isNull();
  }

  private static Timestamp ts(String iso) {
    return Timestamp.from(Instant.parse(iso));
  }
}
