package org.shockreg.ingest.hl7v2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Set;
import org.shockreg.ingest.hl7v2.Hl7Message.Seg;

/**
 * ADT PV1 as FHIR Encounters: the hospital stay (PV1-19 visit, PV1-44/45 admit and discharge), and
 * the intensive-care stay when PV1-3 (or, leaving it, PV1-6) is a CICU location of the site's
 * mapping file: its start is CICU arrival (A01/A04 admit, A02 transfer in), its end the transfer
 * out or discharge (A02/A03). A11 (cancel admit) retracts both; A13 (cancel discharge) reopens
 * them.
 */
final class EncounterSegments {

  static final Set<String> EVENTS = Set.of("A01", "A02", "A03", "A04", "A08", "A11", "A13");
  private static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

  private EncounterSegments() {}

  static void encounters(
      Hl7Message message,
      String trigger,
      String patientId,
      String lastUpdated,
      Hl7Context ctx,
      Hl7Conversion out) {
    Seg pv1 = message.first("PV1");
    if (pv1 == null || patientId == null) {
      return;
    }
    Seg pid = message.first("PID");
    Seg evn = message.first("EVN");
    String eventTime =
        evn != null && evn.get(6) != null ? evn.get(6) : evn != null ? evn.get(2) : null;
    if (eventTime == null) {
      eventTime = message.msh().get(7);
    }
    String visit =
        pv1.get(19) != null
            ? "V:" + pv1.get(19)
            : pid != null && pid.get(18) != null ? "A:" + pid.get(18) : "T:" + pv1.get(44);
    String admit = pv1.get(44);
    String discharge = pv1.get(45);
    boolean cancelDischarge = "A13".equals(trigger);
    if ("A03".equals(trigger) && discharge == null) {
      discharge = eventTime;
    }
    if (cancelDischarge) {
      discharge = null;
    }

    ObjectNode stay =
        encounter(Hl7Context.id("hl7-enc", patientId, visit), patientId, lastUpdated, ctx);
    stay.put(
        "status",
        "A11".equals(trigger)
            ? "entered-in-error"
            : discharge != null ? "finished" : "in-progress");
    stay.putObject("class")
        .put("system", ACT_CODE)
        .put("code", encounterClass(pv1.get(2), trigger));
    period(stay, admit, discharge);
    out.add(stay, pv1, 19);

    ObjectNode icu =
        icuStay(
            trigger,
            pv1,
            Hl7Context.id("hl7-icu", patientId, visit),
            patientId,
            lastUpdated,
            admit,
            discharge,
            eventTime,
            ctx);
    out.add(icu, pv1, 3);
  }

  private static ObjectNode icuStay(
      String trigger,
      Seg pv1,
      String id,
      String patientId,
      String lastUpdated,
      String admit,
      String discharge,
      String eventTime,
      Hl7Context ctx) {
    String current = pv1.get(3);
    String prior = pv1.get(6);
    boolean inIcu = current != null && ctx.icu().isIntensiveCare(ctx.siteId(), locationId(current));
    boolean fromIcu = prior != null && ctx.icu().isIntensiveCare(ctx.siteId(), locationId(prior));
    JsonNode stored = ctx.latest("Encounter", id);
    boolean storedLive =
        stored != null
            && !Set.of("entered-in-error", "cancelled").contains(stored.path("status").asText());
    String storedStart = storedLive ? stored.path("period").path("start").asText(null) : null;
    String storedEnd = storedLive ? stored.path("period").path("end").asText(null) : null;
    String storedLocation =
        storedLive
            ? stored.path("location").path(0).path("location").path("display").asText(null)
            : null;

    if ("A11".equals(trigger)) {
      if (stored == null) {
        return null;
      }
      ObjectNode cancelled = stored.deepCopy();
      cancelled.put("status", "entered-in-error");
      meta(cancelled, lastUpdated);
      return cancelled;
    }
    String start;
    String end = null;
    String location;
    if (inIcu) {
      start =
          storedStart != null
              ? storedStart
              : Hl7Time.fhir(
                  "A01".equals(trigger) || "A04".equals(trigger)
                      ? (admit != null ? admit : eventTime)
                      : eventTime);
      end = Hl7Time.fhir(discharge);
      location = current;
    } else if ((fromIcu || (storedLive && storedEnd == null))
        && ("A02".equals(trigger) || "A03".equals(trigger))) {
      // leaving the unit: transferred out, or discharged from a ward after it
      start = storedStart;
      end =
          storedEnd != null
              ? storedEnd
              : Hl7Time.fhir("A03".equals(trigger) ? discharge : eventTime);
      location = storedLocation != null ? storedLocation : prior;
    } else if ("A13".equals(trigger) && storedLive && storedEnd != null) {
      start = storedStart; // the discharge that closed the stay is cancelled: open again
      location = storedLocation;
    } else {
      return null;
    }
    ObjectNode e = encounter(id, patientId, lastUpdated, ctx);
    e.put("status", end != null ? "finished" : "in-progress");
    e.putObject("class").put("system", ACT_CODE).put("code", "IMP");
    ObjectNode period = e.putObject("period");
    if (start != null) {
      period.put("start", start);
    }
    if (end != null) {
      period.put("end", end);
    }
    if (location != null) {
      e.putArray("location")
          .addObject()
          .putObject("location")
          .put("reference", "Location/" + locationId(location))
          .put("display", location);
    }
    return e;
  }

  private static ObjectNode encounter(
      String id, String patientId, String lastUpdated, Hl7Context ctx) {
    ObjectNode e = ctx.object();
    e.put("resourceType", "Encounter");
    e.put("id", id);
    meta(e, lastUpdated);
    e.putObject("subject").put("reference", "Patient/" + patientId);
    return e;
  }

  private static void meta(ObjectNode e, String lastUpdated) {
    if (lastUpdated != null) {
      e.putObject("meta").put("lastUpdated", lastUpdated);
    } else {
      e.remove("meta");
    }
  }

  private static void period(ObjectNode e, String start, String end) {
    String s = Hl7Time.fhir(start);
    String t = Hl7Time.fhir(end);
    if (s != null || t != null) {
      ObjectNode p = e.putObject("period");
      if (s != null) {
        p.put("start", s);
      }
      if (t != null) {
        p.put("end", t);
      }
    }
  }

  /** PV1-3.1 (point of care) as a FHIR Location id: characters outside [A-Za-z0-9-.] become '-'. */
  static String locationId(String pointOfCare) {
    String id = pointOfCare.trim().replaceAll("[^A-Za-z0-9.-]", "-");
    return id.length() > 64 ? id.substring(0, 64) : id;
  }

  /** PV1-2 (HL7 table 0004) as a v3 ActCode encounter class; admissions default to inpatient. */
  static String encounterClass(String patientClass, String trigger) {
    if (patientClass == null) {
      return "A04".equals(trigger) ? "AMB" : "IMP";
    }
    return switch (patientClass.toUpperCase(Locale.ROOT)) {
      case "I" -> "IMP";
      case "E" -> "EMER";
      case "O", "R", "B" -> "AMB";
      case "P" -> "PRENC";
      default -> "IMP";
    };
  }
}
