package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.shockreg.server.fhir.SearchReplay.AskedSearch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.shockreg.server.security.ShockRegPrincipal;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Searches held in PostgreSQL (table {@code fhir_search}) so next links survive a restart and
 * work on any instance over the same database. What is held is the search as it was asked: its
 * resource type, operation ({@code $everything}) and instance, its request parameters, and the
 * principal that asked, never SQL and never results. A next link that is not in memory re-runs the
 * held parameters through HAPI's parameter parsing and the provider ({@link SearchReplay}), exactly
 * as a new request would be; the cursor travels in the link. Rows expire after the search TTL.
 */
final class HeldSearches {

  private static final Logger log = LoggerFactory.getLogger(HeldSearches.class);
  private static final long CLEANUP_EVERY_MS = Duration.ofMinutes(5).toMillis();

  /** Paging parameters of the next link itself, and the total (counted once, on the first page). */
  private static final Set<String> NOT_HELD = Set.of("_getpages", "_pageId", "_total");

  private final JdbcTemplate jdbc;
  private final ObjectMapper json;
  private final Duration ttl;
  private final AtomicLong lastCleanup = new AtomicLong();

  HeldSearches(JdbcTemplate jdbc, ObjectMapper json, Duration ttl) {
    this.jdbc = jdbc;
    this.json = json;
    this.ttl = ttl;
  }

  /** Holds the search {@code request} asked for; false when it cannot be held here (memory only). */
  boolean save(String searchId, RequestDetails request) {
    AskedSearch asked = asked(request);
    if (asked == null) {
      return false;
    }
    String parameters;
    try {
      parameters = json.writeValueAsString(parametersJson(asked.parameters()));
    } catch (JsonProcessingException e) {
      return false;
    }
    Timestamp expires = Timestamp.from(Instant.now().plus(ttl));
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
            ps.setString(6, principal(request));
            ps.setTimestamp(7, expires);
            ps.executeUpdate();
            con.commit();
          } catch (RuntimeException | java.sql.SQLException e) {
            con.rollback();
            throw e;
          } finally {
            con.setAutoCommit(auto);
          }
          return null;
        });
    long now = System.currentTimeMillis();
    long last = lastCleanup.get();
    if (now - last > CLEANUP_EVERY_MS && lastCleanup.compareAndSet(last, now)) {
      int deleted = jdbc.update("DELETE FROM fhir_search WHERE expires_at < now()");
      log.debug("event=held_searches_expired deleted={}", deleted);
    }
    return true;
  }

  /** A held search that has not expired, as it was asked, or null. */
  AskedSearch load(String searchId) {
    List<AskedSearch> rows =
        jdbc.query(
            "SELECT resource_type, operation, instance_id, parameters::text, principal FROM fhir_search"
                + " WHERE search_id = ? AND expires_at > now()",
            (rs, n) -> {
              try {
                return new AskedSearch(
                    rs.getString(1), rs.getString(2), rs.getString(3), parameters(rs.getString(4)), rs.getString(5));
              } catch (JsonProcessingException | RuntimeException e) {
                log.warn("event=held_search_unreadable error={}", e.getClass().getSimpleName());
                return null;
              }
            },
            searchId);
    return rows.isEmpty() ? null : rows.get(0);
  }

  /** The search a request asked for: a type search or an instance operation such as $everything. */
  static AskedSearch asked(RequestDetails request) {
    if (request == null || request.getResourceName() == null || request.getCompartmentName() != null) {
      return null; // not a search this server re-runs by parameters: held in memory only
    }
    String operation = request.getOperation();
    String instance = request.getId() == null ? null : request.getId().getIdPart();
    if (operation == null && instance != null) {
      return null;
    }
    Map<String, String[]> parameters = new LinkedHashMap<>();
    request.getParameters().forEach((k, v) -> {
      if (!NOT_HELD.contains(k)) {
        parameters.put(k, v.clone());
      }
    });
    return new AskedSearch(request.getResourceName(), operation, instance, parameters, principal(request));
  }

  /** Who asked ({@link ShockRegPrincipal#id()}), or null outside an authenticated request. */
  static String principal(RequestDetails request) {
    return ShockRegPrincipal.of(request).map(ShockRegPrincipal::id).orElse(null);
  }

  private ObjectNode parametersJson(Map<String, String[]> parameters) {
    ObjectNode root = json.createObjectNode();
    parameters.forEach((name, values) -> {
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
    root.fields().forEachRemaining(e -> {
      List<String> values = new ArrayList<>();
      e.getValue().forEach(v -> values.add(v.asText()));
      out.put(e.getKey(), values.toArray(String[]::new));
    });
    return out;
  }
}
