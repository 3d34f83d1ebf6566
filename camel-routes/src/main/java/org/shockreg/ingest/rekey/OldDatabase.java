package org.shockreg.ingest.rekey;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.shockreg.ingest.pull.LoggedUrl;

/**
 * The old registry database of a re-keying job, read only, in one repeatable-read snapshot: its key
 * fingerprint, its sites, each site's head source resources in arrival order and the API
 * randomizations with the source patient they were recorded for. Only PostgreSQL URLs with harmless
 * parameters are accepted: the driver can be told to load classes by URL parameters (socketFactory,
 * sslfactory ...), and an admin endpoint must not become a way to do that.
 */
final class OldDatabase implements AutoCloseable {

  static final String FINGERPRINT_SETTING = "pseudonym-key-fingerprint";
  private static final String PREFIX = "jdbc:postgresql://";
  private static final Set<String> ALLOWED_PARAMETERS =
      Set.of(
          "ssl",
          "sslmode",
          "sslrootcert",
          "sslcert",
          "sslkey",
          "connecttimeout",
          "sockettimeout",
          "logintimeout",
          "currentschema",
          "applicationname",
          "rewritebatchedinserts",
          "targetservertype",
          "gssencmode",
          "tcpkeepalive");

  /** A site of the old database: its head source resources and curated patients. */
  record Site(String siteId, long heads, long patients) {}

  /** An API randomization (no source resource) and the source patient it was recorded for. */
  record ApiRandomization(
      String studyId, String siteId, String sourcePatientId, String arm, Instant randomizedAt) {}

  private final Connection connection;

  private OldDatabase(Connection connection) {
    this.connection = connection;
  }

  /** Connects read-only; a refusal names the problem, never the password. */
  static OldDatabase open(RekeyProperties.Source source) {
    check(source);
    Properties props = new Properties();
    props.setProperty("user", source.username());
    if (source.password() != null) {
      props.setProperty("password", source.password());
    }
    props.setProperty("readOnly", "true");
    props.setProperty("ApplicationName", "shockreg-rekey");
    if (!source.url().toLowerCase(java.util.Locale.ROOT).contains("connecttimeout=")) {
      props.setProperty("connectTimeout", "10");
    }
    try {
      Connection c = new org.postgresql.Driver().connect(source.url(), props);
      if (c == null) {
        throw new RekeyRefused(
            false, "source", "not a PostgreSQL JDBC url: " + loggedUrl(source.url()));
      }
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      return new OldDatabase(c);
    } catch (SQLException e) {
      throw new RekeyRefused(
          false,
          "source",
          "cannot connect to the old database " + loggedUrl(source.url()) + ": " + brief(e));
    }
  }

  /** A url as it may be logged and reported: no parameters, no user info. */
  static String loggedUrl(String url) {
    if (url == null) {
      return null;
    }
    return url.startsWith("jdbc:") ? "jdbc:" + LoggedUrl.of(url.substring(5)) : LoggedUrl.of(url);
  }

  private static void check(RekeyProperties.Source source) {
    if (source == null || source.url() == null || source.url().isBlank()) {
      throw new RekeyRefused(
          false,
          "source",
          "no old database given: set shockreg.rekey.source.url (or \"url\" in the request body)");
    }
    if (source.username() == null || source.username().isBlank()) {
      throw new RekeyRefused(
          false, "source", "no username for the old database (shockreg.rekey.source.username)");
    }
    String url = source.url().trim();
    if (!url.startsWith(PREFIX) || url.length() == PREFIX.length()) {
      throw new RekeyRefused(
          false, "source", "the old database must be a jdbc:postgresql://host:port/database url");
    }
    int q = url.indexOf('?');
    if (q >= 0) {
      for (String part : url.substring(q + 1).split("&")) {
        String name = part.contains("=") ? part.substring(0, part.indexOf('=')) : part;
        if (!name.isEmpty()
            && !ALLOWED_PARAMETERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
          throw new RekeyRefused(
              false,
              "source",
              "url parameter '"
                  + name
                  + "' is not accepted here (user and password go in their own settings;"
                  + " allowed: "
                  + String.join(", ", new java.util.TreeSet<>(ALLOWED_PARAMETERS))
                  + ")");
        }
      }
    }
  }

  /** The fingerprint of the key the old database was curated with, or null when it has none. */
  String fingerprint() {
    try (PreparedStatement ps =
        connection.prepareStatement("SELECT value FROM registry_setting WHERE name = ?")) {
      ps.setString(1, FINGERPRINT_SETTING);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        rollback();
        return null; // not a registry database of this version
      }
      throw new RekeyRefused(false, "source", "cannot read the old database: " + brief(e));
    }
  }

  List<Site> sites() throws SQLException {
    List<Site> out = new ArrayList<>();
    try (Statement st = connection.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT s.site_id,"
                    + " (SELECT count(*) FROM source_resource_head h WHERE h.site_id = s.site_id),"
                    + " (SELECT count(*) FROM patient p WHERE p.site_id = s.site_id)"
                    + " FROM site s ORDER BY s.site_id")) {
      while (rs.next()) {
        out.add(new Site(rs.getString(1), rs.getLong(2), rs.getLong(3)));
      }
    }
    return out;
  }

  /**
   * Streams a site's head source resources (their stored JSON) in arrival order, {@code pageSize}
   * at a time; a page is handed over before the next one is read.
   */
  void heads(String siteId, int pageSize, Consumer<List<String>> page) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT r.content::text FROM source_resource_head h JOIN raw_resource r ON r.raw_id = h.raw_id"
                + " WHERE h.site_id = ? ORDER BY r.raw_id")) {
      ps.setFetchSize(pageSize);
      ps.setString(1, siteId);
      try (ResultSet rs = ps.executeQuery()) {
        List<String> batch = new ArrayList<>(pageSize);
        while (rs.next()) {
          batch.add(rs.getString(1));
          if (batch.size() >= pageSize) {
            page.accept(batch);
            batch = new ArrayList<>(pageSize);
          }
        }
        if (!batch.isEmpty()) {
          page.accept(batch);
        }
      }
    }
  }

  /**
   * The randomizations recorded through the API (no source resource), oldest first, each with one
   * source patient of its patient (any link names the same curated patient); the source patient is
   * null when the patient has no link.
   */
  List<ApiRandomization> apiRandomizations() throws SQLException {
    List<ApiRandomization> out = new ArrayList<>();
    try (Statement st = connection.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT r.study_id, l.site_id, l.source_patient_id, r.arm, r.randomized_at FROM randomization r"
                    + " LEFT JOIN LATERAL (SELECT site_id, source_patient_id FROM patient_source_link k"
                    + " WHERE k.patient_id = r.patient_id ORDER BY site_id, source_patient_id LIMIT 1) l ON true"
                    + " WHERE r.raw_id IS NULL ORDER BY r.randomized_at, r.created_at, r.randomization_id")) {
      while (rs.next()) {
        out.add(
            new ApiRandomization(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getTimestamp(5).toInstant()));
      }
    }
    return out;
  }

  private void rollback() {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // the next statement reports a broken connection
    }
  }

  /** The driver's message, first line only: it names hosts and users, never the password. */
  static String brief(SQLException e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    m = nl > 0 ? m.substring(0, nl) : m;
    return (m.length() > 300 ? m.substring(0, 300) : m)
        + (e.getSQLState() == null ? "" : " (SQLState " + e.getSQLState() + ")");
  }

  @Override
  public void close() {
    try {
      connection.rollback();
      connection.close();
    } catch (SQLException ignored) {
      // read only: nothing to lose
    }
  }
}
