package org.shockreg.mappings.trial;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.shockreg.registry.derive.EpisodeDerivation;
import org.shockreg.registry.derive.PatientClinicalRecord;
import org.shockreg.registry.derive.PatientClinicalRecord.TherapyRow;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.study.StudyDefinition.Arm;
import org.shockreg.registry.study.StudyDefinition.Endpoint;
import org.shockreg.registry.trial.PatientFollowUp;
import org.shockreg.registry.trial.Randomization;

/**
 * What follows a randomization (data-dictionary.md section 4): timing from shock diagnosis and CICU
 * arrival, the intervention's start, control-arm escalation, protocol deviations, the arm as
 * treated, and the primary endpoint at day N.
 */
final class RandomizedCourse {

  static final String DEVIATION_LATE_INTERVENTION = "late-intervention";
  static final String DEVIATION_AFTER_WINDOW = "randomized-after-window";
  static final String DEVIATION_DUPLICATE = "duplicate-randomization";

  static final String SUCCESS = "success";
  static final String FAILURE = "failure";
  static final String INCOMPLETE = "incomplete";

  /** Timing, escalation, deviations and arm as treated of one randomized episode (or none). */
  record Course(
      BigDecimal hoursDiagnosisToRandomization,
      BigDecimal hoursCicuToRandomization,
      BigDecimal hoursRandomizationToIntervention,
      String interventionProcedureId,
      Boolean escalation,
      List<String> escalationEvidence,
      List<String> deviations,
      String actualArm) {}

  /** The day-N outcome with when it was decided and the facts it rests on. */
  record Outcome(String code, Instant at, List<String> evidence, boolean needsReview) {}

  private final Set<String> tmcsDevices;

  RandomizedCourse(Set<String> tmcsDevices) {
    this.tmcsDevices = tmcsDevices;
  }

  Course course(
      StudyDefinition study,
      Randomization rnd,
      EpisodeDerivation e,
      PatientClinicalRecord r,
      boolean duplicate) {
    Instant t = rnd.randomizedAt();
    List<String> deviations = new ArrayList<>();
    BigDecimal fromDx = null;
    BigDecimal fromCicu = null;
    if (e != null) {
      fromDx = hours(e.shockDiagnosisAt(), t);
      fromCicu = e.cicuArrivalAt() == null ? null : hours(e.cicuArrivalAt(), t);
      if (t.isAfter(
          e.shockDiagnosisAt().plus(Duration.ofHours(study.randomizationWindowHours())))) {
        deviations.add(DEVIATION_AFTER_WINDOW);
      }
    }
    Arm arm = study.arm(rnd.arm());
    Arm interventionArm =
        study.arms().stream().filter(a -> a.intervention() != null).findFirst().orElse(null);
    BigDecimal toIntervention = null;
    String interventionProcedure = null;
    boolean interventionInTime = false;
    if (interventionArm != null) {
      String device = interventionArm.intervention().device();
      // hours to the intervention need its start time; a date-only start is not one
      Optional<TherapyRow> first = firstStart(r, t, d -> d.equals(device), true);
      if (first.isPresent()) {
        toIntervention = hours(t, first.get().start());
        interventionProcedure = first.get().procedureId();
        interventionInTime =
            !first
                .get()
                .start()
                .isAfter(t.plus(Duration.ofHours(interventionArm.intervention().withinHours())));
      }
      if (arm == interventionArm && !interventionInTime) {
        deviations.add(DEVIATION_LATE_INTERVENTION);
      }
    }
    Boolean escalation = null;
    List<String> escalationEvidence = new ArrayList<>();
    if (arm != null && arm.escalationWithinHours() != null) {
      Instant until = t.plus(Duration.ofHours(arm.escalationWithinHours()));
      for (TherapyRow d : r.therapies()) {
        if (tmcsDevices.contains(d.device())
            && d.start() != null
            && !d.startDateOnly()
            && !d.start().isBefore(t)
            && !d.start().isAfter(until)) {
          escalationEvidence.add("Procedure/" + d.procedureId());
        }
      }
      escalation = !escalationEvidence.isEmpty();
    }
    if (duplicate) {
      deviations.add(DEVIATION_DUPLICATE);
    }
    // As treated (two arms, one with an intervention): who got the intervention in time.
    String actual = rnd.arm();
    if (interventionArm != null && study.arms().size() == 2 && arm != null) {
      Arm other =
          study.arms().get(0) == interventionArm ? study.arms().get(1) : study.arms().get(0);
      actual = interventionInTime ? interventionArm.code() : other.code();
    }
    return new Course(
        fromDx,
        fromCicu,
        toIntervention,
        interventionProcedure,
        escalation,
        escalationEvidence,
        deviations,
        actual);
  }

  /**
   * Success when alive at day N (a fact known at or after it, death after it) or a rescue device
   * (durable LVAD, heart transplant) by day N and before death; failure when dead by day N without
   * it; incomplete when follow-up ends earlier. A death without a date and no fact from day N on is
   * incomplete and needs review: it cannot be placed before or after day N.
   */
  Outcome endpoint(Endpoint ep, Randomization rnd, PatientClinicalRecord r, PatientFollowUp f) {
    Instant t = rnd.randomizedAt();
    Instant day = t.plus(Duration.ofDays(ep.days()));
    Instant death = f.deceasedAt();
    Optional<TherapyRow> rescue = firstStart(r, t, ep.rescueDevices()::contains, false);
    String patient = "Patient/" + rnd.patientId();
    if (rescue.isPresent()
        && !rescue.get().start().isAfter(day)
        && (death == null || rescue.get().start().isBefore(death))) {
      return new Outcome(
          SUCCESS, rescue.get().start(), List.of("Procedure/" + rescue.get().procedureId()), false);
    }
    if (death != null && !death.isAfter(day)) {
      return new Outcome(FAILURE, death, List.of(patient), false);
    }
    if (death != null || (f.lastFactAt() != null && !f.lastFactAt().isBefore(day))) {
      return new Outcome(SUCCESS, day, List.of(patient), false);
    }
    boolean undatedDeath = Boolean.TRUE.equals(f.deceased());
    return new Outcome(
        INCOMPLETE, f.lastFactAt() != null ? f.lastFactAt() : t, List.of(patient), undatedDeath);
  }

  private static Optional<TherapyRow> firstStart(
      PatientClinicalRecord r,
      Instant notBefore,
      java.util.function.Predicate<String> device,
      boolean timed) {
    return r.therapies().stream()
        .filter(d -> device.test(d.device()) && d.start() != null && !d.start().isBefore(notBefore))
        .filter(d -> !timed || !d.startDateOnly())
        .min(Comparator.comparing(TherapyRow::start).thenComparing(TherapyRow::procedureId));
  }

  static BigDecimal hours(Instant from, Instant to) {
    return BigDecimal.valueOf(Duration.between(from, to).getSeconds())
        .divide(BigDecimal.valueOf(3600), 2, RoundingMode.HALF_UP);
  }
}
