package org.shockreg.ingest.hl7v2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import org.shockreg.ingest.hl7v2.Hl7Message.Seg;

/**
 * PID as a FHIR Patient: identifiers from PID-3 (system from the assigning authority, per site),
 * sex, birth date, death (PID-29/30). No name or address: the registry keeps none of them.
 */
final class PatientSegment {

  private PatientSegment() {}

  /** The Patient of this PID, or null when PID-3 holds no identifier. */
  static ObjectNode patient(Seg pid, String lastUpdated, Hl7Context ctx) {
    ArrayNode identifiers = ctx.json().createArrayNode();
    String keySystem = null;
    String keyValue = null;
    String keyType = null;
    // PID-3, else (v2.3 senders) the external id PID-2
    int field = pid.get(3) != null ? 3 : 2;
    for (int rep = 0; rep < pid.reps(field); rep++) {
      String value = pid.get(field, rep, 1);
      if (value == null) {
        continue;
      }
      String system = system(pid, field, rep, ctx);
      String type = pid.get(field, rep, 5);
      ObjectNode id = identifiers.addObject();
      if (type != null) {
        id.putObject("type")
            .putArray("coding")
            .addObject()
            .put("system", "http://terminology.hl7.org/CodeSystem/v2-0203")
            .put("code", type);
      }
      if (system != null) {
        id.put("system", system);
      }
      id.put("value", value);
      // the record number names the source patient, else the first identifier
      if (keyValue == null || ("MR".equals(type) && !"MR".equals(keyType))) {
        keySystem = system;
        keyValue = value;
        keyType = type;
      }
    }
    if (keyValue == null) {
      return null;
    }
    ObjectNode p = ctx.object();
    p.put("resourceType", "Patient");
    p.put("id", Hl7Context.id("hl7-pat", keySystem, keyValue));
    if (lastUpdated != null) {
      p.putObject("meta").put("lastUpdated", lastUpdated);
    }
    p.set("identifier", identifiers);
    String sex = gender(pid.get(8));
    if (sex != null) {
      p.put("gender", sex);
    }
    String birth = Hl7Time.date(pid.get(7));
    if (birth != null) {
      p.put("birthDate", birth);
    }
    String deathTime = Hl7Time.fhir(pid.get(29));
    String deathFlag = pid.get(30);
    if (deathTime != null && !"N".equalsIgnoreCase(deathFlag)) {
      p.put("deceasedDateTime", deathTime);
    } else if ("Y".equalsIgnoreCase(deathFlag)) {
      p.put("deceasedBoolean", true);
    } else if ("N".equalsIgnoreCase(deathFlag)) {
      p.put("deceasedBoolean", false);
    } else {
      // A message that says nothing about death (a lab result) must not undo a recorded one.
      JsonNode stored = ctx.latest("Patient", p.get("id").asText());
      if (stored != null) {
        for (String death : new String[] {"deceasedDateTime", "deceasedBoolean"}) {
          if (stored.has(death)) {
            p.set(death, stored.get(death));
          }
        }
      }
    }
    return p;
  }

  /**
   * The identifier system of PID-3 (or PID-2) repetition {@code rep}: the site's configured system
   * for the assigning authority's namespace id, else its universal id ({@code urn:oid:} for ISO),
   * else the namespace id as sent.
   */
  static String system(Seg pid, int field, int rep, Hl7Context ctx) {
    String namespace = pid.get(field, rep, 4, 1);
    String universal = pid.get(field, rep, 4, 2);
    String universalType = pid.get(field, rep, 4, 3);
    if (namespace != null && ctx.identifierSystems().containsKey(namespace)) {
      return ctx.identifierSystems().get(namespace);
    }
    if (universal != null) {
      if (universal.contains(":")) {
        return universal;
      }
      if ("ISO".equalsIgnoreCase(universalType) || universal.matches("[0-2](\\.\\d+)+")) {
        return "urn:oid:" + universal;
      }
      if (ctx.identifierSystems().containsKey(universal)) {
        return ctx.identifierSystems().get(universal);
      }
    }
    return namespace != null ? namespace : universal;
  }

  /** PID-8 (HL7 table 0001) as a FHIR gender. */
  static String gender(String sex) {
    if (sex == null) {
      return null;
    }
    return switch (sex.toUpperCase(Locale.ROOT)) {
      case "M" -> "male";
      case "F" -> "female";
      case "O", "A", "X" -> "other";
      case "U", "N" -> "unknown";
      default -> null;
    };
  }
}
