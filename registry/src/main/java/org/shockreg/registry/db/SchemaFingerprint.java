package org.shockreg.registry.db;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;
import liquibase.integration.spring.SpringLiquibase;
import liquibase.util.LiquibaseUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Component;

/**
 * Skips Liquibase on a start whose changelog is the one this database was last migrated with.
 * Liquibase on an up-to-date schema still loads ~800 classes, parses every changelog file and
 * checksums it, which was a tenth of a cold start (docs/operations.md "Start-up time").
 *
 * <p>After Liquibase ran, the fingerprint (a SHA-256 of every file under the master changelog's
 * folder, the Liquibase version and the settings that choose changesets) is stored in {@code
 * schema_fingerprint} with the number of rows in {@code databasechangelog}. Liquibase is skipped
 * only when both match; anything else (a new or edited changeset, another Liquibase version, a
 * changelog row added or removed by another version or by hand, a database without the table) runs
 * it as before. The fingerprint is written after a successful update only, so an instance that
 * starts while another migrates either runs Liquibase (and waits for its lock) or sees the finished
 * schema. Settings that make Liquibase do more than an update (drop-first, a tag, a rollback test,
 * another changelog table or schema) never skip.
 */
@Component
public class SchemaFingerprint implements BeanPostProcessor, EnvironmentAware {

  private static final Logger log = LoggerFactory.getLogger(SchemaFingerprint.class);

  private Environment environment;
  private volatile String computed;
  private volatile boolean skipped;

  /** Whether this start skipped Liquibase (the stored fingerprint matched). */
  public boolean skipped() {
    return skipped;
  }

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public Object postProcessBeforeInitialization(Object bean, String beanName) {
    if (bean instanceof SpringLiquibase liquibase && plainUpdate(liquibase)) {
      long started = System.nanoTime();
      computed = fingerprint(liquibase, liquibaseSettings(environment));
      Optional<Stored> stored = stored(liquibase.getDataSource());
      boolean matches =
          stored.isPresent()
              && stored.get().fingerprint().equals(computed)
              && stored.get().changesets() == changesets(liquibase.getDataSource());
      if (matches) {
        liquibase.setShouldRun(false);
        skipped = true;
      }
      log.info(
          "event=schema_fingerprint_checked fingerprint={} stored={} liquibase={} elapsedMs={}",
          computed.substring(0, 12),
          stored
              .map(s -> s.fingerprint().substring(0, Math.min(12, s.fingerprint().length())))
              .orElse("none"),
          matches ? "skipped" : "runs",
          (System.nanoTime() - started) / 1_000_000);
    }
    return bean;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (bean instanceof SpringLiquibase liquibase && computed != null && !skipped) {
      store(liquibase.getDataSource(), computed); // Liquibase has just migrated successfully
    }
    return bean;
  }

  /** Only a plain update on the default tables; anything more always runs Liquibase. */
  private static boolean plainUpdate(SpringLiquibase l) {
    return !l.isDropFirst()
        && !l.isClearCheckSums()
        && !l.isTestRollbackOnUpdate()
        && l.getTag() == null
        && l.getLiquibaseSchema() == null
        && l.getDefaultSchema() == null
        && "DATABASECHANGELOG".equalsIgnoreCase(l.getDatabaseChangeLogTable())
        && l.getChangeLog() != null
        && l.getChangeLog().startsWith("classpath:");
  }

  /** Every spring.liquibase.* setting as configured (parameters included), sorted. */
  static Map<String, String> liquibaseSettings(Environment env) {
    Map<String, String> settings = new TreeMap<>();
    if (env instanceof ConfigurableEnvironment configurable) {
      for (PropertySource<?> source : configurable.getPropertySources()) {
        if (source instanceof EnumerablePropertySource<?> names) {
          for (String name : names.getPropertyNames()) {
            String canonical = name.toLowerCase(Locale.ROOT).replace('_', '.');
            if (canonical.startsWith("spring.liquibase.")) {
              settings.putIfAbsent(canonical, String.valueOf(env.getProperty(name)));
            }
          }
        }
      }
    }
    return settings;
  }

  static String fingerprint(SpringLiquibase l, Map<String, String> settings) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      update(sha, "liquibase " + LiquibaseUtil.getBuildVersion());
      update(sha, "changelog " + l.getChangeLog());
      update(sha, "contexts " + l.getContexts());
      update(sha, "labels " + l.getLabelFilter());
      update(sha, "settings " + settings);
      // every file in the master's folder and below (includeAll: changes/), in path order
      String master = l.getChangeLog().substring("classpath:".length());
      String folder = master.contains("/") ? master.substring(0, master.lastIndexOf('/') + 1) : "";
      Resource[] files =
          new PathMatchingResourcePatternResolver().getResources("classpath*:" + folder + "**/*");
      Arrays.sort(files, Comparator.comparing(SchemaFingerprint::path));
      for (Resource file : files) {
        if (!file.isReadable()) {
          continue; // a folder
        }
        update(sha, "file " + path(file).substring(path(file).lastIndexOf(folder)));
        try (InputStream in = file.getInputStream()) {
          sha.update(in.readAllBytes());
        }
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot fingerprint the changelog " + l.getChangeLog(), e);
    }
  }

  private static String path(Resource r) {
    try {
      return r.getURL().toString();
    } catch (IOException e) {
      return r.getDescription();
    }
  }

  private static void update(MessageDigest sha, String s) {
    sha.update(s.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
  }

  private record Stored(String fingerprint, long changesets) {}

  private static Optional<Stored> stored(DataSource ds) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT to_regclass('schema_fingerprint') IS NOT NULL"
                    + " AND to_regclass('databasechangelog') IS NOT NULL")) {
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next() || !rs.getBoolean(1)) {
          return Optional.empty();
        }
      }
      try (PreparedStatement q =
              c.prepareStatement("SELECT fingerprint, changesets FROM schema_fingerprint");
          ResultSet rs = q.executeQuery()) {
        return rs.next()
            ? Optional.of(new Stored(rs.getString(1), rs.getLong(2)))
            : Optional.empty();
      }
    } catch (SQLException e) {
      log.warn("event=schema_fingerprint_unreadable", e);
      return Optional.empty(); // Liquibase runs and says what is wrong with the database
    }
  }

  private static long changesets(DataSource ds) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM databasechangelog");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      return -1;
    }
  }

  private static void store(DataSource ds, String fingerprint) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO schema_fingerprint (id, fingerprint, changesets, recorded_at)"
                    + " SELECT 1, ?, count(*), now() FROM databasechangelog"
                    + " ON CONFLICT (id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,"
                    + " changesets = EXCLUDED.changesets, recorded_at = EXCLUDED.recorded_at")) {
      ps.setString(1, fingerprint);
      ps.executeUpdate();
    } catch (SQLException e) {
      // no table yet (a changelog without it): the next start runs Liquibase again, as before
      log.warn("event=schema_fingerprint_not_stored reason={}", e.getMessage());
    }
  }
}
