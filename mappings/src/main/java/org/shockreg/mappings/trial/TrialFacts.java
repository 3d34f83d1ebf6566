package org.shockreg.mappings.trial;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.shockreg.mappings.derive.EpisodeDeriver;
import org.shockreg.registry.derive.EpisodeDerivation;
import org.shockreg.registry.derive.EpisodeDerivation.DerivedFactValue;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.trial.Randomization;

/**
 * The derived Observations of a randomized episode, each focused on its ResearchSubject: hours from
 * shock diagnosis and CICU arrival to randomization and from randomization to the intervention,
 * control-arm escalation, each protocol deviation (flagged needs-review), and the endpoint.
 */
final class TrialFacts {

  private TrialFacts() {}

  static List<DerivedFactValue> randomized(
      StudyDefinition study,
      EpisodeDerivation e,
      Randomization rnd,
      RandomizedCourse.Course course,
      RandomizedCourse.Outcome outcome,
      String focus) {
    List<DerivedFactValue> facts = new ArrayList<>();
    hours(
        facts,
        study,
        e,
        TrialScreener.HOURS_DIAGNOSIS,
        course.hoursDiagnosisToRandomization(),
        rnd,
        List.of(),
        focus);
    hours(
        facts,
        study,
        e,
        TrialScreener.HOURS_CICU,
        course.hoursCicuToRandomization(),
        rnd,
        List.of(),
        focus);
    hours(
        facts,
        study,
        e,
        TrialScreener.HOURS_INTERVENTION,
        course.hoursRandomizationToIntervention(),
        rnd,
        course.interventionProcedureId() == null
            ? List.of()
            : List.of("Procedure/" + course.interventionProcedureId()),
        focus);
    if (course.escalation() != null) {
      facts.add(
          fact(
              e,
              study,
              TrialScreener.VARIABLE_ESCALATION,
              TrialScreener.VARIABLE_ESCALATION,
              null,
              course.escalation(),
              null,
              rnd,
              course.escalationEvidence(),
              focus,
              List.of()));
    }
    for (String deviation : course.deviations()) {
      facts.add(
          fact(
              e,
              study,
              TrialScreener.VARIABLE_DEVIATION + ":" + deviation,
              TrialScreener.VARIABLE_DEVIATION,
              deviation,
              null,
              null,
              rnd,
              List.of(focus),
              focus,
              List.of(TrialScreener.FLAG_NEEDS_REVIEW)));
    }
    if (outcome != null) {
      String code = study.primaryEndpoint().code();
      String kind = code + ":" + study.id();
      facts.add(
          new DerivedFactValue(
              EpisodeDeriver.hash("derived|" + e.episodeId() + "|" + kind),
              kind,
              code,
              outcome.code(),
              null,
              null,
              null,
              outcome.at(),
              outcome.evidence(),
              focus,
              null,
              outcome.needsReview() ? List.of(TrialScreener.FLAG_NEEDS_REVIEW) : List.of()));
    }
    return facts;
  }

  private static void hours(
      List<DerivedFactValue> facts,
      StudyDefinition study,
      EpisodeDerivation e,
      String variable,
      BigDecimal value,
      Randomization rnd,
      List<String> evidence,
      String focus) {
    if (value != null) {
      facts.add(
          fact(e, study, variable, variable, null, null, value, rnd, evidence, focus, List.of()));
    }
  }

  private static DerivedFactValue fact(
      EpisodeDerivation e,
      StudyDefinition study,
      String kindPrefix,
      String variable,
      String code,
      Boolean bool,
      BigDecimal hours,
      Randomization rnd,
      List<String> evidence,
      String focus,
      List<String> flags) {
    String kind = kindPrefix + ":" + study.id();
    return new DerivedFactValue(
        EpisodeDeriver.hash("derived|" + e.episodeId() + "|" + kind),
        kind,
        variable,
        code,
        bool,
        hours,
        hours == null ? null : "h",
        rnd.randomizedAt(),
        evidence,
        focus,
        null,
        flags);
  }
}
