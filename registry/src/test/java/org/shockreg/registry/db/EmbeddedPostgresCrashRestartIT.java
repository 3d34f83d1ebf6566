package org.shockreg.registry.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Crash safety of the embedded PostgreSQL, with real processes: a child JVM ({@link
 * EmbeddedPostgresChild}) starts it on a data directory under {@code target/}, writes a row and is
 * killed with SIGKILL; the next child must come up on the first try with every row written before.
 * No database is mocked and no wait is unbounded.
 */
class EmbeddedPostgresCrashRestartIT {

  private static final Path ROOT = Path.of("target", "crash-restart").toAbsolutePath();

  /** JVM start, initdb on the first start, crash recovery: generous for a busy 2-core host. */
  private static final Duration CHILD_START = Duration.ofSeconds(90);

  private static final Duration PROCESS_EXIT = Duration.ofSeconds(20);
  private static final Duration ORDERLY_EXIT = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(100);

  private final List<Child> children = new ArrayList<>();
  private final Set<Long> postmasters = new LinkedHashSet<>();
  private Path dataDir;
  private Path pgData;

  private record Child(Process jvm, String jdbcUrl, Path log) {}

  @BeforeEach
  void freshDataDirectory(TestInfo test) throws IOException {
    dataDir = ROOT.resolve(test.getTestMethod().orElseThrow().getName());
    deleteRecursively(dataDir);
    pgData = dataDir.resolve("pg");
    Files.createDirectories(dataDir);
  }

  @AfterEach
  void stopEverythingStarted() throws IOException {
    // Orderly first (a closed stdin makes a child close its server), then by force, so a
    // failed test leaves no JVM and no postmaster behind on the shared machine.
    for (Child child : children) {
      if (child.jvm().isAlive()) {
        child.jvm().getOutputStream().close();
      }
    }
    for (Child child : children) {
      if (!awaitGone(child.jvm().toHandle(), ORDERLY_EXIT)) {
        child.jvm().toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        child.jvm().destroyForcibly();
      }
    }
    readPostmasterPid().ifPresent(postmasters::add);
    for (long pid : postmasters) {
      if (isPostgresOf(pid, pgData)) {
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        List<ProcessHandle> backends = postmaster.descendants().toList();
        postmaster.destroyForcibly();
        backends.forEach(ProcessHandle::destroyForcibly);
        awaitGone(postmaster, PROCESS_EXIT);
      }
    }
  }

  @Test
  void restartsOnTheFirstTryAfterTheJvmIsKilledAndItsPostmasterLeftRunning() throws Exception {
    Child child = startChild(1);
    for (int crash = 1; crash <= 5; crash++) {
      long postmaster = readPostmasterPid().orElseThrow();

      killJvmWithItsChildren(child);

      assertThat(isPostgresOf(postmaster, pgData))
          .as("crash %d: the postmaster %d outlived its JVM", crash, postmaster)
          .isTrue();
      child = startChild(crash + 1);
      assertThat(rows(child)).containsExactlyElementsOf(oneTo(crash + 1));
      assertThat(log(child)).contains("event=embedded_postgres_orphan_stopped pid=" + postmaster);
    }
  }

  @Test
  void theOrphanIsStoppedAtOnceWhenOnlyTheJvmIsKilled() throws Exception {
    Child child = startChild(1);
    long postmaster = readPostmasterPid().orElseThrow();

    // The JVM alone, as the OOM killer does: its children survive it.
    child.jvm().destroyForcibly();

    assertThat(awaitGone(child.jvm().toHandle(), PROCESS_EXIT)).isTrue();
    await("the watchdog stops postmaster " + postmaster + " once its JVM is gone")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(POLL)
        .until(() -> !isRunning(postmaster));
    await()
        .atMost(PROCESS_EXIT)
        .pollInterval(POLL)
        .until(
            () -> log(child).contains("event=embedded_postgres_watchdog_stop pid=" + postmaster));
    Child next = startChild(2);
    assertThat(rows(next)).containsExactly(1, 2);
  }

  @Test
  void restartsOnTheFirstTryAfterTheJvmAndItsPostmasterAreKilledTogether() throws Exception {
    Child child = startChild(1);
    for (int crash = 1; crash <= 2; crash++) {
      long postmaster = readPostmasterPid().orElseThrow();

      killJvmWithItsChildren(child);
      ProcessHandle handle = ProcessHandle.of(postmaster).orElseThrow();
      List<ProcessHandle> backends = handle.descendants().toList();
      handle.destroyForcibly();
      backends.forEach(ProcessHandle::destroyForcibly);
      assertThat(awaitGone(handle, PROCESS_EXIT)).isTrue();
      await()
          .atMost(PROCESS_EXIT)
          .pollInterval(POLL)
          .until(() -> backends.stream().noneMatch(b -> isRunning(b.pid())));

      assertThat(readPostmasterPid())
          .as("crash %d: a stale postmaster.pid with a dead PID", crash)
          .contains(postmaster);
      child = startChild(crash + 1);
      assertThat(rows(child)).containsExactlyElementsOf(oneTo(crash + 1));
    }
  }

