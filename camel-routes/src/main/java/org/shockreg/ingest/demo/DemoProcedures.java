package org.shockreg.ingest.demo;

import static org.shockreg.ingest.demo.SourceRecord.CPT;
import static org.shockreg.ingest.demo.SourceRecord.HOUR;
import static org.shockreg.ingest.demo.SourceRecord.ICD10PCS;
import static org.shockreg.ingest.demo.SourceRecord.SNOMED;

import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.ingest.demo.SourceRecord.Device;

/**
 * Procedures of one synthetic patient's source record: temporary MCS device therapies and heart
 * replacement, coded in the site's dialect (SNOMED CT, ICD-10-PCS or CPT).
 */
final class DemoProcedures {

  private final SourceRecord r;
  private int procedureSeq;

  DemoProcedures(SourceRecord record) {
    this.r = record;
  }

  /** Heart replacement therapy: a durable LVAD implant or a heart transplant, in SNOMED CT. */
  void emitHeartReplacement(boolean durableLvad, long at) {
    Procedure procedure = procedure(at, at + 4 * HOUR);
    procedure.setEncounter(new Reference(r.stayRef));
    procedure
        .getCode()
        .addCoding(
            durableLvad
                ? new Coding(
                    SNOMED,
                    "232967006",
                    "Implantation of left ventricular assist device (procedure)")
                : new Coding(SNOMED, "32413006", "Transplantation of heart (procedure)"));
    procedure.setPerformed(r.dateTime(at));
    r.sink.accept(r.site.id, procedure);
  }

  void emitDeviceTherapy(Device device, long start, long end, boolean endedByDeath) {
    // ~20% of IABP therapies: the removal is its own procedure (CPT 33968) days later.
    boolean separateRemoval = device == Device.IABP && !endedByDeath && r.chance(0.25);
    Procedure therapy = procedure(start, end);
    therapy.getCode().addCoding(deviceCoding(device));
    if (device == Device.VA_ECMO && r.site == DemoSite.PARIS) {
      therapy.getCode().setText("ECMO VA périphérique");
    }
    double shape = r.rng.nextDouble();
    if (separateRemoval) {
      if (shape < 0.7) {
        therapy.setPerformed(new Period().setStartElement(r.dateTime(start)));
      } else {
        therapy.setPerformed(r.dateTime(start));
      }
    } else if (shape < 0.65) {
      therapy.setPerformed(r.period(start, end));
    } else if (shape < 0.85) {
      therapy.setPerformed(new Period().setStartElement(r.dateTime(start)));
    } else {
      therapy.setPerformed(r.dateTime(start));
    }
    r.sink.accept(r.site.id, therapy);

    if (separateRemoval) {
      Procedure removal = procedure(end, end);
      removal
          .getCode()
          .addCoding(
              new Coding(
                  CPT, "33968", "Removal of intra-aortic balloon assist device, percutaneous"));
      removal.setPerformed(r.dateTime(end));
      r.sink.accept(r.site.id, removal);
    }
  }

  Coding deviceCoding(Device device) {
    return switch (device) {
      case IABP ->
          switch (r.site) {
            case MILANO ->
                new Coding(
                    SNOMED,
                    "442807006",
                    "Insertion of intraaortic balloon counterpulsation device through femoral"
                        + " artery (procedure)");
            case PARIS ->
                new Coding(
                    ICD10PCS,
                    "5A02210",
                    "Assistance with Cardiac Output using Balloon Pump, Continuous");
            case BOSTON ->
                new Coding(
                    CPT, "33967", "Insertion of intra-aortic balloon assist device, percutaneous");
          };
      case IMPELLA ->
          r.site == DemoSite.BOSTON
              ? new Coding(
                  CPT,
                  "33990",
                  "Insertion of ventricular assist device, percutaneous, including radiological"
                      + " supervision and interpretation; left heart, arterial access only")
              : new Coding(
                  ICD10PCS,
                  "5A0221D",
                  "Assistance with Cardiac Output using Impeller Pump, Continuous");
      case VA_ECMO ->
          r.site == DemoSite.MILANO
              ? new Coding(SNOMED, "233573008", "Extracorporeal membrane oxygenation (procedure)")
              : new Coding(
                  ICD10PCS,
                  "5A1522G",
                  "Extracorporeal Oxygenation, Membrane, Peripheral Veno-arterial");
    };
  }

  Procedure procedure(long at, long updatedAfter) {
    Procedure procedure = new Procedure();
    procedure.setId(r.ownId("proc", ++procedureSeq, 2));
    r.stamp(procedure, updatedAfter + HOUR);
    procedure.setStatus(Procedure.ProcedureStatus.COMPLETED);
    procedure.setSubject(new Reference(r.patientRef));
    procedure.setEncounter(new Reference(r.encounterAt(at)));
    return procedure;
  }
}
