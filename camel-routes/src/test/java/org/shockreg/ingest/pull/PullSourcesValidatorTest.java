package org.shockreg.ingest.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.shockreg.ingest.pull.PullSourcesProperties.Auth;
import org.shockreg.ingest.pull.PullSourcesProperties.PullSource;

class PullSourcesValidatorTest {

  static PullSource source(
      String type,
      String url,
      String schedule,
      List<String> types,
      String since,
      Integer pageSize) {
    return new PullSource(
        type,
        null,
        url,
        new Auth("none", null, null, null, null, null, null, null, null, null),
        schedule,
        types,
        since,
        pageSize,
        null,
        null,
        null,
        null,
        null);
  }

  static PullSourcesProperties props(String id, PullSource s) {
    return new PullSourcesProperties(Map.of(id, s));
  }

  @Test
  void goodSources_haveNoProblems() {
    assertThat(
            PullSourcesValidator.problems(
                props(
                    "epic-prod",
                    source(
                        "fhir-rest",
                        "https://ehr.example.org/api/FHIR/R4",
                        "5m",
                        null,
                        "2024-01-01",
                        200))))
        .isEmpty();
    assertThat(
            PullSourcesValidator.problems(
                props(
                    "nightly",
                    source(
                        "fhir-bulk",
                        "http://x.example/fhir",
                        "0 0 2 * * ?",
                        List.of("Observation"),
                        null,
                        null))))
        .isEmpty();
  }

  @Test
  void everyProblem_namesItsKey() {
    List<String> problems =
        PullSourcesValidator.problems(
            props(
                "Bad_Id",
                source(
                    "fhir-soap",
                    "ftp://x/fhir",
                    "every tuesday",
                    List.of("Observation", "Claim"),
                    "yesterday",
                    5000)));
    assertThat(problems)
        .anyMatch(p -> p.startsWith("shockreg.sources.Bad_Id:") && p.contains("[a-z0-9-]"))
        .anyMatch(p -> p.startsWith("shockreg.sources.Bad_Id.type:"))
        .anyMatch(p -> p.startsWith("shockreg.sources.Bad_Id.base-url:"))
        .anyMatch(p -> p.startsWith("shockreg.sources.Bad_Id.schedule:"))
        .anyMatch(
            p -> p.startsWith("shockreg.sources.Bad_Id.resource-types:") && p.contains("Claim"))
        .anyMatch(p -> p.startsWith("shockreg.sources.Bad_Id.since:"))
        .anyMatch(p -> p.startsWith("shockreg.sources.Bad_Id.page-size:"));
    assertThatThrownBy(
            () ->
                PullSourcesValidator.validate(
                    props("x", source("fhir-rest", "/relative", "5m", null, null, 0))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("shockreg.sources.x.base-url")
        .hasMessageContaining("shockreg.sources.x.page-size");
  }

  @Test
  void schedule_isADurationOrACron() {
    assertThat(PullSchedule.parse("30s").interval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(PullSchedule.parse("PT1H").interval()).isEqualTo(Duration.ofHours(1));
    PullSchedule cron = PullSchedule.parse("0 0/15 * * * ?");
    assertThat(cron.isCron()).isTrue();
    assertThat(cron.next(Instant.parse("2026-01-01T10:07:00Z"), ZoneOffset.UTC))
        .isEqualTo(Instant.parse("2026-01-01T10:15:00Z"));
    assertThat(cron.nominalInterval(Instant.parse("2026-01-01T10:07:00Z"), ZoneOffset.UTC))
        .isEqualTo(Duration.ofMinutes(15));
    assertThatThrownBy(() -> PullSchedule.parse("0s")).hasMessageContaining("positive");
    assertThatThrownBy(() -> PullSchedule.parse("soon"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void since_acceptsADateOrADateTime() {
    assertThat(PullSourcesValidator.parseSince("2024-01-01"))
        .isEqualTo(Instant.parse("2024-01-01T00:00:00Z"));
    assertThat(PullSourcesValidator.parseSince("2024-01-01T10:00:00+01:00"))
        .isEqualTo(Instant.parse("2024-01-01T09:00:00Z"));
    assertThat(PullSourcesValidator.parseSince("01/01/2024")).isNull();
  }
}
