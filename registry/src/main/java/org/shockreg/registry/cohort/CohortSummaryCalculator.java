package org.shockreg.registry.cohort;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Aggregates per-member rows into a {@link CohortSummary}; pure, so tested without a database. */
public final class CohortSummaryCalculator {

  static final List<String> SEXES = List.of("male", "female", "other", "unknown");
  static final List<String> ETIOLOGIES = List.of("ami-cs", "hf-cs", "other", "unknown");
  static final List<String> SCAI_STAGES = List.of("A", "B", "C", "D", "E", "unknown");
  static final String EARLY_IABP_ARM = "early-iabp";

  /**
   * One member with the values of its index episode (all null and {@code hasEpisode} false when it
   * has none); {@code devices} are the DEV codes of its therapies counted for the summary.
   */
  public record MemberRow(
      String patientId,
      String sex,
      boolean hasEpisode,
      Integer ageAtDiagnosis,
      String etiology,
      Boolean ischemic,
      String scaiAtDiagnosis,
      BigDecimal lvef,
      BigDecimal sbp,
      BigDecimal lactate,
      Set<String> devices) {}

  /**
   * One randomized member: arm, time, CICU arrival of its episode and first IABP start after it.
   */
  public record RandomizationRow(
      String patientId, String arm, Instant randomizedAt, Instant cicuArrivalAt, Instant iabpAt) {}

  private final List<String> tmcsDevices;

  /**
   * @param tmcsDevices the tMCS DEV codes, in the order the summary lists them
   */
  public CohortSummaryCalculator(List<String> tmcsDevices) {
    this.tmcsDevices = List.copyOf(tmcsDevices);
  }

  public CohortSummary summarize(
      List<MemberRow> members, String study, List<RandomizationRow> randomized) {
    int n = members.size();
    Map<String, Integer> sex = zeros(SEXES);
    Map<String, Integer> etiology = zeros(ETIOLOGIES);
    Map<String, Integer> scai = zeros(SCAI_STAGES);
    Map<String, Integer> tmcs = zeros(tmcsDevices);
    List<BigDecimal> ages = new ArrayList<>();
    List<BigDecimal> lvef = new ArrayList<>();
    List<BigDecimal> sbp = new ArrayList<>();
    List<BigDecimal> lactate = new ArrayList<>();
    int withEpisode = 0;
    int hfCs = 0;
    int ischemic = 0;
    int anyTmcs = 0;
    for (MemberRow m : members) {
      sex.merge(sex.containsKey(m.sex()) ? m.sex() : "unknown", 1, Integer::sum);
      etiology.merge(
          etiology.containsKey(m.etiology()) && m.etiology() != null ? m.etiology() : "unknown",
          1,
          Integer::sum);
      scai.merge(
          m.scaiAtDiagnosis() != null && scai.containsKey(m.scaiAtDiagnosis())
              ? m.scaiAtDiagnosis()
              : "unknown",
          1,
          Integer::sum);
      if (m.hasEpisode()) {
        withEpisode++;
      }
      if (m.ageAtDiagnosis() != null) {
        ages.add(BigDecimal.valueOf(m.ageAtDiagnosis()));
      }
      add(lvef, m.lvef());
      add(sbp, m.sbp());
      add(lactate, m.lactate());
      if ("hf-cs".equals(m.etiology())) {
        hfCs++;
        if (Boolean.TRUE.equals(m.ischemic())) {
          ischemic++;
        }
      }
      boolean any = false;
      for (String d : m.devices()) {
        if (tmcs.containsKey(d)) {
          tmcs.merge(d, 1, Integer::sum);
          any = true;
        }
      }
      if (any) {
        anyTmcs++;
      }
    }
    BigDecimal share =
        hfCs == 0
            ? null
            : BigDecimal.valueOf(ischemic)
                .divide(BigDecimal.valueOf(hfCs), 4, RoundingMode.HALF_UP);
    return new CohortSummary(
        n,
        withEpisode,
        Distribution.of(ages, n - ages.size()),
        sex,
        etiology,
        new CohortSummary.Ischemic(
            hfCs, ischemic, share == null ? null : share.stripTrailingZeros()),
        Distribution.of(lvef, n - lvef.size()),
        Distribution.of(sbp, n - sbp.size()),
        Distribution.of(lactate, n - lactate.size()),
        tmcs,
        anyTmcs,
        scai,
        randomization(study, randomized));
  }

  static CohortSummary.Randomization randomization(String study, List<RandomizationRow> rows) {
    if (rows.isEmpty()) {
      return new CohortSummary.Randomization(
          study,
          0,
          null,
          null,
          "no member of this cohort has a recorded trial randomization"
              + (study == null ? "" : " in study " + study)
              + ", so the hours CICU arrival -> randomization and randomization -> IABP are absent");
    }
    List<BigDecimal> toRandomization = new ArrayList<>();
    List<BigDecimal> toIabp = new ArrayList<>();
    int earlyIabp = 0;
    for (RandomizationRow r : rows) {
      if (r.cicuArrivalAt() != null) {
        toRandomization.add(hours(r.cicuArrivalAt(), r.randomizedAt()));
      }
      if (EARLY_IABP_ARM.equals(r.arm())) {
        earlyIabp++;
        if (r.iabpAt() != null) {
          toIabp.add(hours(r.randomizedAt(), r.iabpAt()));
        }
      }
    }
    return new CohortSummary.Randomization(
        study,
        rows.size(),
        Distribution.of(toRandomization, rows.size() - toRandomization.size()),
        Distribution.of(toIabp, earlyIabp - toIabp.size()),
        null);
  }

  /** Hours between two instants, to the second, as an exact decimal rounded to 2 places. */
  public static BigDecimal hours(Instant from, Instant to) {
    return BigDecimal.valueOf(Duration.between(from, to).toSeconds())
        .divide(BigDecimal.valueOf(3600), 2, RoundingMode.HALF_UP);
  }

  private static void add(List<BigDecimal> list, BigDecimal v) {
    if (v != null) {
      list.add(v);
    }
  }

  private static Map<String, Integer> zeros(List<String> keys) {
    Map<String, Integer> m = new LinkedHashMap<>();
    keys.forEach(k -> m.put(k, 0));
    return m;
  }
}
