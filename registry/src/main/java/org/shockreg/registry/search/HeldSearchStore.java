package org.shockreg.registry.search;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The {@code fhir_search} table: searches with a next page, held as they were asked (request
 * parameters as a JSON object of arrays, never SQL and never results) until they expire.
 */
public final class HeldSearchStore {

  private static final Logger log = LoggerFactory.getLogger(HeldSearchStore.class);

  private final JdbcTemplate jdbc;
  private final ObjectMapper json;

  public HeldSearchStore(JdbcTemplate jdbc, ObjectMapper json) {
    this.jdbc = jdbc;
    this.json = json;
  }

  /**
   * Holds {@code asked} under {@code searchId} until {@code expiresAt}; false when its parameters
   * cannot be written.
   */
  public boolean hold(String searchId, AskedSearch asked, Instant expiresAt) {
    String parameters;
    try {
      parameters = json.writeValueAsString(parametersJson(asked.parameters()));
    } catch (JsonProcessingException e) {
      return false;
    }
    Timestamp expires = Timestamp.from(expiresAt);
    jdbc.execute(
        (Connection con) -> {
          boolean auto = con.getAutoCommit();
          con.setAutoCommit(false);
          try (Statement st = con.createStatement();
              PreparedStatement ps =
                  con.prepareStatement(
                      "INSERT INTO fhir_search (search_id, resource_type, operation, instance_id, parameters,"
                          + " principal, expires_at) VALUES (?, ?, ?, ?, ?::jsonb, ?, ?)")) {
            // a lost row only costs a 410 after a crash: no need to wait for the WAL flush
            st.execute("SET LOCAL synchronous_commit TO OFF");
            ps.setString(1, searchId);
            ps.setString(2, asked.resourceType());
            ps.setString(3, asked.operation());
            ps.setString(4, asked.instanceId());
            ps.setString(5, parameters);
            ps.setString(6, asked.principal());
            ps.setTimestamp(7, expires);
            ps.executeUpdate();
            con.commit();
          } catch (RuntimeException | SQLException e) {
            con.rollback();
            throw e;
          } finally {
            con.setAutoCommit(auto);
          }
          return null;
        });
    return true;
  }

  /**
   * A held search that has not expired, as it was asked, or null (also when its row is unreadable).
   */
  public AskedSearch find(String searchId) {
    List<AskedSearch> rows =
        jdbc.query(
            "SELECT resource_type, operation, instance_id, parameters::text, principal FROM fhir_search"
                + " WHERE search_id = ? AND expires_at > now()",
            (rs, n) -> {
              try {
                return new AskedSearch(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    parameters(rs.getString(4)),
                    rs.getString(5));
              } catch (JsonProcessingException | RuntimeException e) {
                log.warn("event=held_search_unreadable error={}", e.getClass().getSimpleName());
                return null;
              }
            },
            searchId);
    return rows.isEmpty() ? null : rows.get(0);
  }

  /** Deletes the searches that have expired; how many. */
  public int deleteExpired() {
    return jdbc.update("DELETE FROM fhir_search WHERE expires_at < now()");
  }

  private ObjectNode parametersJson(Map<String, String[]> parameters) {
    ObjectNode root = json.createObjectNode();
    parameters.forEach(
        (name, values) -> {
          ArrayNode arr = root.putArray(name);
          for (String v : values) {
            arr.add(v);
          }
        });
    return root;
  }

  private Map<String, String[]> parameters(String text) throws JsonProcessingException {
    JsonNode root = json.readTree(text);
    Map<String, String[]> out = new LinkedHashMap<>();
    root.fields()
        .forEachRemaining(
            e -> {
              List<String> values = new ArrayList<>();
              e.getValue().forEach(v -> values.add(v.asText()));
              out.put(e.getKey(), values.toArray(String[]::new));
            });
    return out;
  }
}
