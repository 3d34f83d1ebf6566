package org.shockreg.ingest.hl7v2;

import java.util.ArrayList;
import java.util.List;
import org.shockreg.ingest.pipeline.IntakeReport;

/**
 * The ERR segments of an ACK from the intake's report: each rejected resource points back at the
 * segment and field it came from (OBX-5 value, OBX-6 unit, ...) with an HL7 table 0357 code.
 */
final class AckErrors {

  private AckErrors() {}

  static List<Ack.Error> of(IntakeReport report, Hl7Conversion conversion) {
    List<Ack.Error> errors = new ArrayList<>();
    for (IntakeReport.Issue issue : report.issues()) {
      Hl7Conversion.Location at = conversion.location(issue.index());
      errors.add(
          new Ack.Error(
              at == null ? null : at.segment(),
              at == null ? 0 : at.occurrence(),
              at == null ? 0 : fieldOf(issue, at),
              hl7Code(issue.code()),
              issue.code() + ": " + issue.reason()));
    }
    return errors;
  }

  /** The field an error points at: the unit for a unit problem, the value otherwise. */
  private static int fieldOf(IntakeReport.Issue issue, Hl7Conversion.Location at) {
    String c = issue.code() == null ? "" : issue.code();
    if ("OBX".equals(at.segment())) {
      if (c.contains("unit")) {
        return 6;
      }
      if (c.contains("patient") || c.contains("subject")) {
        return 0;
      }
    }
    return at.field();
  }

  /** An intake reason code as an HL7 table 0357 code. */
  static String hl7Code(String reasonCode) {
    String c = reasonCode == null ? "" : reasonCode;
    if (c.contains("unit")) {
      return "103";
    }
    if (c.startsWith("missing") || c.contains("no-value")) {
      return "101";
    }
    if (c.contains("value") || c.contains("text") || c.contains("invalid")) {
      return "102";
    }
    return "207";
  }
}
