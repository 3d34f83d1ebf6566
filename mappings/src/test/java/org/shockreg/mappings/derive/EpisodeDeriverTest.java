package org.shockreg.mappings.derive;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.shockreg.registry.derive.EpisodeDerivation;
import org.shockreg.registry.derive.EpisodeDerivation.DerivedFactValue;
import org.shockreg.registry.derive.PatientClinicalRecord;
import org.shockreg.registry.derive.PatientClinicalRecord.DiagnosisRow;
import org.shockreg.registry.derive.PatientClinicalRecord.EncounterRow;
import org.shockreg.registry.derive.PatientClinicalRecord.MeasurementRow;
import org.shockreg.registry.derive.PatientClinicalRecord.TherapyRow;

/**
 * Episode assembly and derived facts (data-dictionary.md §3) against the contract, on records built
 * by hand. Shock is diagnosed at {@link #T} inside an inpatient stay unless a test says otherwise.
 */
class EpisodeDeriverTest {

  static final Set<String> TMCS =
      Set.of("iabp", "impella", "va-ecmo", "tandemheart", "vad-unspecified");
  static final Instant T = Instant.parse("2025-03-10T08:00:00Z");
  static final String SITE = "site-a";

  final EpisodeDeriver deriver = new EpisodeDeriver(TMCS);

  // ---- record builder -----------------------------------------------------------------------

  static final class Rec {
    String patientId = "patient-1";
    LocalDate birthDate;
    final List<DiagnosisRow> diagnoses = new ArrayList<>();
    final List<EncounterRow> encounters = new ArrayList<>();
    final List<MeasurementRow> measurements = new ArrayList<>();
    final List<TherapyRow> therapies = new ArrayList<>();

    Rec patient(String id) {
      patientId = id;
      return this;
    }

    Rec born(String date) {
      birthDate = LocalDate.parse(date);
      return this;
    }

    Rec dx(String id, String category, Instant onset) {
      diagnoses.add(new DiagnosisRow(id, SITE, category, onset, null));
      return this;
    }

    Rec dxAt(String id, String site, String category, Instant onset, Instant recorded) {
      diagnoses.add(new DiagnosisRow(id, site, category, onset, recorded));
      return this;
    }

    Rec cs(String id, Instant at) {
      return dx(id, "cardiogenic-shock", at);
    }

    Rec stay(String id, Instant start, Instant end) {
      encounters.add(new EncounterRow(id, SITE, false, start, end));
      return this;
    }

    Rec icu(String id, Instant start, Instant end) {
      encounters.add(new EncounterRow(id, SITE, true, start, end));
      return this;
    }

    Rec m(String id, String variable, Instant at, String value) {
      measurements.add(new MeasurementRow(id, variable, at, new BigDecimal(value), false));
      return this;
    }

    Rec implausible(String id, String variable, Instant at, String value) {
      measurements.add(new MeasurementRow(id, variable, at, new BigDecimal(value), true));
      return this;
    }

    Rec device(String id, String device, Instant start, Instant end) {
      therapies.add(new TherapyRow(id, device, start, end));
      return this;
    }

    PatientClinicalRecord build() {
      return new PatientClinicalRecord(
          patientId,
          birthDate,
          List.copyOf(diagnoses),
          List.copyOf(encounters),
          List.copyOf(measurements),
          List.copyOf(therapies));
    }
  }

  /** A patient in hospital from a day before to ten days after shock diagnosis at T. */
  static Rec shockInStay() {
    return new Rec()
        .stay("stay-1", T.minus(Duration.ofDays(1)), T.plus(Duration.ofDays(10)))
        .cs("cs-1", T);
  }

  static Instant h(double hours) {
    return T.plus(Duration.ofMinutes(Math.round(hours * 60)));
  }

  static Instant days(long days) {
    return T.plus(Duration.ofDays(days));
  }

  EpisodeDerivation only(Rec r) {
    List<EpisodeDerivation> episodes = deriver.derive(r.build());
    assertThat(episodes).hasSize(1);
    return episodes.get(0);
  }

  static Optional<DerivedFactValue> fact(EpisodeDerivation e, String kind) {
    return e.facts().stream().filter(f -> f.kind().equals(kind)).findFirst();
  }

  static DerivedFactValue required(EpisodeDerivation e, String kind) {
    return fact(e, kind)
        .orElseThrow(() -> new AssertionError("no derived fact " + kind + " in " + e.facts()));
  }

  String etiology(Rec r) {
    return required(only(r), EpisodeDeriver.KIND_ETIOLOGY).valueCode();
  }

  DerivedFactValue atDiagnosis(Rec r) {
    return required(only(r), EpisodeDeriver.KIND_SCAI_AT_DIAGNOSIS);
  }

