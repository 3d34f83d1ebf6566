package org.shockreg.registry.trial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.study.StudyDefinition.Arm;
import org.shockreg.registry.study.StudyDefinition.Criterion;
import org.shockreg.registry.study.StudyDefinition.Screening;
import org.shockreg.registry.trial.InterimReport.ArmSummary;
import org.shockreg.registry.trial.InterimReportQuery.ConsortCounts;
import org.shockreg.registry.trial.InterimReportQuery.RandomizedRow;

class InterimReportCalculatorTest {

  static final Instant T0 = Instant.parse("2026-01-10T08:00:00Z");

  static StudyDefinition study(String... arms) {
    List<Criterion> criteria =
        List.of(
            criterion("age", "age"),
            criterion("etiology", "etiology"),
            criterion("window", "randomization-window"),
            criterion("lvef", "measurement"),
            criterion("manual", "manual"),
            criterion("exclusion", "no-diagnosis"));
    List<Arm> a = new ArrayList<>();
    for (String code : arms) {
      a.add(new Arm(code, code, null, null, null));
    }
    return new StudyDefinition(
        "s", "S", "active", null, null, a, new Screening(6, criteria), null, null);
  }

  static Criterion criterion(String key, String type) {
    return new Criterion(key, type, null, null, null, null, null, null, null, null);
  }

  static RandomizedRow row(
      String arm,
      Integer age,
      String lvef,
      Boolean ischemic,
      String cicuHours,
      Instant iabp,
      String endpoint,
      Instant endpointAt) {
    return new RandomizedRow(
        "rs-" + arm + age,
        arm,
        T0,
        age,
        lvef == null ? null : new BigDecimal(lvef),
        null,
        null,
        ischemic,
        cicuHours == null ? null : new BigDecimal(cicuHours),
        iabp,
        endpoint,
        endpointAt);
  }

  static final ConsortCounts COUNTS =
      new ConsortCounts(10, 5, 3, 2, 4, Map.of("age", 2, "exclusion", 4, "window", 1));

  @Test
  void consort_listsEveryDecidingCriterionInDefinitionOrder_withZeros() {
    InterimReport r = InterimReportCalculator.report(study("a", "b"), COUNTS, List.of(), null);
    assertThat(r.consort().ineligibleBy())
        .containsExactly(
            entry("age", 2), entry("etiology", 0), entry("lvef", 0), entry("exclusion", 4));
    assertThat(r.consort().screened()).isEqualTo(10);
    assertThat(r.consort().randomized()).isEqualTo(4);
  }

