package org.shockreg.mappings.trial;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.shockreg.mappings.derive.EpisodeDeriver;
import org.shockreg.registry.derive.EpisodeDerivation;
import org.shockreg.registry.derive.EpisodeDerivation.DerivedFactValue;
import org.shockreg.registry.derive.PatientClinicalRecord;
import org.shockreg.registry.derive.PatientClinicalRecord.DiagnosisRow;
import org.shockreg.registry.derive.PatientClinicalRecord.EncounterRow;
import org.shockreg.registry.derive.PatientClinicalRecord.MeasurementRow;
import org.shockreg.registry.derive.PatientClinicalRecord.TherapyRow;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.trial.PatientFollowUp;
import org.shockreg.registry.trial.Randomization;
import org.shockreg.registry.trial.SubjectRecord;

/** The screening engine on hand-made records: criteria, results, attachment, timing, endpoint. */
class TrialScreenerTest {

  static final Set<String> TMCS =
      Set.of("iabp", "impella", "va-ecmo", "tandemheart", "vad-unspecified");
  static final Instant T = Instant.parse("2025-06-02T10:00:00Z");
  static final StudyDefinition ALTSHOCK = StudyCatalog.load(null).studies().get("altshock-2");

  final EpisodeDeriver deriver = new EpisodeDeriver(TMCS);
  final TrialScreener screener = new TrialScreener(deriver, TMCS);
  final List<DiagnosisRow> diagnoses = new ArrayList<>();
  final List<MeasurementRow> measurements = new ArrayList<>();
  final List<TherapyRow> therapies = new ArrayList<>();
  int seq;

  TrialScreenerTest() {
    diagnoses.add(new DiagnosisRow("cs", "s", "cardiogenic-shock", T, null));
    diagnoses.add(
        new DiagnosisRow("hf", "s", "heart-failure", T.minus(Duration.ofDays(100)), null));
  }

  void measure(String variable, double value, Duration at) {
    measurements.add(
        new MeasurementRow("m" + seq++, variable, T.plus(at), BigDecimal.valueOf(value), false));
  }

  PatientClinicalRecord record() {
    return new PatientClinicalRecord(
        "p",
        LocalDate.of(1965, 1, 1),
        diagnoses,
        List.of(
            new EncounterRow(
                "icu", "s", true, T.minus(Duration.ofHours(4)), T.plus(Duration.ofDays(9)))),
        measurements,
        therapies);
  }

  SubjectRecord screen(PatientFollowUp f) {
    PatientClinicalRecord r = record();
    List<EpisodeDerivation> episodes = deriver.derive(r);
    return screener.screen(List.of(ALTSHOCK), r, episodes, f).subjects().get(0);
  }

  SubjectRecord screen() {
    return screen(PatientFollowUp.none("p"));
  }

  @Test
  void hypotensionWithoutLactate_isMet_butNormalPressureWithoutLactateIsUnknown() {
    measure("sbp", 85, Duration.ofHours(1));
    assertThat(screen().criteria()).containsEntry("hypotension-hypoperfusion", "met");
    measurements.clear();
    measure("sbp", 120, Duration.ofHours(1));
    assertThat(screen().criteria()).containsEntry("hypotension-hypoperfusion", "unknown");
    measure("lactate", 1.5, Duration.ofHours(2));
    assertThat(screen().criteria()).containsEntry("hypotension-hypoperfusion", "not-met");
  }

  @Test
  void lvefWindow_reachesTwelveMonthsBack_andSixHoursAhead() {
    measure("lvef", 30, Duration.ofDays(-360));
    assertThat(screen().criteria()).containsEntry("lvef", "met");
    measurements.clear();
    measure("lvef", 30, Duration.ofDays(-400));
    measure("lvef", 30, Duration.ofHours(7));
    assertThat(screen().criteria()).containsEntry("lvef", "unknown");
    measure("lvef", 35, Duration.ofHours(6));
    assertThat(screen().criteria()).containsEntry("lvef", "met"); // <= 35 inclusive
  }

  @Test
  void allMet_isACandidate_anyNotMet_isIneligible_elseScreening() {
    measure("lvef", 20, Duration.ofDays(-1));
    measure("sbp", 85, Duration.ofHours(1));
    measure("lactate", 3, Duration.ofHours(1));
    SubjectRecord s = screen();
    assertThat(s.screeningResult()).isEqualTo("potential-candidate");
    assertThat(s.status()).isEqualTo("potential-candidate");
    assertThat(s.windowEnd()).isEqualTo(T.plus(Duration.ofHours(6)));
    assertThat(s.criteria()).containsEntry("manual", "unknown").doesNotContainKey("window");
    diagnoses.add(
        new DiagnosisRow("pe", "s", "pulmonary-embolism", T.minus(Duration.ofDays(3)), null));
    assertThat(screen().screeningResult()).isEqualTo("ineligible");
    diagnoses.remove(diagnoses.size() - 1);
    measurements.remove(0);
    assertThat(screen().screeningResult()).isEqualTo("screening");
  }

