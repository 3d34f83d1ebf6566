package org.shockreg.ingest.demo;

import static org.shockreg.ingest.demo.SourceRecord.LOINC;
import static org.shockreg.ingest.demo.SourceRecord.MINUTE;
import static org.shockreg.ingest.demo.SourceRecord.OBSERVATION_CATEGORY;
import static org.shockreg.ingest.demo.SourceRecord.UCUM;
import static org.shockreg.ingest.demo.SourceRecord.clamp;
import static org.shockreg.ingest.demo.SourceRecord.concept;
import static org.shockreg.ingest.demo.SourceRecord.decimal;
import static org.shockreg.ingest.demo.SourceRecord.instant;
import static org.shockreg.ingest.demo.SourceRecord.quantity;

import java.math.BigDecimal;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationStatus;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.SimpleQuantity;
import org.hl7.fhir.r4.model.StringType;

/**
 * Observations of one synthetic patient's source record: vital signs, labs and echo results in the
 * site's dialect (codes, units, panels).
 */
final class DemoObservations {

  private final SourceRecord r;
  private int observationSeq;

  DemoObservations(SourceRecord record) {
    this.r = record;
  }

  /**
   * One blood pressure reading in the site's way: Milano a panel (MAP apart), Paris separate
   * Observations in {@code mmHg}, Boston a panel with MAP as a component; MAP only when asked.
   */
  void emitBloodPressure(long at, int sbp, int dbp, int map, boolean withMap) {
    switch (r.site) {
      case MILANO -> {
        emitBloodPressurePanel(at, sbp, dbp, -1);
        if (withMap) {
          emitPressure(at, "8478-0", "Mean blood pressure", map, "mm[Hg]");
        }
      }
      case PARIS -> {
        emitPressure(at, "8480-6", "Systolic blood pressure", sbp, "mmHg");
        emitPressure(at, "8462-4", "Diastolic blood pressure", dbp, "mmHg");
        if (withMap) {
          emitPressure(at, "8478-0", "Mean blood pressure", map, "mmHg");
        }
      }
      case BOSTON -> emitBloodPressurePanel(at, sbp, dbp, withMap ? map : -1);
    }
  }

  void emitHeartRate(long at, int perMinute) {
    Observation heartRate = observation("vital-signs", at, false);
    heartRate.getCode().addCoding(new Coding(LOINC, "8867-4", "Heart rate"));
    heartRate.setValue(
        quantity(
            BigDecimal.valueOf(perMinute),
            r.site == DemoSite.BOSTON ? "beats/min" : "/min",
            "/min"));
    r.sink.accept(r.site.id, heartRate);
  }

  /** Panel 85354-9 with no value of its own, like Synthea and most US EHRs send it. */
  void emitBloodPressurePanel(long at, int sbp, int dbp, int map) {
    Observation panel = observation("vital-signs", at, false);
    panel
        .getCode()
        .addCoding(new Coding(LOINC, "85354-9", "Blood pressure panel with all children optional"));
    panel.getCode().setText("Blood pressure");
    component(panel, "8480-6", "Systolic blood pressure", sbp);
    component(panel, "8462-4", "Diastolic blood pressure", dbp);
    if (map >= 0) {
      component(panel, "8478-0", "Mean blood pressure", map);
    }
    r.sink.accept(r.site.id, panel);
  }

  private static void component(Observation panel, String code, String display, int mmHg) {
    Observation.ObservationComponentComponent component = panel.addComponent();
    component.getCode().addCoding(new Coding(LOINC, code, display));
    component.setValue(quantity(BigDecimal.valueOf(mmHg), "mm[Hg]", "mm[Hg]"));
  }

  void emitPressure(long at, String code, String display, int mmHg, String unit) {
    Observation pressure = observation("vital-signs", at, false);
    pressure.getCode().addCoding(new Coding(LOINC, code, display));
    pressure.setValue(quantity(BigDecimal.valueOf(mmHg), unit, "mm[Hg]"));
    r.sink.accept(r.site.id, pressure);
  }

