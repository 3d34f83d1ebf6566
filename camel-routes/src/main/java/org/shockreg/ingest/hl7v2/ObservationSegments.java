package org.shockreg.ingest.hl7v2;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.shockreg.ingest.hl7v2.Hl7Message.Seg;

/**
 * OBX as FHIR Observations (ORU^R01, ORU^R30, OUL^R22): OBX-3 code, OBX-2/5 value, OBX-6 unit,
 * OBX-8 interpretation, OBX-11 status, OBX-14 else OBR-7 time. The source id is stable across
 * resends and corrections (order, code, sub-id and time), so a corrected result replaces the
 * preliminary or final one it corrects.
 */
final class ObservationSegments {

  private static final Pattern NUMBER = Pattern.compile("(<=|>=|<|>)?\\s*([+-]?\\d+(?:\\.\\d+)?)");
  private static final Map<String, String> SYSTEMS =
      Map.of(
          "LN", "http://loinc.org",
          "LOINC", "http://loinc.org",
          "SCT", "http://snomed.info/sct",
          "SNM", "http://snomed.info/sct",
          "SNM3", "http://snomed.info/sct",
          "SNOMED-CT", "http://snomed.info/sct",
          "UCUM", "http://unitsofmeasure.org");

  private ObservationSegments() {}

  /**
   * The Patient of each PID and an Observation per OBX, in message order: an ORU may carry several
   * patients (repeating PATIENT_RESULT groups), each OBX belongs to the PID before it.
   */
  static void observations(
      Hl7Message message, String lastUpdated, Hl7Context ctx, Hl7Conversion out) {
    Seg obr = null;
    Seg orc = null;
    String patientId = null;
    java.util.Set<String> patients = new java.util.HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (Seg s : message.segments()) {
      switch (s.name()) {
        case "PID" -> {
          ObjectNode patient = PatientSegment.patient(s, lastUpdated, ctx);
          patientId = patient == null ? null : patient.get("id").asText();
          obr = null;
          orc = null;
          if (patient != null && patients.add(patientId)) {
            out.add(patient, s, 3);
          }
        }
        case "ORC" -> orc = s;
        case "OBR" -> obr = s;
        case "OBX" -> out.add(observation(s, obr, orc, patientId, lastUpdated, ctx, seen), s, 5);
        default -> {}
      }
    }
  }

  private static ObjectNode observation(
      Seg obx,
      Seg obr,
      Seg orc,
      String patientId,
      String lastUpdated,
      Hl7Context ctx,
      Map<String, Integer> seen) {
    ObjectNode o = ctx.object();
    o.put("resourceType", "Observation");
    String order = order(obr, orc);
    String time = obx.get(14) != null ? obx.get(14) : obr != null ? obr.get(7) : null;
    String code = obx.get(3, 1);
    String system = obx.get(3, 3);
    String[] key = {order, system, code, obx.get(4), order == null ? patientId : null, time};
    String base = Hl7Context.id("hl7-obx", key);
    // the same test twice in one message without sub-id or time: each stays its own result
    int n = seen.merge(base, 1, Integer::sum);
    o.put("id", n == 1 ? base : Hl7Context.id("hl7-obx", base, Integer.toString(n)));
    if (lastUpdated != null) {
      o.putObject("meta").put("lastUpdated", lastUpdated);
    }
    o.put("status", status(obx.get(11)));
    ObjectNode concept = o.putObject("code");
    ArrayNode codings = concept.putArray("coding");
    coding(codings, obx.get(3, 1), obx.get(3, 2), obx.get(3, 3));
    coding(codings, obx.get(3, 4), obx.get(3, 5), obx.get(3, 6));
    if (obx.get(3, 2) != null) {
      concept.put("text", obx.get(3, 2));
    }
    if (patientId != null) {
      o.putObject("subject").put("reference", "Patient/" + patientId);
    }
    String effective = Hl7Time.fhir(time);
    if (effective != null) {
      o.put("effectiveDateTime", effective);
    }
    value(o, obx);
    String flag = obx.get(8);
    if (flag != null) {
      o.putArray("interpretation")
          .addObject()
          .putArray("coding")
          .addObject()
          .put("system", "http://terminology.hl7.org/CodeSystem/v2-0078")
          .put("code", flag);
    }
    return o;
  }