  DerivedFactValue worst(Rec r) {
    return required(only(r), EpisodeDeriver.KIND_SCAI_WORST_24H);
  }

  // ---- episode assembly ---------------------------------------------------------------------

  @Nested
  class EpisodeAssembly {

    @Test
    void twoShockDiagnosesInOneStay_areOneEpisode_withTheEarlierTime() {
      Rec r = new Rec().stay("stay-1", days(-1), days(10)).cs("cs-late", h(5)).cs("cs-early", T);
      EpisodeDerivation e = only(r);
      assertThat(e.shockDiagnosisAt()).isEqualTo(T);
      assertThat(e.encounterId()).isEqualTo("stay-1");
      assertThat(e.siteId()).isEqualTo(SITE);
      assertThat(e.patientId()).isEqualTo("patient-1");
      // the stay frames the window (at least t-6 h .. t+24 h)
      assertThat(e.windowStart()).isEqualTo(days(-1));
      assertThat(e.windowEnd()).isEqualTo(days(10));
    }

    @Test
    void shockDiagnosesInTwoStays_areTwoEpisodes() {
      Rec r =
          new Rec()
              .stay("stay-1", days(-1), days(5))
              .stay("stay-2", days(60), days(70))
              .cs("cs-1", T)
              .cs("cs-2", days(61));
      List<EpisodeDerivation> episodes = deriver.derive(r.build());
      assertThat(episodes).hasSize(2);
      assertThat(episodes)
          .extracting(EpisodeDerivation::encounterId)
          .containsExactlyInAnyOrder("stay-1", "stay-2");
      assertThat(episodes)
          .extracting(EpisodeDerivation::shockDiagnosisAt)
          .containsExactlyInAnyOrder(T, days(61));
      assertThat(episodes.get(0).episodeId()).isNotEqualTo(episodes.get(1).episodeId());
    }

    @Test
    void withoutAStay_diagnosesWithin30DaysAtOneSite_areOneEpisode() {
      Rec r = new Rec().cs("cs-1", T).cs("cs-2", days(29));
      EpisodeDerivation e = only(r);
      assertThat(e.shockDiagnosisAt()).isEqualTo(T);
      assertThat(e.encounterId()).isNull();
      // unanchored episode window: t-6 h .. t+30 d
      assertThat(e.windowStart()).isEqualTo(h(-6));
      assertThat(e.windowEnd()).isEqualTo(days(30));
    }

    @Test
    void withoutAStay_diagnosesMoreThan30DaysApart_areTwoEpisodes() {
      Rec r = new Rec().cs("cs-1", T).cs("cs-2", days(31));
      assertThat(deriver.derive(r.build()))
          .extracting(EpisodeDerivation::shockDiagnosisAt)
          .containsExactlyInAnyOrder(T, days(31));
    }

    @Test
    void withoutAStay_diagnosesAtTwoSites_areNotGrouped() {
      Rec r =
          new Rec()
              .dxAt("cs-a", "site-a", "cardiogenic-shock", T, null)
              .dxAt("cs-b", "site-b", "cardiogenic-shock", days(1), null);
      List<EpisodeDerivation> episodes = deriver.derive(r.build());
      assertThat(episodes)
          .extracting(EpisodeDerivation::siteId)
          .containsExactlyInAnyOrder("site-a", "site-b");
    }

    @Test
    void anIntensiveCareEncounterAlone_anchorsTheEpisode_whenNoInpatientStayHoldsTheDiagnosis() {
      Rec r = new Rec().icu("icu-1", h(-2), days(3)).cs("cs-1", T);
      assertThat(only(r).encounterId()).isEqualTo("icu-1");
    }

    @Test
    void theInpatientStay_isPreferredOverTheIntensiveCareEncounter_asAnchor() {
      Rec r = shockInStay().icu("icu-1", h(-2), days(3));
      assertThat(only(r).encounterId()).isEqualTo("stay-1");
    }

    @Test
    void diagnosisTime_isOnset_elseRecordedDate() {
      Rec onset = new Rec().dxAt("cs-1", SITE, "cardiogenic-shock", T, h(5));
      assertThat(only(onset).shockDiagnosisAt()).isEqualTo(T);
      Rec recorded = new Rec().dxAt("cs-1", SITE, "cardiogenic-shock", null, h(5));
      assertThat(only(recorded).shockDiagnosisAt()).isEqualTo(h(5));
    }

    @Test
    void aShockDiagnosisWithoutAnyTime_makesNoEpisode() {
      Rec r = new Rec().dxAt("cs-1", SITE, "cardiogenic-shock", null, null);
      assertThat(deriver.derive(r.build())).isEmpty();
    }

