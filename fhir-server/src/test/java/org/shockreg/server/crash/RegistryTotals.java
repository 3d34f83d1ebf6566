package org.shockreg.server.crash;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.shockreg.registry.db.CrashProcesses;

/**
 * What a registry holds after an ingest, in a form two runs can be compared by: FHIR {@code
 * _summary=count} totals per curated type, and per registry table its row count and an MD5 over its
 * rows (as JSON, sorted), leaving out what legitimately differs between two runs of the same data
 * (surrogate keys, raw ids, wall-clock times, seen counters). Curated ids are HMAC pseudonyms,
 * equal across runs given the same key.
 */
public final class RegistryTotals {

  static final List<String> FHIR_TYPES =
      List.of("Patient", "Encounter", "Condition", "Observation", "Procedure", "ResearchSubject");

  /** Registry tables whose content must survive a crash and a re-post unchanged. */
  static final List<String> TABLES =
      List.of(
          "site",
          "raw_resource",
          "source_resource_head",
          "patient",
          "patient_source_link",
          "encounter",
          "shock_episode",
          "measurement",
          "device_therapy",
          "device_removal",
          "diagnosis",
          "derived_fact",
          "research_subject",
          "randomization",
          "unmapped_code",
          "curated_deletion",
          "dead_letter");

  /** Columns that differ between two runs of the same data without the data differing. */
  static final List<String> VOLATILE =
      List.of(
          "row_id",
          "raw_id",
          "deletion_id",
          "dead_letter_id",
          "last_updated",
          "computed_at",
          "received_at",
          "created_at",
          "deleted_at",
          "replayed_at",
          "last_seen",
          "first_seen",
          "seen_count");

  private RegistryTotals() {}

  /**
   * key -> value, in a fixed order. Each table's rows also go to {@code rowsDir/<table>.txt} (one
   * line per row: its MD5, a tab, its first 400 characters), so a mismatch can be shown row by row.
   */
  public static Map<String, String> snapshot(RegistryServer server, Path pgData, Path rowsDir)
      throws Exception {
    Map<String, String> totals = new LinkedHashMap<>();
    ObjectMapper json = new ObjectMapper();
    for (String type : FHIR_TYPES) {
      HttpResponse<String> r = server.get("/fhir/" + type + "?_summary=count");
      if (r.statusCode() != 200) {
        throw new IllegalStateException(
            "GET /fhir/" + type + "?_summary=count: " + r.statusCode() + " " + r.body());
      }
      totals.put("fhir " + type + " total", json.readTree(r.body()).path("total").asText());
    }
    int port =
        CrashProcesses.readPostmasterPort(pgData)
            .orElseThrow(
                () -> new IllegalStateException("no port in " + pgData.resolve("postmaster.pid")));
    String volatileColumns = "ARRAY['" + String.join("','", VOLATILE) + "']";
    Files.createDirectories(rowsDir);
    try (Connection c =
        DriverManager.getConnection(
            "jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "")) {
      c.setAutoCommit(false); // a cursor, not the whole table in memory
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ); // one snapshot
      try (Statement st = c.createStatement()) {
        st.setFetchSize(2000);
        for (String table : TABLES) {
          MessageDigest all = MessageDigest.getInstance("MD5");
          long n = 0;
          try (ResultSet rs =
                  st.executeQuery(
                      "SELECT (to_jsonb(t) - "
                          + volatileColumns
                          + ")::text AS r FROM "
                          + table
                          + " t ORDER BY 1");
              BufferedWriter out = Files.newBufferedWriter(rowsDir.resolve(table + ".txt"))) {
            while (rs.next()) {
              byte[] row = rs.getString(1).getBytes(StandardCharsets.UTF_8);
              if (n > 0) {
                all.update((byte) '\n');
              }
              all.update(row);
              String text = rs.getString(1);
              out.write(hex(MessageDigest.getInstance("MD5").digest(row)));
              out.write('\t');
              out.write(text.length() <= 400 ? text : text.substring(0, 400) + "...");
              out.newLine();
              n++;
            }
          }
          totals.put("sql " + table + " rows", Long.toString(n));
          totals.put("sql " + table + " md5", hex(all.digest()));
        }
        try (ResultSet rs =
            st.executeQuery("SELECT count(*) FROM dead_letter WHERE status = 'open'")) {
          rs.next();
          totals.put("sql dead letters open", Long.toString(rs.getLong(1)));
        }
      }
      c.commit();
    }
    return totals;
  }

  /** The single number {@code sql} returns, from the registry on {@code pgData}. */
  public static long count(Path pgData, String sql) throws Exception {
    int port = CrashProcesses.readPostmasterPort(pgData).orElseThrow();
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** One line per key whose values differ, "key: expected -> actual"; empty when equal. */
  public static List<String> diff(Map<String, String> expected, Map<String, String> actual) {
    List<String> lines = new ArrayList<>();
    TreeSet<String> keys = new TreeSet<>(expected.keySet());
    keys.addAll(actual.keySet());
    for (String k : keys) {
      String e = expected.get(k);
      String a = actual.get(k);
      if (e == null ? a != null : !e.equals(a)) {
        lines.add(k + ": " + e + " -> " + a);
      }
    }
    return lines;
  }

  /**
   * For a table whose checksum differs: up to {@code limit} rows only the expected side has and up
   * to {@code limit} only the actual side has (a multiset difference: duplicates count).
   */
  public static List<String> rowDiff(Path expectedRows, Path actualRows, String table, int limit)
      throws IOException {
    Map<String, List<String>> expected = byHash(expectedRows.resolve(table + ".txt"));
    Map<String, List<String>> actual = byHash(actualRows.resolve(table + ".txt"));
    List<String> lines = new ArrayList<>();
    lines.addAll(oneSide("  only in the crash-free run: ", expected, actual, limit));
    lines.addAll(oneSide("  only in the crash run:      ", actual, expected, limit));
    return lines;
  }

  private static List<String> oneSide(
      String prefix, Map<String, List<String>> mine, Map<String, List<String>> other, int limit) {
    List<String> out = new ArrayList<>();
    int more = 0;
    for (Map.Entry<String, List<String>> e : mine.entrySet()) {
      int extra = e.getValue().size() - other.getOrDefault(e.getKey(), List.of()).size();
      for (int i = 0; i < extra; i++) {
        if (out.size() < limit) {
          out.add(prefix + e.getValue().get(0));
        } else {
          more++;
        }
      }
    }
    if (more > 0) {
      out.add(prefix + "... and " + more + " more");
    }
    return out;
  }

  private static Map<String, List<String>> byHash(Path file) throws IOException {
    Map<String, List<String>> rows = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return rows;
    }
    try (BufferedReader in = Files.newBufferedReader(file)) {
      String line;
      while ((line = in.readLine()) != null) {
        int tab = line.indexOf('\t');
        rows.computeIfAbsent(line.substring(0, tab), k -> new ArrayList<>())
            .add(line.substring(tab + 1));
      }
    }
    return rows;
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return sb.toString();
  }
}
