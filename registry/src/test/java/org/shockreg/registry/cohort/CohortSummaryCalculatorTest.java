package org.shockreg.registry.cohort;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.cohort.CohortSummaryCalculator.MemberRow;
import org.shockreg.registry.cohort.CohortSummaryCalculator.RandomizationRow;

class CohortSummaryCalculatorTest {

  final CohortSummaryCalculator calc =
      new CohortSummaryCalculator(
          List.of("iabp", "impella", "va-ecmo", "tandemheart", "vad-unspecified"));

  static MemberRow row(
      String id,
      String sex,
      Integer age,
      String etiology,
      Boolean ischemic,
      String scai,
      String lvef,
      Set<String> devices) {
    return new MemberRow(
        id,
        sex,
        age != null || etiology != null,
        age,
        etiology,
        ischemic,
        scai,
        lvef == null ? null : new BigDecimal(lvef),
        null,
        null,
        devices);
  }

  @Test
  void countsEveryCategory_withZerosAndUnknowns() {
    CohortSummary s =
        calc.summarize(
            List.of(
                row("a", "female", 60, "hf-cs", true, "C", "20", Set.of("iabp")),
                row(
                    "b",
                    "male",
                    70,
                    "ami-cs",
                    null,
                    "E",
                    "35",
                    Set.of("va-ecmo", "impella", "vv-ecmo")),
                row("c", "male", 50, "hf-cs", false, null, null, Set.of()),
                row("d", null, null, null, null, null, null, Set.of("iabp"))),
            null,
            List.of());
    assertThat(s.n()).isEqualTo(4);
    assertThat(s.withEpisode()).isEqualTo(3);
    assertThat(s.sex())
        .containsExactly(
            entry("male", 2), entry("female", 1), entry("other", 0), entry("unknown", 1));
    assertThat(s.etiology())
        .containsExactly(
            entry("ami-cs", 1), entry("hf-cs", 2), entry("other", 0), entry("unknown", 1));
    assertThat(s.ischemic().hfCs()).isEqualTo(2);
    assertThat(s.ischemic().ischemic()).isEqualTo(1);
    assertThat(s.ischemic().share()).isEqualByComparingTo("0.5");
    assertThat(s.scaiAtDiagnosis())
        .containsExactly(
            entry("A", 0),
            entry("B", 0),
            entry("C", 1),
            entry("D", 0),
            entry("E", 1),
            entry("unknown", 2));
    assertThat(s.tmcs())
        .containsExactly(
            entry("iabp", 2),
            entry("impella", 1),
            entry("va-ecmo", 1),
            entry("tandemheart", 0),
            entry("vad-unspecified", 0));
    assertThat(s.anyTmcs()).isEqualTo(3);
    assertThat(s.ageAtDiagnosis().median()).isEqualByComparingTo("60");
    assertThat(s.ageAtDiagnosis().missing()).isEqualTo(1);
    assertThat(s.lvef().median()).isEqualByComparingTo("27.5");
    assertThat(s.lvef().missing()).isEqualTo(2);
    assertThat(s.sbp().n()).isZero();
    assertThat(s.randomization().randomized()).isZero();
    assertThat(s.randomization().note())
        .contains("no member of this cohort has a recorded trial randomization");
  }

  @Test
  void ischemicShare_absentWithoutHfCs_andRounded() {
    assertThat(
            calc.summarize(
                    List.of(row("a", "male", 1, "other", null, null, null, Set.of())),
                    null,
                    List.of())
                .ischemic()
                .share())
        .isNull();
    CohortSummary third =
        calc.summarize(
            List.of(
                row("a", "male", 1, "hf-cs", true, null, null, Set.of()),
                row("b", "male", 1, "hf-cs", false, null, null, Set.of()),
                row("c", "male", 1, "hf-cs", false, null, null, Set.of())),
            null,
            List.of());
    assertThat(third.ischemic().share()).isEqualTo(new BigDecimal("0.3333"));
  }

  @Test
  void randomizationTiming_hours_andIabpOnlyInTheEarlyIabpArm() {
    Instant cicu = Instant.parse("2025-01-10T09:00:00Z");
    List<RandomizationRow> rows =
        List.of(
            new RandomizationRow(
                "a",
                "early-iabp",
                Instant.parse("2025-01-10T10:30:00Z"),
                cicu,
                Instant.parse("2025-01-10T11:00:00Z")),
            new RandomizationRow(
                "b",
                "standard-care",
                Instant.parse("2025-01-10T11:00:00Z"),
                cicu,
                Instant.parse("2025-01-10T12:00:00Z")),
            new RandomizationRow(
                "c", "early-iabp", Instant.parse("2025-01-10T11:00:00Z"), null, null));
    CohortSummary.Randomization r = CohortSummaryCalculator.randomization("altshock-2", rows);
    assertThat(r.note()).isNull();
    assertThat(r.randomized()).isEqualTo(3);
    // 1.5 h and 2 h; c has no CICU arrival
    assertThat(r.cicuArrivalToRandomization().median()).isEqualByComparingTo("1.75");
    assertThat(r.cicuArrivalToRandomization().missing()).isEqualTo(1);
    // early-iabp: a 0.5 h, c none; b's IABP is not in the early-iabp arm
    assertThat(r.randomizationToIabp().n()).isEqualTo(1);
    assertThat(r.randomizationToIabp().missing()).isEqualTo(1);
    assertThat(r.randomizationToIabp().median()).isEqualByComparingTo("0.5");
  }

  @Test
  void hours_roundToTwoDecimals() {
    assertThat(CohortSummaryCalculator.hours(Instant.EPOCH, Instant.ofEpochSecond(20 * 60)))
        .isEqualTo(new BigDecimal("0.33"));
  }

  static java.util.Map.Entry<String, Integer> entry(String k, int v) {
    return java.util.Map.entry(k, v);
  }
}