    @Test
    void noShockDiagnosis_noEpisode_evenWithShockLikeData() {
      Rec r =
          new Rec()
              .stay("stay-1", days(-1), days(5))
              .dx("hf-1", "heart-failure", T)
              .m("lac", "lactate", T, "9");
      assertThat(deriver.derive(r.build())).isEmpty();
    }

    @Test
    void aShortStay_stillCoversTheFirst24Hours_andAnOpenStayExtends30Days() {
      Rec shortStay = new Rec().stay("stay-1", h(-2), h(3)).cs("cs-1", T);
      EpisodeDerivation e = only(shortStay);
      assertThat(e.windowStart()).isEqualTo(h(-6));
      assertThat(e.windowEnd()).isEqualTo(h(24));
      Rec openStay = new Rec().stay("stay-1", days(-2), null).cs("cs-1", T);
      EpisodeDerivation o = only(openStay);
      assertThat(o.windowStart()).isEqualTo(days(-2));
      assertThat(o.windowEnd()).isEqualTo(days(30));
    }
  }

  // ---- CICU arrival and age -----------------------------------------------------------------

  @Nested
  class CicuArrivalAndAge {

    @Test
    void cicuArrival_isTheStartOfTheIntensiveCareEncounter() {
      Rec r = shockInStay().icu("ccu-1", h(2), days(4));
      assertThat(only(r).cicuArrivalAt()).isEqualTo(h(2));
    }

    @Test
    void cicuArrival_beforeDiagnosis_whenAlreadyInTheUnit() {
      Rec r = shockInStay().icu("ccu-1", h(-3), days(4));
      assertThat(only(r).cicuArrivalAt()).isEqualTo(h(-3));
    }

    @Test
    void cicuArrival_isTheFirstOfSeveralIntensiveCareEncounters() {
      Rec r = shockInStay().icu("ccu-2", days(3), days(5)).icu("ccu-1", h(1), days(2));
      assertThat(only(r).cicuArrivalAt()).isEqualTo(h(1));
    }

    @Test
    void anIntensiveCareEncounterOfAnEarlierStay_isNotThisEpisodesArrival() {
      Rec r = shockInStay().icu("old-icu", days(-90), days(-85));
      assertThat(only(r).cicuArrivalAt()).isNull();
    }

    @Test
    void noIntensiveCareEncounter_noArrival() {
      assertThat(only(shockInStay()).cicuArrivalAt()).isNull();
    }

    @ParameterizedTest(name = "born {0} -> {1} at diagnosis on 2025-03-10")
    @CsvSource({
      "1960-03-10, 65", // birthday on the day of diagnosis
      "1960-03-09, 65", // birthday just before
      "1960-03-11, 64", // birthday just after
      "1960-02-29, 65",
      "2007-03-11, 17",
      "2007-03-10, 18"
    })
    void ageAtDiagnosis_fromTheBirthDate(String born, int age) {
      assertThat(only(shockInStay().born(born)).ageAtDiagnosis()).isEqualTo(age);
    }

    @Test
    void ageAtDiagnosis_usesTheDateOfDiagnosis_notOfAdmission() {
      // admitted the day before the 65th birthday, shock diagnosed on the birthday
      Rec r = new Rec().born("1960-03-10").stay("stay-1", days(-1), days(5)).cs("cs-1", T);
      assertThat(only(r).ageAtDiagnosis()).isEqualTo(65);
    }

    @Test
    void noBirthDate_noAge() {
      assertThat(only(shockInStay()).ageAtDiagnosis()).isNull();
    }
  }

  // ---- etiology and its sub-facts -----------------------------------------------------------

  @Nested
  class Etiology {

    @Test
    void acuteMi_exactly7DaysBefore_isAmiCs() {
      Rec r = shockInStay().dx("ami-1", "acute-mi", days(-7));
      EpisodeDerivation e = only(r);
      DerivedFactValue etiology = required(e, EpisodeDeriver.KIND_ETIOLOGY);
      assertThat(etiology.valueCode()).isEqualTo("ami-cs");
      assertThat(etiology.variable()).isEqualTo("cs-etiology");
      assertThat(etiology.evidence()).containsExactly("Condition/ami-1");
      assertThat(etiology.effectiveAt()).isEqualTo(T);
    }

    @Test
    void acuteMi_7DaysAndAMinuteBefore_isNotAmiCs() {
      Rec r = shockInStay().dx("ami-1", "acute-mi", days(-7).minus(Duration.ofMinutes(1)));
      assertThat(etiology(r)).isEqualTo("other");
    }