  /** The order a result belongs to: filler number, else placer number (OBR, else ORC). */
  private static String order(Seg obr, Seg orc) {
    for (Seg s : new Seg[] {obr, orc}) {
      if (s == null) {
        continue;
      }
      // OBR and ORC alike: field 3 filler, field 2 placer order number
      int filler = 3;
      int placer = 2;
      if (s.get(filler) != null) {
        return "F:" + s.get(filler) + "^" + s.get(filler, 2);
      }
      if (s.get(placer) != null) {
        return "P:" + s.get(placer) + "^" + s.get(placer, 2);
      }
    }
    return null;
  }

  private static void coding(ArrayNode codings, String code, String text, String system) {
    if (code == null) {
      return;
    }
    ObjectNode c = codings.addObject();
    if (system != null) {
      c.put("system", SYSTEMS.getOrDefault(system.toUpperCase(Locale.ROOT), system));
    }
    c.put("code", code);
    if (text != null) {
      c.put("display", text);
    }
  }

  /** OBX-11 (HL7 table 0085) as an Observation status. */
  static String status(String resultStatus) {
    if (resultStatus == null) {
      return "final"; // OBX-11 is required; senders that leave it out send final results
    }
    return switch (resultStatus.toUpperCase(Locale.ROOT)) {
      case "F", "U" -> "final";
      case "C" -> "corrected";
      case "A" -> "amended";
      case "P", "R", "S" -> "preliminary";
      case "I", "O" -> "registered";
      case "D", "W" -> "entered-in-error";
      case "X", "N" -> "cancelled";
      default -> "unknown";
    };
  }

  /** OBX-5 by OBX-2: NM and SN as quantities or ranges, anything else as text. */
  private static void value(ObjectNode o, Seg obx) {
    String type = obx.get(2) == null ? "ST" : obx.get(2).toUpperCase(Locale.ROOT);
    String first = obx.get(5);
    if (first == null && obx.get(5, 0, 2) == null && obx.get(5, 0, 4) == null) {
      return; // no value (an SN's comparator is often empty: its number is component 2)
    }
    switch (type) {
      case "NM" -> {
        Matcher m = NUMBER.matcher(first == null ? "" : first.trim());
        if (m.matches()) {
          quantity(o.putObject("valueQuantity"), m.group(2), m.group(1), obx);
        } else {
          o.put("valueString", first);
        }
      }
      case "SN" -> structuredNumeric(o, obx);
      case "TX", "FT", "ST" -> {
        StringBuilder text = new StringBuilder();
        for (int rep = 0; rep < obx.reps(5); rep++) {
          String part = obx.get(5, rep, 1);
          if (part != null) {
            text.append(text.length() == 0 ? "" : " ").append(part);
          }
        }
        o.put("valueString", text.toString());
      }
      default -> o.put("valueString", obx.get(5, 0, 2) != null ? obx.get(5, 0, 2) : first);
    }
  }

  /** SN: comparator ^ number ^ separator ^ number ({@code <^20}, {@code ^30^-^35}, {@code ^25}). */
  private static void structuredNumeric(ObjectNode o, Seg obx) {
    String comparator = obx.get(5, 0, 1);
    String n1 = obx.get(5, 0, 2);
    String separator = obx.get(5, 0, 3);
    String n2 = obx.get(5, 0, 4);
    if (n1 != null && n2 != null && "-".equals(separator) && isNumber(n1) && isNumber(n2)) {
      ObjectNode range = o.putObject("valueRange");
      quantity(range.putObject("low"), n1, null, obx);
      quantity(range.putObject("high"), n2, null, obx);
    } else if (n1 != null && isNumber(n1) && separator == null) {
      quantity(o.putObject("valueQuantity"), n1, comparator, obx);
    } else {
      o.put("valueString", String.join(" ", nonNull(comparator, n1, separator, n2)));
    }
  }

  private static String[] nonNull(String... parts) {
    return java.util.Arrays.stream(parts).filter(java.util.Objects::nonNull).toArray(String[]::new);
  }

  private static boolean isNumber(String s) {
    return s != null && s.trim().matches("[+-]?\\d+(?:\\.\\d+)?");
  }

  private static void quantity(ObjectNode q, String number, String comparator, Seg obx) {
    q.put("value", new BigDecimal(number.trim()));
    if (comparator != null && !comparator.equals("=")) {
      q.put("comparator", comparator);
    }
    String unit = obx.get(6, 1) != null ? obx.get(6, 1) : obx.get(6, 2);
    if (unit != null) {
      q.put("unit", unit);
      if ("UCUM".equalsIgnoreCase(obx.get(6, 3))) {
        q.put("system", "http://unitsofmeasure.org");
        q.put("code", obx.get(6, 1) != null ? obx.get(6, 1) : unit);
      }
    }
  }
}
