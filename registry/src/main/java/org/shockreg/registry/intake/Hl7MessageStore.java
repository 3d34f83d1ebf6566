package org.shockreg.registry.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The HL7 v2 messages taken in ({@code hl7v2_message}): the resend check by (facility, MSH-10), the
 * frames as received with their decoded text, and what {@code /admin/sources} shows.
 */
public class Hl7MessageStore {

  /** The intake channel of HL7 v2 over MLLP (raw store, dead letters). */
  public static final String CHANNEL = "mllp";

  /** The origin of MLLP dead letters: {@code mllp:<facility>}. */
  public static final String ORIGIN_PREFIX = "mllp:";

  private final JdbcTemplate jdbc;
  private final ObjectMapper json;

  public Hl7MessageStore(JdbcTemplate jdbc, ObjectMapper json) {
    this.jdbc = jdbc;
    this.json = json;
  }

  /** A message taken in before: the ACK code and text it was answered with. */
  public record Previous(String ackCode, String ack) {}

  public Previous previous(String facility, String controlId) {
    List<Previous> rows =
        jdbc.query(
            "SELECT ack_code, ack FROM hl7v2_message WHERE facility = ? AND control_id = ?",
            (rs, i) -> new Previous(rs.getString(1), rs.getString(2)),
            facility,
            controlId);
    return rows.isEmpty() ? null : rows.get(0);
  }

  /**
   * Records a message taken in; false when a concurrent copy of it was recorded first. A replay
   * replaces the record of the first attempt (its ACK is what a resend gets from now on).
   */
  public boolean record(
      String facility,
      String controlId,
      String siteId,
      String messageType,
      String charset,
      String ackCode,
      String ack,
      String report,
      byte[] raw,
      String decoded,
      boolean replay) {
    return jdbc.update(
            "INSERT INTO hl7v2_message (facility, control_id, site_id, message_type, charset, ack_code, ack,"
                + " report, raw, decoded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO "
                + (replay
                    ? "UPDATE SET ack_code = EXCLUDED.ack_code, ack = EXCLUDED.ack, report = EXCLUDED.report,"
                        + " site_id = EXCLUDED.site_id"
                    : "NOTHING"),
            facility,
            controlId,
            siteId,
            messageType,
            charset,
            ackCode,
            ack,
            report,
            raw,
            decoded.replace('\u0000', '\uFFFD'))
        == 1;
  }

  /** The registry's latest version of a source resource (its raw FHIR JSON), or null. */
  public JsonNode latest(String siteId, String resourceType, String resourceId) {
    List<String> rows =
        jdbc.queryForList(
            "SELECT r.content::text FROM source_resource_head h JOIN raw_resource r ON r.raw_id = h.raw_id"
                + " WHERE h.site_id = ? AND h.resource_type = ? AND h.resource_id = ?",
            String.class,
            siteId,
            resourceType,
            resourceId);
    if (rows.isEmpty()) {
      return null;
    }
    try {
      return json.readTree(rows.get(0));
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /**
   * One row per sending facility: its source id, messages accepted (AA), with errors (AE), rejected
   * (AR, from the dead-letter store) and the last message's time.
   */
  public List<Map<String, Object>> sources(Map<String, String> configured) {
    Map<String, Map<String, Object>> byFacility = new LinkedHashMap<>();
    configured.forEach((facility, site) -> row(byFacility, facility).put("sourceId", site));
    jdbc.query(
        "SELECT facility, site_id, count(*) FILTER (WHERE ack_code = 'AA'),"
            + " count(*) FILTER (WHERE ack_code = 'AE'), max(received_at)"
            + " FROM hl7v2_message GROUP BY facility, site_id ORDER BY facility",
        rs -> {
          Map<String, Object> r = row(byFacility, rs.getString(1));
          r.put("sourceId", rs.getString(2));
          r.put("accepted", rs.getLong(3));
          r.put("errors", rs.getLong(4));
          later(r, rs.getTimestamp(5));
        });
    jdbc.query(
        "SELECT substr(origin, length(?) + 1), count(*), max(received_at) FROM dead_letter"
            + " WHERE channel = ? AND reason_code LIKE 'hl7v2-ar-%' AND origin LIKE ? GROUP BY origin",
        rs -> {
          Map<String, Object> r = row(byFacility, rs.getString(1));
          r.put("rejected", rs.getLong(2));
          later(r, rs.getTimestamp(3));
        },
        ORIGIN_PREFIX,
        CHANNEL,
        ORIGIN_PREFIX + "%");
    return new ArrayList<>(byFacility.values());
  }

  private static Map<String, Object> row(Map<String, Map<String, Object>> rows, String facility) {
    return rows.computeIfAbsent(
        facility,
        f -> {
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("id", f);
          r.put("type", "mllp");
          r.put("facility", f);
          r.put("sourceId", null);
          r.put("accepted", 0L);
          r.put("errors", 0L);
          r.put("rejected", 0L);
          r.put("lastMessageAt", null);
          return r;
        });
  }

  private static void later(Map<String, Object> r, Timestamp t) {
    if (t == null) {
      return;
    }
    Instant at = t.toInstant();
    Instant known = (Instant) r.get("lastMessageAt");
    if (known == null || at.isAfter(known)) {
      r.put("lastMessageAt", at);
    }
  }
}