    @Test
    void acuteMi_1DayAfter_isAmiCs_butNotLater() {
      assertThat(etiology(shockInStay().dx("ami-1", "acute-mi", days(1)))).isEqualTo("ami-cs");
      assertThat(
              etiology(shockInStay().dx("ami-1", "acute-mi", days(1).plus(Duration.ofMinutes(1)))))
          .isEqualTo("other");
    }

    @Test
    void acuteMi_withoutOnset_usesItsRecordedDate() {
      Rec r = shockInStay().dxAt("ami-1", SITE, "acute-mi", null, h(-12));
      assertThat(etiology(r)).isEqualTo("ami-cs");
    }

    @Test
    void acuteMi_beatsHeartFailure_andAmiCsHasNoHfSubFacts() {
      Rec r =
          shockInStay().dx("hf-1", "heart-failure", days(-100)).dx("ami-1", "acute-mi", days(-2));
      EpisodeDerivation e = only(r);
      assertThat(required(e, EpisodeDeriver.KIND_ETIOLOGY).valueCode()).isEqualTo("ami-cs");
      assertThat(fact(e, EpisodeDeriver.KIND_ISCHEMIC)).isEmpty();
      assertThat(fact(e, EpisodeDeriver.KIND_DE_NOVO)).isEmpty();
    }

    @ParameterizedTest(name = "{0} recorded -> hf-cs")
    @ValueSource(strings = {"heart-failure", "cardiomyopathy", "ischemic-cardiomyopathy"})
    void heartFailureOrCardiomyopathyRecorded_isHfCs(String category) {
      Rec r = shockInStay().dx("hf-1", category, days(-3));
      EpisodeDerivation e = only(r);
      DerivedFactValue etiology = required(e, EpisodeDeriver.KIND_ETIOLOGY);
      assertThat(etiology.valueCode()).isEqualTo("hf-cs");
      assertThat(etiology.evidence()).containsExactly("Condition/hf-1");
      assertThat(fact(e, EpisodeDeriver.KIND_ISCHEMIC)).isPresent();
      assertThat(fact(e, EpisodeDeriver.KIND_DE_NOVO)).isPresent();
    }

    @Test
    void heartFailureRecordedDuringTheStay_afterDiagnosis_isHfCs() {
      assertThat(etiology(shockInStay().dx("hf-1", "heart-failure", days(2)))).isEqualTo("hf-cs");
    }

    @Test
    void heartFailureFirstRecordedAfterTheEpisodeWindow_doesNotMakeItHfCs() {
      // stay ends at day 10; HF first diagnosed in a later stay
      assertThat(etiology(shockInStay().dx("hf-1", "heart-failure", days(60)))).isEqualTo("other");
    }

    @Test
    void neitherAmiNorHeartFailure_isOther_withoutSubFacts() {
      Rec r = shockInStay().dx("myo-1", "myocarditis", T).dx("ami-old", "acute-mi", days(-40));
      EpisodeDerivation e = only(r);
      DerivedFactValue etiology = required(e, EpisodeDeriver.KIND_ETIOLOGY);
      assertThat(etiology.valueCode()).isEqualTo("other");
      assertThat(etiology.evidence()).isEmpty();
      assertThat(fact(e, EpisodeDeriver.KIND_ISCHEMIC)).isEmpty();
      assertThat(fact(e, EpisodeDeriver.KIND_DE_NOVO)).isEmpty();
    }

    @Test
    void priorMiAlone_isNotHeartFailure() {
      assertThat(etiology(shockInStay().dx("pmi-1", "prior-mi", days(-400)))).isEqualTo("other");
    }

    @Test
    void ischemic_trueWithIschemicCardiomyopathy() {
      Rec r = shockInStay().dx("icm-1", "ischemic-cardiomyopathy", days(-200));
      DerivedFactValue ischemic = required(only(r), EpisodeDeriver.KIND_ISCHEMIC);
      assertThat(ischemic.valueBoolean()).isTrue();
      assertThat(ischemic.valueCode()).isNull();
      assertThat(ischemic.variable()).isEqualTo("hf-cs-ischemic");
      assertThat(ischemic.evidence()).containsExactly("Condition/icm-1");
    }

    @Test
    void ischemic_trueWithPriorMi() {
      Rec r =
          shockInStay().dx("hf-1", "heart-failure", days(-2)).dx("pmi-1", "prior-mi", days(-900));
      DerivedFactValue ischemic = required(only(r), EpisodeDeriver.KIND_ISCHEMIC);
      assertThat(ischemic.valueBoolean()).isTrue();
      assertThat(ischemic.evidence()).containsExactly("Condition/pmi-1");
    }