  @Test
  void endpoint_successFailureIncomplete() {
    Randomization rnd =
        new Randomization(
            "r1", "altshock-2", "p", "standard-care", T.plus(Duration.ofHours(2)), "edc");
    Instant day60 = rnd.randomizedAt().plus(Duration.ofDays(60));
    assertThat(screen(new PatientFollowUp("p", List.of(rnd), null, null, day60)).endpoint())
        .isEqualTo("success");
    assertThat(
            screen(new PatientFollowUp("p", List.of(rnd), null, null, day60.minusSeconds(1)))
                .endpoint())
        .isEqualTo("incomplete");
    assertThat(screen(new PatientFollowUp("p", List.of(rnd), true, day60, null)).endpoint())
        .isEqualTo("failure");
    assertThat(
            screen(new PatientFollowUp("p", List.of(rnd), true, day60.plusSeconds(1), null))
                .endpoint())
        .isEqualTo("success");
    therapies.add(new TherapyRow("lvad", "durable-lvad", T.plus(Duration.ofDays(10)), null));
    assertThat(
            screen(new PatientFollowUp("p", List.of(rnd), true, T.plus(Duration.ofDays(20)), null))
                .endpoint())
        .isEqualTo("success");
    // a death without a date cannot be placed: incomplete, flagged for review
    therapies.clear();
    SubjectRecord undated =
        screen(new PatientFollowUp("p", List.of(rnd), true, null, T.plus(Duration.ofDays(5))));
    assertThat(undated.endpoint()).isEqualTo("incomplete");
  }

  @Test
  void randomization_timingInterventionAndActualArm() {
    therapies.add(new TherapyRow("iabp", "iabp", T.plus(Duration.ofHours(5)), null));
    Randomization rnd =
        new Randomization(
            "r1", "altshock-2", "p", "early-iabp", T.plus(Duration.ofHours(3)), "edc");
    SubjectRecord s = screen(new PatientFollowUp("p", List.of(rnd), null, null, null));
    assertThat(s.status()).isEqualTo("on-study");
    assertThat(s.hoursDiagnosisToRandomization()).isEqualByComparingTo("3");
    assertThat(s.hoursCicuToRandomization()).isEqualByComparingTo("7");
    assertThat(s.hoursRandomizationToIntervention()).isEqualByComparingTo("2");
    assertThat(s.deviations()).isEmpty();
    assertThat(s.actualArm()).isEqualTo("early-iabp");

    Randomization control =
        new Randomization(
            "r2", "altshock-2", "p", "standard-care", T.plus(Duration.ofHours(3)), "edc");
    SubjectRecord crossed = screen(new PatientFollowUp("p", List.of(control), null, null, null));
    assertThat(crossed.escalationWithinHours()).isTrue();
    assertThat(crossed.actualArm())
        .isEqualTo("early-iabp"); // IABP within 6 h: treated as the intervention arm
  }

  @Test
  void aSecondRandomizationOfTheEpisode_isFlagged_andOneOutsideEveryEpisodeGetsItsOwnSubject() {
    Randomization first =
        new Randomization(
            "r1", "altshock-2", "p", "early-iabp", T.plus(Duration.ofHours(1)), "intake");
    Randomization second =
        new Randomization(
            "r2", "altshock-2", "p", "standard-care", T.plus(Duration.ofHours(2)), "intake");
    Randomization elsewhere =
        new Randomization(
            "r3", "altshock-2", "p", "standard-care", T.plus(Duration.ofDays(400)), "intake");
    PatientClinicalRecord r = record();
    TrialScreener.Screened s =
        screener.screen(
            List.of(ALTSHOCK),
            r,
            deriver.derive(r),
            new PatientFollowUp("p", List.of(first, second, elsewhere), null, null, null));
    assertThat(s.subjects()).hasSize(2);
    assertThat(s.subjects().get(0).randomizationId()).isEqualTo("r1");
    assertThat(s.subjects().get(0).deviations()).contains("duplicate-randomization");
    assertThat(s.subjects().get(1).episodeId()).isNull();
    assertThat(s.subjects().get(1).randomizationId()).isEqualTo("r3");
    List<DerivedFactValue> facts = s.episodes().get(0).facts();
    assertThat(facts)
        .extracting(DerivedFactValue::variable)
        .contains("eligibility", "primary-endpoint-60d", "protocol-deviation");
  }
}
