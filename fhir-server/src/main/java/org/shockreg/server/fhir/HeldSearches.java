package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.CONDITION_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.ENCOUNTER_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.OBSERVATION_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.PATIENT_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.PROCEDURE_COLUMNS;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
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
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.shockreg.server.fhir.SqlSearch.KeyType;
import org.shockreg.server.fhir.SqlSearch.SortKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;

/**
 * Compiled searches held in PostgreSQL (table {@code fhir_search}) so next links survive a
 * restart and work on any instance over the same database. What is held is the search (its SQL
 * clauses, bound parameter values, sort keys and include values), never its results; the cursor
 * travels in the link. Rows expire after the search TTL and are deleted now and then.
 */
final class HeldSearches {

  private static final Logger log = LoggerFactory.getLogger(HeldSearches.class);
  private static final long CLEANUP_EVERY_MS = Duration.ofMinutes(5).toMillis();

  private record Target(String table, String columns, RowMapper<? extends IBaseResource> mapper) {}

  private final JdbcTemplate jdbc;
  private final ObjectMapper json;
  private final RegistryReader reader;
  private final CuratedResourceMapper mapper;
  private final Duration ttl;
  private final Map<String, Target> targets = new LinkedHashMap<>();
  private final AtomicLong lastCleanup = new AtomicLong();

  HeldSearches(
      JdbcTemplate jdbc, ObjectMapper json, RegistryReader reader, CuratedResourceMapper mapper, Duration ttl) {
    this.jdbc = jdbc;
    this.json = json;
    this.reader = reader;
    this.mapper = mapper;
    this.ttl = ttl;
    targets.put("Patient", new Target("patient", PATIENT_COLUMNS, mapper.patient()));
    targets.put("Observation", new Target("curated_observation", OBSERVATION_COLUMNS, mapper.observation()));
    targets.put("Procedure", new Target("device_therapy", PROCEDURE_COLUMNS, mapper.procedure()));
    targets.put("Condition", new Target("diagnosis", CONDITION_COLUMNS, mapper.condition()));
    targets.put("Encounter", new Target("encounter", ENCOUNTER_COLUMNS, mapper.encounter()));
  }