    @Test
    void ischemic_falseWithHeartFailureOnly() {
      Rec r = shockInStay().dx("hf-1", "heart-failure", days(-2));
      DerivedFactValue ischemic = required(only(r), EpisodeDeriver.KIND_ISCHEMIC);
      assertThat(ischemic.valueBoolean()).isFalse();
      assertThat(ischemic.evidence()).isEmpty();
    }

    @Test
    void deNovo_falseWhenHeartFailurePredatesBy31Days() {
      Rec r = shockInStay().dx("hf-1", "heart-failure", days(-31));
      DerivedFactValue deNovo = required(only(r), EpisodeDeriver.KIND_DE_NOVO);
      assertThat(deNovo.valueBoolean()).isFalse();
      assertThat(deNovo.variable()).isEqualTo("hf-cs-de-novo");
      assertThat(deNovo.evidence()).containsExactly("Condition/hf-1");
    }

    @Test
    void deNovo_trueWhenHeartFailureIs29DaysOld() {
      Rec r = shockInStay().dx("hf-1", "heart-failure", days(-29));
      DerivedFactValue deNovo = required(only(r), EpisodeDeriver.KIND_DE_NOVO);
      assertThat(deNovo.valueBoolean()).isTrue();
      assertThat(deNovo.evidence()).isEmpty();
    }

    @Test
    void deNovo_trueWhenHeartFailureIsExactly30DaysOld_notMoreThan30() {
      Rec r = shockInStay().dx("hf-1", "heart-failure", days(-30));
      assertThat(required(only(r), EpisodeDeriver.KIND_DE_NOVO).valueBoolean()).isTrue();
    }

    @Test
    void deNovo_falseWhenAnOldCardiomyopathyIsRecorded() {
      Rec r =
          shockInStay().dx("hf-1", "heart-failure", T).dx("cmp-1", "cardiomyopathy", days(-365));
      DerivedFactValue deNovo = required(only(r), EpisodeDeriver.KIND_DE_NOVO);
      assertThat(deNovo.valueBoolean()).isFalse();
      assertThat(deNovo.evidence()).containsExactly("Condition/cmp-1");
    }
  }

  // ---- SCAI stage ---------------------------------------------------------------------------

  @Nested
  class ScaiStage {

    /** The stage at diagnosis, or "none" when the episode has no SCAI fact (unknown). */
    String stage(Rec r) {
      Optional<DerivedFactValue> f = fact(only(r), EpisodeDeriver.KIND_SCAI_AT_DIAGNOSIS);
      f.ifPresent(x -> assertThat(x.variable()).isEqualTo("scai-stage"));
      return f.map(DerivedFactValue::valueCode).orElse("none");
    }

    @Test
    void lactate8_isE_and799_isD() {
      assertThat(stage(shockInStay().m("lac", "lactate", T, "8"))).isEqualTo("E");
      assertThat(stage(shockInStay().m("lac", "lactate", T, "7.99"))).isEqualTo("D");
    }

    @Test
    void vaEcmo_isE() {
      assertThat(stage(shockInStay().device("ecmo", "va-ecmo", T, null))).isEqualTo("E");
    }

    @Test
    void vaEcmoAlreadyRunning_isE() {
      assertThat(stage(shockInStay().device("ecmo", "va-ecmo", days(-2), null))).isEqualTo("E");
    }

    @Test
    void sbp59_isE_and60_isOnlyHypotension_B() {
      assertThat(stage(shockInStay().m("sbp", "sbp", T, "59"))).isEqualTo("E");
      assertThat(stage(shockInStay().m("sbp", "sbp", T, "60"))).isEqualTo("B");
    }

    @Test
    void lactate5_isD_and499_isB() {
      assertThat(stage(shockInStay().m("lac", "lactate", T, "5"))).isEqualTo("D");
      assertThat(stage(shockInStay().m("lac", "lactate", T, "4.99"))).isEqualTo("B");
    }

    @Test
    void twoTmcsDevices_isD() {
      Rec r =
          shockInStay().device("iabp", "iabp", h(-1), null).device("imp", "impella", h(0.5), null);
      assertThat(stage(r)).isEqualTo("D");
    }

    @Test
    void escalationFromOneTmcsToAnother_isD() {
      Rec r =
          shockInStay().device("iabp", "iabp", h(-5), h(-1)).device("imp", "impella", h(-1), null);
      assertThat(stage(r)).isEqualTo("D");
    }

    @Test
    void theSameDeviceTypeTwice_isOneDevice_C() {
      Rec r =
          shockInStay()
              .device("iabp-1", "iabp", h(-5), h(-3))
              .device("iabp-2", "iabp", h(-2), null);
      assertThat(stage(r)).isEqualTo("C");
    }

