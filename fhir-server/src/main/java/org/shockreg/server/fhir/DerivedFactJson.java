package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.JsonText.*;
import static org.shockreg.server.fhir.RegistryCodeSystems.*;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * The stored JSON of a derived fact (evidence, eligibility detail) written as the Observation's
 * {@code derivedFrom} and {@code component}, for {@link CuratedJsonWriter}: the members {@link
 * CuratedResourceMapper} reads, read token by token rather than bound to lists and maps.
 */
final class DerivedFactJson {

  private final ObjectMapper json;
  private final List<String> evidence = new ArrayList<>();

  DerivedFactJson(ObjectMapper json) {
    this.json = json;
  }

  /** The stored evidence (a JSON array of references), read token by token. */
  void derivedFrom(StringBuilder out, String evidence) throws NotCovered {
    if (evidence == null) {
      return;
    }
    try (JsonParser p = json.getFactory().createParser(evidence)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw NOT_COVERED;
      }
      JsonToken t = p.nextToken();
      if (t == JsonToken.END_ARRAY) {
        return;
      }
      out.append(",\"derivedFrom\":[");
      for (boolean first = true; t != JsonToken.END_ARRAY; t = p.nextToken(), first = false) {
        if (t != JsonToken.VALUE_STRING) {
          throw NOT_COVERED; // nulls and numbers: the mapper's business
        }
        if (!first) {
          out.append(',');
        }
        reference(out, "", p.getText());
      }
      out.append(']');
      if (p.nextToken() != null) {
        throw NOT_COVERED;
      }
    } catch (IOException e) {
      throw NOT_COVERED;
    }
  }

  /**
   * Eligibility criteria, as {@code CuratedResourceMapper.components} reads them (a JSON array of
   * objects; of each: key, status, or the window start and end, and evidence), read token by token:
   * binding each detail to maps cost more than the rest of the row. As with a map, the last of a
   * repeated member counts; members of another type than the mapper casts to are not covered.
   */
  void components(StringBuilder out, String detail) throws NotCovered {
    try (JsonParser p = json.getFactory().createParser(detail)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw NOT_COVERED;
      }
      boolean first = true;
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        if (t != JsonToken.START_OBJECT) {
          throw NOT_COVERED;
        }
        String key = null;
        String status = null;
        String start = null;
        String end = null;
        boolean hasEvidence = false;
        evidence.clear();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken value = p.nextToken();
          switch (name) {
            case "key" -> key = text(p, value);
            case "status" -> status = text(p, value);
            case "start" -> start = text(p, value);
            case "end" -> end = text(p, value);
            case "evidence" -> {
              evidence.clear();
              hasEvidence = value == JsonToken.START_ARRAY;
              if (hasEvidence) {
                for (JsonToken r = p.nextToken(); r != JsonToken.END_ARRAY; r = p.nextToken()) {
                  if (r != JsonToken.VALUE_STRING) {
                    throw NOT_COVERED;
                  }
                  evidence.add(p.getText());
                }
              } else {
                p.skipChildren(); // not a list: the mapper ignores it
              }
            }
            default -> p.skipChildren();
          }
        }
        out.append(first ? ",\"component\":[{" : ",{");
        first = false;
        if (hasEvidence && !evidence.isEmpty()) {
          out.append("\"extension\":[");
          for (int j = 0; j < evidence.size(); j++) {
            out.append(j > 0 ? ",{\"url\":\"" : "{\"url\":\"")
                .append(CRITERION_EVIDENCE)
                .append("\",\"valueReference\":");
            reference(out, "", evidence.get(j));
            out.append('}');
          }
          out.append("],");
        }
        out.append("\"code\":{\"coding\":[");
        coding(out, ELIGIBILITY_CRITERION, key, null);
        out.append("]}");
        if (status != null) {
          out.append(",\"valueCodeableConcept\":{\"coding\":[");
          coding(out, CRITERION_STATUS, status, null);
          out.append("]}");
        } else if (end != null) {
          out.append(",\"valuePeriod\":{\"start\":\"");
          instant(out, Timestamp.from(java.time.Instant.parse(start)));
          out.append("\",\"end\":\"");
          instant(out, Timestamp.from(java.time.Instant.parse(end)));
          out.append("\"}");
        }
        out.append('}');
      }
      if (!first) {
        out.append(']');
      }
      if (p.nextToken() != null) {
        throw NOT_COVERED;
      }
    } catch (IOException e) {
      throw NOT_COVERED;
    }
  }

  /** A string member, or null for JSON null; anything else is not covered (the mapper casts). */
  private static String text(JsonParser p, JsonToken value) throws IOException, NotCovered {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.VALUE_STRING) {
      throw NOT_COVERED;
    }
    return p.getText();
  }
}
