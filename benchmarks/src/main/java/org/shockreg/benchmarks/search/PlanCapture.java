package org.shockreg.benchmarks.search;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Where the database time goes: {@code pg_stat_statements} per statement over a phase, and the
 * actual plans (EXPLAIN ANALYZE, BUFFERS) of the statements the server runs for a query kind,
 * logged by {@code auto_explain} while it is switched on for that kind only. The plans are the
 * server's own statements with their real parameters, so they stay right when the SQL changes.
 */
final class PlanCapture {

  /** One statement's share of a phase. */
  record Statement(String query, long calls, double totalMillis, double meanMillis, long rows) {

    private static final java.util.regex.Pattern MAIN_FROM =
        java.util.regex.Pattern.compile(
            "FROM (curated_observation|patient|encounter|diagnosis|device_therapy|measurement|derived_fact)"
                + " (WHERE|ORDER)");

    /** The statement from its main FROM on (the column list is the same for every search). */
    String shortQuery(int max) {
      java.util.regex.Matcher m = MAIN_FROM.matcher(query);
      String q = m.find() ? "SELECT ... " + query.substring(m.start()) : query;
      return q.length() > max ? q.substring(0, max) + "..." : q;
    }
  }

  private final JdbcTemplate jdbc;
  private final Path logDir;

  PlanCapture(JdbcTemplate jdbc, Path logDir) {
    this.jdbc = jdbc;
    this.logDir = logDir;
  }

  void resetStatements() {
    jdbc.execute("SELECT pg_stat_statements_reset()");
  }

  /** The server's statements since the last reset, most total time first (Quartz left out). */
  List<Statement> statements() {
    return jdbc.query(
        "SELECT query, calls, total_exec_time, mean_exec_time, rows FROM pg_stat_statements"
            + " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
            + " AND query NOT ILIKE '%qrtz_%' AND query NOT ILIKE '%pg_stat_statements%'"
            + " ORDER BY total_exec_time DESC",
        (rs, i) ->
            new Statement(
                rs.getString(1).replaceAll("\\s+", " "),
                rs.getLong(2),
                rs.getDouble(3),
                rs.getDouble(4),
                rs.getLong(5)));
  }

  /** Turns auto_explain on (every statement, with ANALYZE and BUFFERS) or off, for all sessions. */
  void autoExplain(boolean on) throws InterruptedException {
    if (on) {
      jdbc.execute("ALTER SYSTEM SET auto_explain.log_min_duration = 0");
      jdbc.execute("ALTER SYSTEM SET auto_explain.log_analyze = on");
      jdbc.execute("ALTER SYSTEM SET auto_explain.log_buffers = on");
      jdbc.execute("ALTER SYSTEM SET auto_explain.log_timing = on");
    } else {
      jdbc.execute("ALTER SYSTEM RESET auto_explain.log_min_duration");
      jdbc.execute("ALTER SYSTEM RESET auto_explain.log_analyze");
      jdbc.execute("ALTER SYSTEM RESET auto_explain.log_buffers");
      jdbc.execute("ALTER SYSTEM RESET auto_explain.log_timing");
    }
    jdbc.execute("SELECT pg_reload_conf()");
    Thread.sleep(500); // backends apply the reload between statements
  }

  /** Where the current log file ends (a mark for {@link #plansSince}). */
  long[] mark() throws IOException, InterruptedException {
    Thread.sleep(300); // earlier entries reach the file first
    Optional<Path> f = currentLog();
    return new long[] {
      f.isPresent() ? Files.size(f.get()) : 0, f.isPresent() ? f.get().hashCode() : 0
    };
  }

  /** The auto_explain entries logged since the mark, Quartz's own statements left out. */
  List<String> plansSince(long[] mark) throws IOException, InterruptedException {
    Thread.sleep(300); // the log collector writes asynchronously
    Optional<Path> f = currentLog();
    if (f.isEmpty()) {
      return List.of();
    }
    long from = f.get().hashCode() == mark[1] ? mark[0] : 0;
    String text;
    try (RandomAccessFile raf = new RandomAccessFile(f.get().toFile(), "r")) {
      raf.seek(from);
      byte[] b = new byte[(int) (raf.length() - from)];
      raf.readFully(b);
      text = new String(b, StandardCharsets.UTF_8);
    }
    List<String> plans = new ArrayList<>();
    for (String entry : text.split("(?m)^@@")) {
      if (!entry.contains("plan:") || entry.toLowerCase(Locale.ROOT).contains("qrtz_")) {
        continue;
      }
      int at = entry.indexOf("duration:");
      plans.add(entry.substring(Math.max(0, at)).stripTrailing());
    }
    return plans;
  }

  private Optional<Path> currentLog() throws IOException {
    try (Stream<Path> files = Files.list(logDir)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".log"))
          .max(Comparator.comparingLong(p -> p.toFile().lastModified()));
    }
  }
}