    @Test
    void hypotensionWithLactate2_isC() {
      assertThat(stage(shockInStay().m("sbp", "sbp", T, "89").m("lac", "lactate", T, "2")))
          .isEqualTo("C");
      assertThat(stage(shockInStay().m("map", "map", T, "64").m("lac", "lactate", T, "2.5")))
          .isEqualTo("C");
    }

    @ParameterizedTest(name = "{0} alone -> C")
    @ValueSource(strings = {"iabp", "impella", "tandemheart", "vad-unspecified"})
    void anyTmcsDevice_isC(String device) {
      assertThat(stage(shockInStay().device("dev", device, h(-1), null))).isEqualTo("C");
    }

    @Test
    void hypotensionAlone_isB() {
      assertThat(stage(shockInStay().m("sbp", "sbp", T, "89"))).isEqualTo("B");
      assertThat(stage(shockInStay().m("map", "map", T, "64"))).isEqualTo("B");
    }

    @Test
    void lactate2to5Alone_isB() {
      assertThat(stage(shockInStay().m("lac", "lactate", T, "2"))).isEqualTo("B");
      assertThat(stage(shockInStay().m("lac", "lactate", T, "3.4"))).isEqualTo("B");
    }

    @Test
    void normalValues_areA() {
      Rec r =
          shockInStay()
              .m("sbp", "sbp", T, "90")
              .m("map", "map", T, "65")
              .m("lac", "lactate", T, "1.99");
      DerivedFactValue f = atDiagnosis(r);
      assertThat(f.valueCode()).isEqualTo("A");
      assertThat(f.evidence()).isEmpty();
    }

    @Test
    void nothingInTheWindow_isUnknown_noStageA() {
      EpisodeDerivation e = only(shockInStay());
      assertThat(fact(e, EpisodeDeriver.KIND_SCAI_AT_DIAGNOSIS)).isEmpty();
      assertThat(fact(e, EpisodeDeriver.KIND_SCAI_WORST_24H)).isEmpty();
    }

    @Test
    void onePressureInTheWindow_isEnoughForA() {
      DerivedFactValue w = worst(shockInStay().m("sbp", "sbp", h(2), "120"));
      assertThat(w.valueCode()).isEqualTo("A");
      assertThat(w.effectiveAt()).isEqualTo(T);
    }

    @ParameterizedTest(name = "{0} is not tMCS -> no stage")
    @ValueSource(strings = {"durable-lvad", "heart-transplant", "vv-ecmo"})
    void devicesOutsideTheTmcsSet_doNotCount(String device) {
      assertThat(stage(shockInStay().device("dev", device, h(-1), null))).isEqualTo("none");
    }

    @Test
    void implausibleValues_areExcluded() {
      Rec lactate = shockInStay().implausible("lac", "lactate", T, "40");
      assertThat(stage(lactate)).isEqualTo("none");
      Rec sbp = shockInStay().implausible("sbp", "sbp", T, "25");
      assertThat(stage(sbp)).isEqualTo("none");
      Rec mixed =
          shockInStay().implausible("lac-bad", "lactate", T, "45").m("lac-ok", "lactate", T, "3");
      DerivedFactValue f = atDiagnosis(mixed);
      assertThat(f.valueCode()).isEqualTo("B");
      assertThat(f.evidence()).containsExactly("Observation/lac-ok");
    }

    @Test
    void measurementsOfOtherVariables_areIgnored() {
      assertThat(stage(shockInStay().m("hr", "hr", T, "30").m("dbp", "dbp", T, "20")))
          .isEqualTo("none");
    }
  }

  // ---- windows: at diagnosis vs worst in 24 h -----------------------------------------------

  @Nested
  class Windows {

    @Test
    void aLateLactate_raisesTheWorst24hStage_notTheStageAtDiagnosis() {
      Rec r =
          shockInStay()
              .m("sbp", "sbp", T, "85")
              .m("lac-1", "lactate", T, "1.5")
              .m("lac-9", "lactate", h(10), "9");
      EpisodeDerivation e = only(r);
      DerivedFactValue at = required(e, EpisodeDeriver.KIND_SCAI_AT_DIAGNOSIS);
      DerivedFactValue worst = required(e, EpisodeDeriver.KIND_SCAI_WORST_24H);
      assertThat(at.valueCode()).isEqualTo("B");
      assertThat(at.effectiveAt()).isEqualTo(T);
      assertThat(at.evidence()).containsExactly("Observation/sbp");
      assertThat(worst.valueCode()).isEqualTo("E");
      assertThat(worst.effectiveAt()).isEqualTo(h(10));
      assertThat(worst.evidence()).containsExactly("Observation/lac-9");
    }

