package org.shockreg.mappings.trial;

import static org.shockreg.mappings.trial.CriterionResult.MET;
import static org.shockreg.mappings.trial.CriterionResult.NOT_MET;
import static org.shockreg.mappings.trial.CriterionResult.UNKNOWN;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.shockreg.mappings.derive.EpisodeDeriver;
import org.shockreg.registry.derive.EpisodeDerivation;
import org.shockreg.registry.derive.EpisodeDerivation.DerivedFactValue;
import org.shockreg.registry.derive.PatientClinicalRecord;
import org.shockreg.registry.derive.PatientClinicalRecord.DiagnosisRow;
import org.shockreg.registry.derive.PatientClinicalRecord.MeasurementRow;
import org.shockreg.registry.study.RelativeTime;
import org.shockreg.registry.study.StudyDefinition.Condition;
import org.shockreg.registry.study.StudyDefinition.Criterion;

/**
 * Evaluates a study's eligibility criteria for one shock episode (data-dictionary.md section 4).
 * Windows are relative to shock diagnosis; for a randomized episode they end at randomization at
 * the latest, so what happened after randomization never makes a subject ineligible in hindsight.
 */
final class EligibilityCriteria {

  private final EpisodeDeriver deriver;
  private final Set<String> tmcsDevices;

  EligibilityCriteria(EpisodeDeriver deriver, Set<String> tmcsDevices) {
    this.deriver = deriver;
    this.tmcsDevices = tmcsDevices;
  }

  CriterionResult evaluate(
      Criterion c, PatientClinicalRecord r, EpisodeDerivation e, Instant cutoff, int windowHours) {
    Instant dx = e.shockDiagnosisAt();
    return switch (c.type()) {
      case "age" -> age(c, r, e);
      case "etiology" -> etiology(c, e);
      case "measurement" ->
          measurement(c, r, window(dx, c.from(), cutoff), window(dx, c.to(), cutoff));
      case "scai-stage" -> scai(c, r, window(dx, c.from(), cutoff), window(dx, c.to(), cutoff));
      case "no-diagnosis" -> exclusions(c, r, dx, cutoff);
      case "randomization-window" ->
          new CriterionResult(
              c.key(), c.type(), null, List.of(), dx, dx.plus(Duration.ofHours(windowHours)));
      default -> CriterionResult.of(c.key(), c.type(), UNKNOWN, List.of());
    };
  }

  private static Instant window(Instant dx, String relative, Instant cutoff) {
    Instant t = RelativeTime.parse(relative).from(dx);
    return cutoff != null && cutoff.isBefore(t) ? cutoff : t;
  }

  private static CriterionResult age(Criterion c, PatientClinicalRecord r, EpisodeDerivation e) {
    Integer age = e.ageAtDiagnosis();
    if (age == null) {
      return CriterionResult.of(c.key(), c.type(), UNKNOWN, List.of());
    }
    boolean ok = (c.min() == null || age >= c.min()) && (c.max() == null || age <= c.max());
    return CriterionResult.of(
        c.key(), c.type(), ok ? MET : NOT_MET, List.of("Patient/" + r.patientId()));
  }

  private static CriterionResult etiology(Criterion c, EpisodeDerivation e) {
    for (DerivedFactValue f : e.facts()) {
      if (EpisodeDeriver.KIND_ETIOLOGY.equals(f.kind()) && f.valueCode() != null) {
        String status = c.in().contains(f.valueCode()) ? MET : NOT_MET;
        return CriterionResult.of(c.key(), c.type(), status, List.of("Observation/" + f.factId()));
      }
    }
    return CriterionResult.of(c.key(), c.type(), UNKNOWN, List.of());
  }

  /**
   * Met when a value in the window satisfies a condition (evidence: the most extreme such value per
   * condition); not-met when every group has values and none satisfies; unknown otherwise.
   */
  private static CriterionResult measurement(
      Criterion c, PatientClinicalRecord r, Instant from, Instant to) {
    Map<String, Boolean> groupSeen = new LinkedHashMap<>();
    Set<String> met = new LinkedHashSet<>();
    Set<String> seen = new LinkedHashSet<>();
    for (Condition cond : c.any()) {
      String group = cond.group() != null ? cond.group() : cond.variable();
      groupSeen.putIfAbsent(group, false);
      List<MeasurementRow> values = inWindow(r, cond.variable(), from, to);
      if (values.isEmpty()) {
        continue;
      }
      groupSeen.put(group, true);
      boolean low = cond.below() != null || cond.atMost() != null;
      Comparator<MeasurementRow> byValue = Comparator.comparing(MeasurementRow::value);
      MeasurementRow extreme =
          values.stream().min(low ? byValue : byValue.reversed()).orElseThrow();
      seen.add("Observation/" + extreme.observationId());
      if (satisfies(cond, extreme.value())) {
        met.add("Observation/" + extreme.observationId());
      }
    }
    if (!met.isEmpty()) {
      return CriterionResult.of(c.key(), c.type(), MET, new ArrayList<>(met));
    }
    boolean allKnown = groupSeen.values().stream().allMatch(Boolean::booleanValue);
    return CriterionResult.of(
        c.key(), c.type(), allKnown ? NOT_MET : UNKNOWN, new ArrayList<>(seen));
  }

  static boolean satisfies(Condition c, BigDecimal v) {
    if (c.below() != null) {
      return v.compareTo(c.below()) < 0;
    } else if (c.above() != null) {
      return v.compareTo(c.above()) > 0;
    } else if (c.atMost() != null) {
      return v.compareTo(c.atMost()) <= 0;
    }
    return v.compareTo(c.atLeast()) >= 0;
  }

  private static List<MeasurementRow> inWindow(
      PatientClinicalRecord r, String variable, Instant from, Instant to) {
    return r.measurements().stream()
        .filter(m -> variable.equals(m.variable()) && !m.implausible() && m.value() != null)
        // a date-only value counts only when its whole period lies in the window (never for hours)
        .filter(m -> m.within(from, to))
        .sorted(
            Comparator.comparing(MeasurementRow::effectiveAt)
                .thenComparing(MeasurementRow::observationId))
        .toList();
  }

  /**
   * SCAI stage over the window; unknown when it holds no blood pressure, lactate or device at all.
   */
  private CriterionResult scai(Criterion c, PatientClinicalRecord r, Instant from, Instant to) {
    EpisodeDeriver.Stage stage = deriver.stage(r, from, to);
    if (!stage.known()) {
      return CriterionResult.of(c.key(), c.type(), UNKNOWN, List.of());
    }
    return CriterionResult.of(
        c.key(), c.type(), c.in().contains(stage.code()) ? MET : NOT_MET, stage.evidence());
  }

  /**
   * Not-met when a diagnosis of an excluded category lies in its window; undated ones cannot be
   * placed.
   */
  private static CriterionResult exclusions(
      Criterion c, PatientClinicalRecord r, Instant dx, Instant cutoff) {
    List<String> found = new ArrayList<>();
    for (Condition cond : c.any()) {
      Instant from = window(dx, cond.from(), cutoff);
      Instant to = window(dx, cond.to(), cutoff);
      for (DiagnosisRow d : r.diagnoses()) {
        if (cond.category().equals(d.category())
            && d.time() != null
            && !d.time().isBefore(from)
            && !d.time().isAfter(to)) {
          found.add("Condition/" + d.conditionId());
        }
      }
    }
    return CriterionResult.of(c.key(), c.type(), found.isEmpty() ? MET : NOT_MET, found);
  }
}