  void emitOxygenSaturation(long at) {
    Observation spo2 = observation("vital-signs", at, false);
    spo2.getCode().addCoding(new Coding(LOINC, "2708-6", "Oxygen saturation in Arterial blood"));
    if (r.site == DemoSite.BOSTON) {
      // Synthea-style second coding; neither code feeds a registry variable.
      spo2.getCode()
          .addCoding(
              new Coding(
                  LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"));
    }
    spo2.setValue(quantity(BigDecimal.valueOf(clamp(94 + 3 * r.gaussian(), 78, 100)), "%", "%"));
    r.sink.accept(r.site.id, spo2);
  }

  void emitLactate(long at, double mmolPerL) {
    Observation lactate = observation("laboratory", at, true);
    switch (r.site) {
      case MILANO, PARIS -> {
        // Central lab (serum) or blood gas analyser (whole blood), both in mmol/L.
        boolean bloodGas = r.chance(r.site == DemoSite.PARIS ? 0.7 : 0.3);
        lactate
            .getCode()
            .addCoding(
                bloodGas
                    ? new Coding(LOINC, "32693-4", "Lactate [Moles/volume] in Blood")
                    : new Coding(LOINC, "2524-7", "Lactate [Moles/volume] in Serum or Plasma"));
        // Some analysers write the litre in lower case (valid UCUM, but not the usual code).
        String unit = r.chance(0.25) ? "mmol/l" : "mmol/L";
        lactate.setValue(quantity(decimal(mmolPerL, 1), unit, unit));
      }
      case BOSTON -> {
        lactate
            .getCode()
            .addCoding(new Coding(LOINC, "14118-4", "Lactate [Mass/volume] in Serum or Plasma"));
        lactate.setValue(quantity(decimal(mmolPerL * 9.008, 1), "mg/dL", "mg/dL"));
      }
    }
    r.sink.accept(r.site.id, lactate);
  }

  void emitCreatinine(long at, double mgPerDl) {
    Observation creatinine = observation("laboratory", at, true);
    if (r.site == DemoSite.PARIS) {
      creatinine
          .getCode()
          .addCoding(new Coding(LOINC, "14682-9", "Creatinine [Moles/volume] in Serum or Plasma"));
      creatinine.setValue(quantity(decimal(mgPerDl * 88.4, 0), "µmol/L", "umol/L"));
    } else {
      creatinine
          .getCode()
          .addCoding(new Coding(LOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma"));
      creatinine.setValue(quantity(decimal(mgPerDl, 2), "mg/dL", "mg/dL"));
    }
    r.sink.accept(r.site.id, creatinine);
  }

  void emitLvef(long at, int percent) {
    // Boston files echo results under laboratory, like Synthea; the others under exam.
    Observation lvef = observation(r.site == DemoSite.BOSTON ? "laboratory" : "exam", at, false);
    lvef.getCode()
        .addCoding(
            r.chance(0.2)
                ? new Coding(LOINC, "18043-0", "Left ventricular Ejection fraction by US")
                : new Coding(LOINC, "10230-1", "Left ventricular Ejection fraction"));
    double shape = r.rng.nextDouble();
    if (shape < 0.78) {
      Quantity value = new Quantity().setValue(BigDecimal.valueOf(percent));
      if (r.site != DemoSite.PARIS || !r.chance(0.1)) {
        // Paris occasionally leaves the unit off; % is the only plausible one for LVEF.
        value.setUnit("%").setSystem(UCUM).setCode("%");
      }
      lvef.setValue(value);
    } else if (shape < 0.92) {
      // Echo reports often give a 5-point band, e.g. 15-20 %.
      int low = percent / 5 * 5;
      Range range = new Range();
      range.setLow(percentQuantity(low));
      range.setHigh(percentQuantity(low + 5));
      lvef.setValue(range);
    } else {
      lvef.setValue(
          new StringType(
              r.chance(0.6) ? "EF " + percent + "%" : percent + "-" + (percent + 5) + " %"));
    }
    r.sink.accept(r.site.id, lvef);
  }

  private static SimpleQuantity percentQuantity(int percent) {
    SimpleQuantity quantity = new SimpleQuantity();
    quantity.setValue(BigDecimal.valueOf(percent)).setUnit("%").setSystem(UCUM).setCode("%");
    return quantity;
  }

  Observation observation(String category, long at, boolean laboratory) {
    Observation observation = new Observation();
    observation.setId(r.ownId("obs", ++observationSeq, 4));
    // Point-of-care and early lab results sometimes arrive before validation.
    observation.setStatus(
        laboratory && r.chance(0.04) ? ObservationStatus.PRELIMINARY : ObservationStatus.FINAL);
    observation.addCategory(concept(OBSERVATION_CATEGORY, category, categoryDisplay(category)));
    observation.setSubject(new Reference(r.patientRef));
    observation.setEncounter(new Reference(r.encounterAt(at)));
    observation.setEffective(r.dateTime(at));
    if (laboratory) {
      observation.setIssuedElement(instant(at + 40 * MINUTE));
    }
    r.stamp(observation, at + (laboratory ? 45 : 5) * MINUTE);
    return observation;
  }

  private static String categoryDisplay(String category) {
    return switch (category) {
      case "vital-signs" -> "Vital Signs";
      case "laboratory" -> "Laboratory";
      default -> "Exam";
    };
  }
}
