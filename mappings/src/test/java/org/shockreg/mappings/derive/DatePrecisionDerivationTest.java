package org.shockreg.mappings.derive;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.curated.TimePrecision;
import org.shockreg.registry.derive.EpisodeDerivation;
import org.shockreg.registry.derive.PatientClinicalRecord;
import org.shockreg.registry.derive.PatientClinicalRecord.DiagnosisRow;
import org.shockreg.registry.derive.PatientClinicalRecord.EncounterRow;
import org.shockreg.registry.derive.PatientClinicalRecord.MeasurementRow;
import org.shockreg.registry.derive.PatientClinicalRecord.TherapyRow;

/**
 * A time sent only as a date (year, month, day) is the start of that period: derivations with
 * windows of hours never read it as a moment (docs/derivations.md, "Dates without a time").
 */
class DatePrecisionDerivationTest {

  static final Set<String> TMCS = Set.of("iabp", "impella", "va-ecmo");
  static final Instant DAY = Instant.parse("2025-03-10T00:00:00Z");
  static final Instant T = Instant.parse("2025-03-10T08:00:00Z");
  static final TimePrecision D = TimePrecision.DAY;

  final EpisodeDeriver deriver = new EpisodeDeriver(TMCS);

  static PatientClinicalRecord record(
      List<DiagnosisRow> dx, List<EncounterRow> enc, List<MeasurementRow> m, List<TherapyRow> t) {
    return new PatientClinicalRecord("p-1", null, dx, enc, m, t);
  }

  static EncounterRow stay() {
    return new EncounterRow(
        "stay-1", "s", false, T.minus(Duration.ofDays(1)), T.plus(Duration.ofDays(10)));
  }

  static DiagnosisRow csAt(Instant onset, TimePrecision p, Instant recorded, TimePrecision rp) {
    return new DiagnosisRow("cs-1", "s", "cardiogenic-shock", onset, recorded, p, rp);
  }

  static MeasurementRow lactate(String id, Instant at, String v, TimePrecision p) {
    return new MeasurementRow(id, "lactate", at, new BigDecimal(v), false, p);
  }

  @Test
  void aShockDiagnosisOnlyByDate_opensNoEpisode() {
    List<EpisodeDerivation> out =
        deriver.derive(
            record(List.of(csAt(DAY, D, null, null)), List.of(stay()), List.of(), List.of()));
    assertThat(out).isEmpty();
  }

  @Test
  void aDateOnlyOnset_withATimedRecordedDateThatDay_isDiagnosedAtTheRecordedTime() {
    List<EpisodeDerivation> out =
        deriver.derive(
            record(
                List.of(csAt(DAY, D, T, TimePrecision.SECOND)),
                List.of(stay()),
                List.of(),
                List.of()));
    assertThat(out).hasSize(1);
    assertThat(out.get(0).shockDiagnosisAt()).isEqualTo(T);
  }

  @Test
  void aTimedRecordedDate_beforeTheOnsetDate_isNoDiagnosisTime() {
    assertThat(csAt(DAY, D, DAY.minus(Duration.ofDays(2)), TimePrecision.SECOND).moment()).isNull();
    assertThat(csAt(T, TimePrecision.MINUTE, null, null).moment()).isEqualTo(T);
  }

  @Test
  void dateOnlyMeasurementsAndDeviceStarts_neverStageScai() {
    PatientClinicalRecord r =
        record(
            List.of(csAt(T, TimePrecision.SECOND, null, null)),
            List.of(stay()),
            // lactate 9 "on the 10th" would be stage E at midnight; only the timed 3 counts (B)
            List.of(
                lactate("lac-day", DAY, "9", D),
                lactate("lac-timed", T.plusSeconds(600), "3", null)),
            List.of(new TherapyRow("ecmo-day", "va-ecmo", DAY, null, true)));
    EpisodeDeriver.Stage stage =
        deriver.stage(r, T.minus(Duration.ofHours(6)), T.plus(Duration.ofHours(24)));
    assertThat(stage.code()).isEqualTo("B");
    assertThat(stage.evidence()).containsExactly("Observation/lac-timed");
  }

  @Test
  void onlyDateOnlyInputs_leaveScaiUnknown() {
    PatientClinicalRecord r =
        record(
            List.of(csAt(T, TimePrecision.SECOND, null, null)),
            List.of(stay()),
            List.of(lactate("lac-day", DAY, "9", D)),
            List.of());
    assertThat(deriver.stage(r, T.minus(Duration.ofHours(6)), T.plus(Duration.ofHours(1))).known())
        .isFalse();
  }

  @Test
  void anIntensiveCareStayKnownOnlyByItsDate_givesNoArrivalTime() {
    PatientClinicalRecord r =
        record(
            List.of(csAt(T, TimePrecision.SECOND, null, null)),
            List.of(stay(), new EncounterRow("icu-1", "s", true, DAY, null, true)),
            List.of(),
            List.of());
    assertThat(deriver.derive(r).get(0).cicuArrivalAt()).isNull();
  }

  @Test
  void aDateOnlyMeasurement_isInAWindowOnlyWhenItsWholeDayIs() {
    MeasurementRow lvefDay =
        new MeasurementRow(
            "lvef", "lvef", DAY.minus(Duration.ofDays(60)), BigDecimal.TEN, false, D);
    // twelve months before to 6 h after: the whole day lies inside
    assertThat(lvefDay.within(T.minus(Duration.ofDays(365)), T.plus(Duration.ofHours(6)))).isTrue();
    // the 6 h around diagnosis cannot hold a whole day
    MeasurementRow sbpDay = new MeasurementRow("sbp", "sbp", DAY, BigDecimal.TEN, false, D);
    assertThat(sbpDay.within(T.minus(Duration.ofHours(6)), T.plus(Duration.ofHours(6)))).isFalse();
    MeasurementRow sbpTimed = new MeasurementRow("sbp", "sbp", T, BigDecimal.TEN, false, null);
    assertThat(sbpTimed.within(T.minus(Duration.ofHours(6)), T.plus(Duration.ofHours(6)))).isTrue();
  }
}
