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
import java.util.List;
import java.util.Optional;
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
  private Path dataDir;
  private Path pgData;

  private record Child(Process jvm, String jdbcUrl, Path log) {}

  @BeforeEach
  void freshDataDirectory(TestInfo test) throws IOException {
    dataDir = ROOT.resolve(test.getTestMethod().orElseThrow().getName());
    CrashProcesses.deleteRecursively(dataDir);
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
      awaitGone(child.jvm().toHandle(), ORDERLY_EXIT);
    }
    CrashProcesses.stopEverything(children.stream().map(Child::jvm).toList(), pgData);
  }

  @Test
  void restartsOnTheFirstTryAfterTheJvmIsKilledAndItsPostmasterLeftRunning() throws Exception {
    Child child = startChild(1);
    for (int crash = 1; crash <= 5; crash++) {
      long postmaster = readPostmasterPid().orElseThrow();

      CrashProcesses.killJvmWithItsChildren(child.jvm());

      assertThat(CrashProcesses.isPostgresOf(postmaster, pgData))
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
        .until(() -> !CrashProcesses.isRunning(postmaster));
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

      CrashProcesses.killJvmWithItsChildren(child.jvm());
      ProcessHandle handle = ProcessHandle.of(postmaster).orElseThrow();
      List<ProcessHandle> backends = handle.descendants().toList();
      handle.destroyForcibly();
      backends.forEach(ProcessHandle::destroyForcibly);
      assertThat(awaitGone(handle, PROCESS_EXIT)).isTrue();
      await()
          .atMost(PROCESS_EXIT)
          .pollInterval(POLL)
          .until(() -> backends.stream().noneMatch(b -> CrashProcesses.isRunning(b.pid())));

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
    CrashProcesses.killJvmWithItsChildren(child.jvm());
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
    assertThat(CrashProcesses.isPostgresOf(postmaster, pgData)).isTrue();
    assertThat(rows(owner)).containsExactly(1);
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
                            + CrashProcesses.tail(child.log(), 6000)));
    String jdbcUrl = ready.substring(ready.indexOf("jdbcUrl=") + "jdbcUrl=".length()).trim();
    return new Child(child.jvm(), jdbcUrl, child.log());
  }

  /** Starts a child JVM and waits until it reports ready or failed, or dies. */
  private Child launchChild(int row) throws IOException {
    Path log = dataDir.resolve("child-" + row + ".log");
    Process jvm =
        new ProcessBuilder(
                CrashProcesses.javaCommand(),
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

  private Optional<Long> readPostmasterPid() {
    return CrashProcesses.readPostmasterPid(pgData);
  }

  private static boolean awaitGone(ProcessHandle process, Duration timeout) {
    return CrashProcesses.awaitGone(process.pid(), timeout);
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
    return CrashProcesses.read(log);
  }
}