  @Test
  void arms_haveMediansQuartilesSharesAndEndpoints_ofTheirOwnSubjects() {
    Instant later = T0.plusSeconds(3600 * 24 * 60);
    List<RandomizedRow> rows =
        List.of(
            row("a", 50, "20", false, "1.5", T0.plusSeconds(5400), "success", later),
            row("a", 60, "30", true, "2.5", null, "failure", later),
            row("a", 70, null, false, null, T0.plusSeconds(1800), "success", later),
            row("a", 80, "25", null, "4", null, null, null),
            row("b", 40, "35", false, "3", null, "incomplete", later),
            row("b", 45, "15", true, "1", T0.plusSeconds(36000), "failure", later),
            row("c", 99, "10", false, "9", null, "success", later));
    InterimReport r = InterimReportCalculator.report(study("a", "b"), COUNTS, rows, null);
    assertThat(r.arms()).extracting(ArmSummary::code).containsExactly("a", "b");
    ArmSummary a = r.arms().get(0);
    assertThat(a.n()).isEqualTo(4);
    // ages 50 60 70 80: type 7 quartiles 57.5 / 65 / 72.5
    assertThat(a.age().median()).isEqualByComparingTo("65");
    assertThat(a.age().q1()).isEqualByComparingTo("57.5");
    assertThat(a.age().q3()).isEqualByComparingTo("72.5");
    assertThat(a.lvef().n()).isEqualTo(3);
    assertThat(a.lvef().median()).isEqualByComparingTo("25");
    assertThat(a.hoursCicuToRandomization().median()).isEqualByComparingTo("2.5");
    assertThat(a.hoursRandomizationToIabp().n()).isEqualTo(2);
    assertThat(a.hoursRandomizationToIabp().median()).isEqualByComparingTo("1");
    assertThat(a.nonIschemic().count()).isEqualTo(2);
    assertThat(a.nonIschemic().withValue()).isEqualTo(3);
    assertThat(a.nonIschemic().share()).isEqualByComparingTo("0.6667");
    assertThat(a.primaryEndpoint().success()).isEqualTo(2);
    assertThat(a.primaryEndpoint().failure()).isEqualTo(1);
    assertThat(a.primaryEndpoint().incomplete()).isEqualTo(1);
    assertThat(a.primaryEndpoint().successShare()).isEqualByComparingTo("0.6667");
    ArmSummary b = r.arms().get(1);
    assertThat(b.n()).isEqualTo(2);
    assertThat(b.primaryEndpoint().successShare()).isEqualByComparingTo("0");
    // 2/3 - 0/1, Newcombe and Fisher as InterimStatistics gives them
    InterimStatistics.Estimate d = InterimStatistics.newcombeDifference(2, 3, 0, 1, 0.95);
    assertThat(r.effect().riskDifference()).isEqualByComparingTo("0.6667");
    assertThat(r.effect().ciLow()).isEqualByComparingTo(InterimReportCalculator.fixed(d.lower()));
    assertThat(r.effect().ciHigh()).isEqualByComparingTo(InterimReportCalculator.fixed(d.upper()));
    assertThat(r.effect().pValue()).isEqualByComparingTo("1");
    assertThat(r.effect().note()).isNull();
  }

  @Test
  void asOf_countsOnlyEndpointsDecidedByThen() {
    Instant decided = T0.plusSeconds(3600 * 24 * 60);
    RandomizedRow success = row("a", 50, null, null, null, null, "success", decided);
    assertThat(InterimReportCalculator.endpointAsOf(success, null)).isEqualTo("success");
    assertThat(InterimReportCalculator.endpointAsOf(success, decided)).isEqualTo("success");
    assertThat(InterimReportCalculator.endpointAsOf(success, decided.minusSeconds(1)))
        .isEqualTo("incomplete");
    RandomizedRow undated = row("a", 50, null, null, null, null, "failure", null);
    assertThat(InterimReportCalculator.endpointAsOf(undated, null)).isEqualTo("failure");
    assertThat(InterimReportCalculator.endpointAsOf(undated, decided)).isEqualTo("incomplete");
  }

  @Test
  void effect_isExplainedWhenItCannotBeEstimated() {
    InterimReport one = InterimReportCalculator.report(study("only"), COUNTS, List.of(), null);
    assertThat(one.effect().riskDifference()).isNull();
    assertThat(one.effect().note()).contains("fewer than two arms");
    InterimReport undecided =
        InterimReportCalculator.report(
            study("a", "b"),
            COUNTS,
            List.of(row("a", 50, null, null, null, null, "success", T0)),
            null);
    assertThat(undecided.effect().pValue()).isNull();
    assertThat(undecided.effect().note())
        .isEqualTo("no decided primary endpoint (success or failure) yet in arm b");
    assertThat(undecided.arms().get(1).age().median()).isNull();
    assertThat(undecided.arms().get(1).primaryEndpoint().successShare()).isNull();
  }

  @Test
  void reportedNumbers_areRoundedAsDocumented() {
    assertThat(InterimReportCalculator.fixed(0.18571428))
        .isEqualByComparingTo("0.1857")
        .hasToString("0.1857");
    assertThat(InterimReportCalculator.fixed(-0.00004)).isEqualByComparingTo("0");
    assertThat(InterimReportCalculator.significant(0.0005367241191)).hasToString("0.0005367");
    assertThat(InterimReportCalculator.significant(1.0)).hasToString("1");
    assertThat(InterimReportCalculator.significant(0.48571428)).hasToString("0.4857");
    assertThat(InterimReportCalculator.share(1, 4)).hasToString("0.25");
    assertThat(InterimReportCalculator.share(0, 0)).isNull();
  }
}