  /** Holds a search; false when it cannot be held here (then it lives in memory only). */
  boolean save(String searchId, PagedQuery query) {
    String text = serialize(query);
    if (text == null) {
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
                      "INSERT INTO fhir_search (search_id, query, expires_at) VALUES (?, ?::jsonb, ?)")) {
            // a lost row only costs a 410 after a crash: no need to wait for the WAL flush
            st.execute("SET LOCAL synchronous_commit TO OFF");
            ps.setString(1, searchId);
            ps.setString(2, text);
            ps.setTimestamp(3, expires);
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

  /** A held search that has not expired, or null. */
  PagedQuery load(String searchId) {
    List<String> rows =
        jdbc.queryForList(
            "SELECT query::text FROM fhir_search WHERE search_id = ? AND expires_at > now()",
            String.class,
            searchId);
    return rows.isEmpty() ? null : deserialize(rows.get(0));
  }

  // ---- (de)serialization ----

  String serialize(PagedQuery query) {
    ObjectNode root = json.createObjectNode();
    root.put("v", 1);
    ArrayNode parts = root.putArray("parts");
    List<SqlSearch> searches;
    if (query instanceof SqlSearch s) {
      root.put("kind", "search");
      searches = List.of(s);
    } else if (query instanceof EverythingQuery e) {
      root.put("kind", "everything");
      searches = e.parts();
    } else {
      return null;
    }
    for (SqlSearch s : searches) {
      Target t = targets.get(s.resourceType());
      if (t == null || !t.table().equals(s.table()) || !s.includesByValue()) {
        return null;
      }
      ObjectNode part = parts.addObject();
      part.put("type", s.resourceType());
      ArrayNode where = part.putArray("where");
      s.whereClauses().forEach(where::add);
      ObjectNode params = part.putObject("params");
      for (Map.Entry<String, Object> p : s.params().getValues().entrySet()) {
        ObjectNode v = params.putObject(p.getKey());
        if (!value(v, p.getValue())) {
          return null;
        }
      }
      ArrayNode sort = part.putArray("sort");
      for (SortKey k : s.sortKeys()) {
        sort.addObject()
            .put("e", k.expression())
            .put("t", k.type().name())
            .put("d", k.descending())
            .put("n", k.nullable());
      }
      ArrayNode inc = part.putArray("include");
      s.includeValues().forEach(inc::add);
      ArrayNode rev = part.putArray("revinclude");
      s.revIncludeValues().forEach(rev::add);
    }
    try {
      return json.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private static boolean value(ObjectNode v, Object value) {
    if (value == null) {
      v.put("t", "null");
    } else if (value instanceof String s) {
      v.put("t", "s").put("v", s);
    } else if (value instanceof String[] a) {
      v.put("t", "sa");
      ArrayNode arr = v.putArray("v");
      for (String s : a) {
        arr.add(s);
      }
    } else if (value instanceof Timestamp ts) {
      v.put("t", "ts").put("v", ts.toInstant().toString());
    } else if (value instanceof BigDecimal b) {
      v.put("t", "n").put("v", b.toPlainString());
    } else if (value instanceof Integer i) {
      v.put("t", "i").put("v", i);
    } else if (value instanceof Long l) {
      v.put("t", "l").put("v", l);
    } else if (value instanceof Boolean b) {
      v.put("t", "b").put("v", b);
    } else {
      return false;
    }
    return true;
  }

  PagedQuery deserialize(String text) {
    try {
      JsonNode root = json.readTree(text);
      List<SqlSearch> searches = new ArrayList<>();
      CuratedIncludes includes = new CuratedIncludes(reader, mapper);
      for (JsonNode part : root.get("parts")) {
        String type = part.get("type").asText();
        Target t = targets.get(type);
        SqlSearch s = new SqlSearch(type, t.table(), t.columns(), t.mapper());
        List<String> where = new ArrayList<>();
        part.get("where").forEach(w -> where.add(w.asText()));
        Map<String, Object> values = new LinkedHashMap<>();
        part.get("params").fields().forEachRemaining(e -> values.put(e.getKey(), value(e.getValue())));
        List<SortKey> sort = new ArrayList<>();
        for (JsonNode k : part.get("sort")) {
          sort.add(
              new SortKey(
                  k.get("e").asText(), KeyType.valueOf(k.get("t").asText()), k.get("d").asBoolean(),
                  k.get("n").asBoolean()));
        }
        s.restore(where, values, sort);
        List<String> inc = new ArrayList<>();
        part.get("include").forEach(i -> inc.add(i.asText()));
        List<String> rev = new ArrayList<>();
        part.get("revinclude").forEach(i -> rev.add(i.asText()));
        s.includes(includes, inc, rev);
        searches.add(s);
      }
      return "everything".equals(root.get("kind").asText()) ? new EverythingQuery(searches) : searches.get(0);
    } catch (JsonProcessingException | RuntimeException e) {
      log.warn("event=held_search_unreadable error={}", e.getClass().getSimpleName());
      return null;
    }
  }

  private static Object value(JsonNode v) {
    JsonNode x = v.get("v");
    return switch (v.get("t").asText()) {
      case "null" -> null;
      case "s" -> x.asText();
      case "sa" -> {
        List<String> out = new ArrayList<>();
        x.forEach(e -> out.add(e.asText()));
        yield out.toArray(String[]::new);
      }
      case "ts" -> Timestamp.from(Instant.parse(x.asText()));
      case "n" -> new BigDecimal(x.asText());
      case "i" -> x.asInt();
      case "l" -> x.asLong();
      case "b" -> x.asBoolean();
      default -> throw new IllegalArgumentException("parameter type");
    };
  }
}