    @Test
    void atDiagnosis_reachesOneHourAfter() {
      assertThat(atDiagnosis(shockInStay().m("lac", "lactate", h(1), "9")).valueCode())
          .isEqualTo("E");
      Rec later = shockInStay().m("lac", "lactate", h(1).plusSeconds(60), "9");
      assertThat(fact(only(later), EpisodeDeriver.KIND_SCAI_AT_DIAGNOSIS)).isEmpty();
      assertThat(worst(later).valueCode()).isEqualTo("E");
    }

    @Test
    void bothWindows_reachSixHoursBefore() {
      Rec inside = shockInStay().m("lac", "lactate", h(-6), "9");
      assertThat(atDiagnosis(inside).valueCode()).isEqualTo("E");
      assertThat(worst(inside).valueCode()).isEqualTo("E");
      Rec before = shockInStay().m("lac", "lactate", h(-6).minusSeconds(60), "9");
      assertThat(fact(only(before), EpisodeDeriver.KIND_SCAI_AT_DIAGNOSIS)).isEmpty();
      assertThat(fact(only(before), EpisodeDeriver.KIND_SCAI_WORST_24H)).isEmpty();
    }

    @Test
    void worst_reaches24HoursAfter() {
      assertThat(worst(shockInStay().m("lac", "lactate", h(24), "9")).valueCode()).isEqualTo("E");
      assertThat(
              fact(
                  only(shockInStay().m("lac", "lactate", h(24).plusSeconds(60), "9")),
                  EpisodeDeriver.KIND_SCAI_WORST_24H))
          .isEmpty();
    }

    @Test
    void worst_isTheHighestStageOfTheDay() {
      Rec r =
          shockInStay()
              .m("sbp", "sbp", T, "80")
              .device("iabp", "iabp", h(3), null)
              .m("lac", "lactate", h(8), "6");
      assertThat(atDiagnosis(r).valueCode()).isEqualTo("B");
      DerivedFactValue worst = worst(r);
      assertThat(worst.valueCode()).isEqualTo("D");
      assertThat(worst.evidence()).containsExactly("Observation/lac");
      assertThat(worst.effectiveAt()).isEqualTo(h(8));
    }

    @Test
    void aDeviceStartedAfterTheDiagnosisHour_countsOnlyForTheWorst() {
      Rec r = shockInStay().device("iabp", "iabp", h(2), null);
      assertThat(fact(only(r), EpisodeDeriver.KIND_SCAI_AT_DIAGNOSIS)).isEmpty();
      assertThat(worst(r).valueCode()).isEqualTo("C");
      assertThat(worst(r).evidence()).containsExactly("Procedure/iabp");
    }

    @Test
    void aDeviceRemovedBeforeTheWindow_doesNotCount() {
      Rec r = shockInStay().device("iabp", "iabp", days(-3), days(-1)).m("sbp", "sbp", T, "110");
      assertThat(atDiagnosis(r).valueCode()).isEqualTo("A");
      assertThat(worst(r).valueCode()).isEqualTo("A");
    }

    @Test
    void aDeviceInPlaceDuringTheWindow_counts() {
      // inserted before the window, removed within it
      Rec r = shockInStay().device("iabp", "iabp", days(-2), h(-2));
      assertThat(atDiagnosis(r).valueCode()).isEqualTo("C");
    }
  }

  // ---- evidence and ids ---------------------------------------------------------------------

  @Nested
  class EvidenceAndIds {

    @Test
    void stageC_restsOnTheHypotensionAndTheLactate() {
      Rec r =
          shockInStay()
              .m("sbp", "sbp", T, "85")
              .m("lac", "lactate", h(-1), "3")
              .m("sbp-ok", "sbp", h(-2), "120");
      DerivedFactValue f = atDiagnosis(r);
      assertThat(f.valueCode()).isEqualTo("C");
      assertThat(f.evidence()).containsExactlyInAnyOrder("Observation/sbp", "Observation/lac");
    }

    @Test
    void stageE_restsOnlyOnWhatMadeItE() {
      Rec r =
          shockInStay()
              .m("lac", "lactate", T, "3")
              .m("sbp", "sbp", T, "85")
              .device("ecmo", "va-ecmo", h(0.5), null);
      DerivedFactValue f = atDiagnosis(r);
      assertThat(f.valueCode()).isEqualTo("E");
      assertThat(f.evidence()).containsExactly("Procedure/ecmo");
    }