  @Test
  void neverSignalsAProcessThatReusedTheDeadPostmastersPid() throws Exception {
    Child child = startChild(1);
    long postmaster = readPostmasterPid().orElseThrow();
    killJvmWithItsChildren(child);
    ProcessHandle handle = ProcessHandle.of(postmaster).orElseThrow();
    List<ProcessHandle> backends = handle.descendants().toList();
    handle.destroyForcibly();
    backends.forEach(ProcessHandle::destroyForcibly);
    assertThat(awaitGone(handle, PROCESS_EXIT)).isTrue();
    // The PID in postmaster.pid now belongs to another live program, as after a PID wrap-around.
    Process stranger = new ProcessBuilder("sleep", "120").start();
    try {
      Path pidFile = pgData.resolve("postmaster.pid");
      List<String> lines = new ArrayList<>(Files.readAllLines(pidFile));
      lines.set(0, Long.toString(stranger.pid()));
      Files.write(pidFile, lines);

      Child next = startChild(2);

      assertThat(stranger.isAlive()).as("the unrelated process was not signalled").isTrue();
      assertThat(rows(next)).containsExactly(1, 2);
      assertThat(log(next))
          .contains(
              "event=embedded_postgres_stale_pidfile_removed pid="
                  + stranger.pid()
                  + " reason=pid_reused");
    } finally {
      stranger.destroyForcibly();
    }
  }

  @Test
  void leavesTheServerOfALiveJvmAlone() throws Exception {
    Child owner = startChild(1);
    long postmaster = readPostmasterPid().orElseThrow();

    Child intruder = launchChild(2);

    assertThat(readyLine(intruder.log())).as("a second JVM on the same data directory").isEmpty();
    assertThat(log(intruder)).contains("event=embedded_postgres_in_use");
    assertThat(isPostgresOf(postmaster, pgData)).isTrue();
    assertThat(rows(owner)).containsExactly(1);
  }

  /**
   * SIGKILL to the JVM and to the processes it started (pg_ctl if still there, the watchdog): what
   * a kill of its process group does. The postmaster is not among them: pg_ctl starts it in a
   * session of its own.
   */
  private void killJvmWithItsChildren(Child child) {
    List<ProcessHandle> spawned = child.jvm().toHandle().children().toList();
    spawned.forEach(ProcessHandle::destroyForcibly);
    child.jvm().destroyForcibly();
    assertThat(awaitGone(child.jvm().toHandle(), PROCESS_EXIT)).isTrue();
    spawned.forEach(p -> assertThat(awaitGone(p, PROCESS_EXIT)).isTrue());
  }

  private Child startChild(int row) throws IOException {
    Child child = launchChild(row);
    String ready =
        readyLine(child.log())
            .orElseThrow(
                () ->
                    new AssertionError(
                        "child "
                            + row
                            + " did not come up on the first try (exit "
                            + (child.jvm().isAlive() ? "none" : child.jvm().exitValue())
                            + "); its log "
                            + child.log()
                            + ":\n"
                            + tail(child.log())));
    readPostmasterPid().ifPresent(postmasters::add);
    String jdbcUrl = ready.substring(ready.indexOf("jdbcUrl=") + "jdbcUrl=".length()).trim();
    return new Child(child.jvm(), jdbcUrl, child.log());
  }

  /** Starts a child JVM and waits until it reports ready or failed, or dies. */
  private Child launchChild(int row) throws IOException {
    Path log = dataDir.resolve("child-" + row + ".log");
    Process jvm =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp",
                System.getProperty(
                    "surefire.test.class.path", System.getProperty("java.class.path")),
                EmbeddedPostgresChild.class.getName(),
                dataDir.toString(),
                Integer.toString(row))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Child child = new Child(jvm, null, log);
    children.add(child);
    await("child " + row + " starts or fails")
        .atMost(CHILD_START)
        .pollInterval(POLL)
        .until(() -> !jvm.isAlive() || readyLine(log).isPresent() || failed(log));
    return child;
  }

  private static List<Integer> rows(Child child) throws SQLException {
    List<Integer> ids = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(child.jdbcUrl(), "postgres", "");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT id FROM crash_marker ORDER BY id")) {
      while (rs.next()) {
        ids.add(rs.getInt(1));
      }
    }
    return ids;
  }

  private static List<Integer> oneTo(int n) {
    return IntStream.rangeClosed(1, n).boxed().toList();
  }

  private Optional<Long> readPostmasterPid() throws IOException {
    Path file = pgData.resolve("postmaster.pid");
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    List<String> lines = Files.readAllLines(file);
    return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
  }

  /** Alive and a server process of this data directory (PostgreSQL processes chdir there). */
  private static boolean isPostgresOf(long pid, Path pgData) {
    if (!isRunning(pid)) {
      return false;
    }
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"))
          .equals(pgData.toRealPath());
    } catch (IOException e) {
      return false;
    }
  }

  /** Alive and not a zombie (a killed process may wait a moment for its reaper). */
  private static boolean isRunning(long pid) {
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        char state = stat.charAt(stat.lastIndexOf(')') + 2);
        return state != 'Z' && state != 'X';
      } catch (IOException e) {
        return false; // gone meanwhile
      }
    }
    return false;
  }

  private static boolean awaitGone(ProcessHandle process, Duration timeout) {
    try {
      await().atMost(timeout).pollInterval(POLL).until(() -> !isRunning(process.pid()));
      return true;
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      return false;
    }
  }

  private static Optional<String> readyLine(Path log) {
    try (Stream<String> lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
      return lines.filter(l -> l.startsWith(EmbeddedPostgresChild.READY)).findFirst();
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  private static boolean failed(Path log) {
    return log(log).contains(EmbeddedPostgresChild.FAILED);
  }

  private static String log(Child child) {
    return log(child.log());
  }

  private static String log(Path log) {
    try {
      return Files.readString(log, StandardCharsets.ISO_8859_1);
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }

  private static String tail(Path log) {
    String text = log(log);
    return text.length() <= 6000 ? text : text.substring(text.length() - 6000);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
