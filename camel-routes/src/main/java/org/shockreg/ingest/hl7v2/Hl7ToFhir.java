package org.shockreg.ingest.hl7v2;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import org.shockreg.ingest.hl7v2.Hl7Message.Seg;

/**
 * Converts one parsed message into the FHIR resources the intake pipeline takes in: the Patient
 * (PID), then an Observation per OBX (results) or the Encounters of an ADT event.
 */
final class Hl7ToFhir {

  static final Set<String> RESULT_TYPES = Set.of("ORU^R01", "ORU^R30", "OUL^R22");

  /** ADT events that only update the person (no visit). */
  static final Set<String> PERSON_EVENTS = Set.of("A28", "A31");

  private Hl7ToFhir() {}

  /** A message type or event the listener does not take (answered AR, HL7 error 200/201). */
  static final class Unsupported extends Exception {
    final String hl7Code;

    Unsupported(String hl7Code, String message) {
      super(message);
      this.hl7Code = hl7Code;
    }
  }

  /** MSH-9 as {@code TYPE^EVENT} (EVN-1 where an old sender leaves MSH-9.2 empty). */
  static String messageType(Hl7Message message) {
    Seg msh = message.msh();
    String type = msh.get(9, 1);
    String event = msh.get(9, 2);
    if (event == null && message.first("EVN") != null) {
      event = message.first("EVN").get(1);
    }
    return (type == null ? "" : type) + "^" + (event == null ? "" : event);
  }

  static Hl7Conversion convert(Hl7Message message, Hl7Context ctx) throws Unsupported {
    String type = messageType(message);
    String event = type.substring(type.indexOf('^') + 1);
    boolean results = RESULT_TYPES.contains(type);
    boolean adt =
        type.startsWith("ADT^")
            && (EncounterSegments.EVENTS.contains(event) || PERSON_EVENTS.contains(event));
    if (!results && !adt) {
      throw new Unsupported(
          type.startsWith("ADT^") || type.startsWith("ORU^") ? "201" : "200",
          "message type "
              + type
              + " is not taken (ORU^R01, ORU^R30, OUL^R22, ADT^A01/A02/A03/A04/A08/A11/A13)");
    }
    String lastUpdated = Hl7Time.instant(message.msh().get(7), ctx.zone());
    Hl7Conversion out = new Hl7Conversion();
    if (results) {
      ObservationSegments.observations(message, lastUpdated, ctx, out);
      return out;
    }
    Seg pid = message.first("PID");
    ObjectNode patient = pid == null ? null : PatientSegment.patient(pid, lastUpdated, ctx);
    if (patient != null) {
      out.add(patient, pid, 3);
      if (!PERSON_EVENTS.contains(event)) {
        EncounterSegments.encounters(
            message, event, patient.get("id").asText(), lastUpdated, ctx, out);
      }
    }
    return out;
  }
}