    @Test
    void stageD_byTwoDevices_restsOnBoth() {
      Rec r = shockInStay().device("iabp", "iabp", h(-1), null).device("imp", "impella", T, null);
      DerivedFactValue f = atDiagnosis(r);
      assertThat(f.valueCode()).isEqualTo("D");
      assertThat(f.evidence()).containsExactlyInAnyOrder("Procedure/iabp", "Procedure/imp");
    }

    @Test
    void derivedFacts_areOnePerKind_withDistinctIds() {
      EpisodeDerivation e =
          only(shockInStay().dx("hf-1", "heart-failure", days(-3)).m("lac", "lactate", T, "1.2"));
      assertThat(e.facts())
          .extracting(DerivedFactValue::kind)
          .containsExactlyInAnyOrder(
              EpisodeDeriver.KIND_ETIOLOGY,
              EpisodeDeriver.KIND_ISCHEMIC,
              EpisodeDeriver.KIND_DE_NOVO,
              EpisodeDeriver.KIND_SCAI_AT_DIAGNOSIS,
              EpisodeDeriver.KIND_SCAI_WORST_24H);
      assertThat(e.facts()).extracting(DerivedFactValue::factId).doesNotHaveDuplicates();
      assertThat(e.facts())
          .extracting(DerivedFactValue::factId)
          .allMatch(id -> id.matches("[0-9a-f]{32}"));
      assertThat(e.episodeId()).matches("[0-9a-f]{32}");
    }

    @Test
    void sameRecord_sameResult() {
      PatientClinicalRecord r =
          shockInStay()
              .born("1960-01-01")
              .dx("hf-1", "heart-failure", days(-40))
              .m("lac", "lactate", T, "3")
              .device("iabp", "iabp", h(2), null)
              .icu("ccu", h(1), days(3))
              .build();
      assertThat(deriver.derive(r)).isEqualTo(deriver.derive(r));
    }

    @Test
    void ids_doNotDependOnTheOrderRowsArriveIn() {
      Rec r =
          shockInStay()
              .icu("ccu", h(1), days(3))
              .cs("cs-2", h(3))
              .dx("hf-1", "heart-failure", days(-40))
              .dx("pmi", "prior-mi", days(-400))
              .m("sbp", "sbp", T, "85")
              .m("lac", "lactate", T, "3")
              .m("lac2", "lactate", T, "2.5")
              .device("iabp", "iabp", h(-1), null)
              .device("imp", "impella", h(2), null);
      List<EpisodeDerivation> forward = deriver.derive(r.build());
      Collections.reverse(r.diagnoses);
      Collections.reverse(r.encounters);
      Collections.reverse(r.measurements);
      Collections.reverse(r.therapies);
      assertThat(deriver.derive(r.build())).isEqualTo(forward);
    }

    @Test
    void ids_ofAnEpisodeWithoutAStay_doNotDependOnRowOrder_evenWhenTwoDiagnosesShareATime() {
      // e.g. the same shock sent as ICD-10 R57.0 and SNOMED 89138009, both with the same onset
      Rec r = new Rec().cs("cs-icd", T).cs("cs-snomed", T);
      List<EpisodeDerivation> forward = deriver.derive(r.build());
      Collections.reverse(r.diagnoses);
      List<EpisodeDerivation> reversed = deriver.derive(r.build());
      assertThat(reversed).hasSize(1);
      assertThat(reversed.get(0).episodeId()).isEqualTo(forward.get(0).episodeId());
      assertThat(reversed.get(0).facts())
          .extracting(DerivedFactValue::factId)
          .containsExactlyElementsOf(
              forward.get(0).facts().stream().map(DerivedFactValue::factId).toList());
    }

    @Test
    void ids_areStable_whenMoreDataArrives() {
      EpisodeDerivation before = only(shockInStay().m("sbp", "sbp", T, "85"));
      EpisodeDerivation after =
          only(
              shockInStay()
                  .m("sbp", "sbp", T, "85")
                  .m("lac", "lactate", h(10), "9")
                  .cs("cs-2", h(2)));
      assertThat(after.episodeId()).isEqualTo(before.episodeId());
      assertThat(required(after, EpisodeDeriver.KIND_SCAI_WORST_24H).factId())
          .isEqualTo(required(before, EpisodeDeriver.KIND_SCAI_WORST_24H).factId());
    }

    @Test
    void ids_differBetweenPatients() {
      EpisodeDerivation a = only(shockInStay().patient("patient-a"));
      EpisodeDerivation b = only(shockInStay().patient("patient-b"));
      assertThat(a.episodeId()).isNotEqualTo(b.episodeId());
      assertThat(required(a, EpisodeDeriver.KIND_ETIOLOGY).factId())
          .isNotEqualTo(required(b, EpisodeDeriver.KIND_ETIOLOGY).factId());
    }
  }
}
