package org.shockreg.registry.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded PostgreSQL as ShockReg runs it (zonky; binaries from Maven): data in {@code
 * <data-dir>/pg}, kept across restarts, and crash-safe. Before starting it stops a postmaster that
 * a killed JVM left running on the directory ({@link OrphanedPostmaster}); once started, a watchdog
 * stops the postmaster if this JVM dies without stopping it ({@link PostmasterWatchdog}).
 */
public final class EmbeddedPostgresServer implements Closeable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

  /** A fresh, short-named socket folder per start: unix socket paths are limited to ~107 bytes. */
  static final String SOCKET_DIR_PREFIX = "shockreg-pg";

  /**
   * zonky gives up after 10 s by default; after a crash PostgreSQL first replays the WAL written
   * since the last checkpoint, which can take longer on a busy host.
   */
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

  /**
   * Data directories this JVM runs a server on. Recovery must not even open zonky's lock file for
   * them: closing any descriptor of a file drops every POSIX lock this process holds on it.
   */
  private static final Set<Path> RUNNING = ConcurrentHashMap.newKeySet();

  private final EmbeddedPostgres pg;
  private final Path realDataDir;
  private final Path socketDir;
  private final PostmasterWatchdog watchdog;

  private EmbeddedPostgresServer(
      EmbeddedPostgres pg, Path realDataDir, Path socketDir, PostmasterWatchdog watchdog) {
    this.pg = pg;
    this.realDataDir = realDataDir;
    this.socketDir = socketDir;
    this.watchdog = watchdog;
  }

  /**
   * Starts (initialising an empty directory first) and returns once it accepts connections. The
   * caller must {@link #close()} it; Spring does so when the context closes.
   */
  public static EmbeddedPostgresServer start(Path pgData) throws IOException {
    Files.createDirectories(pgData);
    Path realDataDir = pgData.toRealPath();
    long started = System.nanoTime();
    if (!RUNNING.contains(realDataDir)) {
      OrphanedPostmaster.stopIfAny(pgData);
    }
    Path socketDir = Files.createTempDirectory(SOCKET_DIR_PREFIX);
    EmbeddedPostgres pg;
    try {
      pg =
          EmbeddedPostgres.builder()
              .setDataDirectory(pgData)
              // zonky deletes its data folder on close by default; the registry must outlive it.
              .setCleanDataDirectory(false)
              // zonky's own shutdown hook would stop the server at the start of a JVM shutdown, in
              // parallel with Spring, under requests still being served and Quartz still running.
              // close() stops it instead, after everything that uses it; a JVM that exits without
              // calling close() is covered by the watchdog, a failed start by the next start.
              .setRegisterShutdownHook(false)
              .setPGStartupWait(STARTUP_WAIT)
              .setServerConfig("unix_socket_directories", socketDir.toString())
              .setServerConfig("max_connections", "100")
              .setServerConfig("shared_buffers", "128MB")
              .setServerConfig("synchronous_commit", "on")
              // zonky passes -F (fsync off) to every postgres it starts, a test default: a power
              // loss or OS crash could then lose acknowledged facts or corrupt the registry. The
              // later -c wins over -F (EarlyEmbeddedPostgresIT checks SHOW fsync).
              .setServerConfig("fsync", "on")
              .setServerConfig("full_page_writes", "on")
              .start();
    } catch (IOException | RuntimeException e) {
      deleteSocketDir(socketDir);
      throw e;
    }
    Optional<PostmasterProcess.PidFile> pidFile = PostmasterProcess.PidFile.read(pgData);
    long postmasterPid = pidFile.map(PostmasterProcess.PidFile::pid).orElse(-1L);
    PostmasterWatchdog watchdog =
        postmasterPid > 0
            ? PostmasterWatchdog.start(postmasterPid, realDataDir).orElse(null)
            : null;
    log.info(
        "event=embedded_postgres_started port={} dataDir={} postmasterPid={} watchdogPid={}"
            + " elapsedMs={}",
        pg.getPort(),
        pgData,
        postmasterPid,
        watchdog == null ? "none" : watchdog.pid(),
        (System.nanoTime() - started) / 1_000_000);
    RUNNING.add(realDataDir);
    return new EmbeddedPostgresServer(pg, realDataDir, socketDir, watchdog);
  }

  public int port() {
    return pg.getPort();
  }

  public String jdbcUrl(String user, String database) {
    return pg.getJdbcUrl(user, database);
  }

  public EmbeddedPostgres postgres() {
    return pg;
  }

  @Override
  public void close() throws IOException {
    if (watchdog != null) {
      watchdog.close();
    }
    try {
      pg.close();
    } finally {
      RUNNING.remove(realDataDir);
      deleteSocketDir(socketDir);
    }
  }

  /** A stopped server removes its socket and lock file; the empty folder is left to us. */
  private static void deleteSocketDir(Path dir) {
    try {
      Files.deleteIfExists(dir); // not when something is still in it
    } catch (IOException e) {
      log.debug("event=embedded_postgres_socket_dir_left dir={}", dir, e);
    }
  }
}
