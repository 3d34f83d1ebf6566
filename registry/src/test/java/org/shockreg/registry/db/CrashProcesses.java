package org.shockreg.registry.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real-process helpers for crash tests (shipped in the registry test-jar): start a JVM in a process
 * group of its own, kill it with SIGKILL alone, with its children, or with its whole process group,
 * tell whether a PID is a live server process of an embedded PostgreSQL data directory, and clean
 * up whatever a test started. Linux only ({@code /proc}, {@code setsid}, {@code kill}). Waits are
 * bounded polls.
 */
public final class CrashProcesses {

  public static final Duration PROCESS_EXIT = Duration.ofSeconds(20);
  private static final Duration POLL = Duration.ofMillis(100);

  private CrashProcesses() {}

  /** The JVM's own {@code bin/java}. */
  public static String javaCommand() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * The command run through {@code setsid}: it becomes the leader of a new session and process
   * group, so its PID is also the group's id ({@link #killProcessGroups}). setsid execs the command
   * in place (the launching JVM is no group leader), so the Process's PID is the command's own.
   */
  public static ProcessBuilder inOwnProcessGroup(List<String> command) {
    List<String> cmd = new ArrayList<>();
    cmd.add("setsid");
    cmd.addAll(command);
    return new ProcessBuilder(cmd);
  }

  /** The PID in {@code <pgData>/postmaster.pid}, if the file is there. */
  public static Optional<Long> readPostmasterPid(Path pgData) {
    Path file = pgData.resolve("postmaster.pid");
    try {
      if (!Files.exists(file)) {
        return Optional.empty();
      }
      List<String> lines = Files.readAllLines(file);
      return lines.isEmpty() || lines.get(0).isBlank()
          ? Optional.empty()
          : Optional.of(Long.parseLong(lines.get(0).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty(); // being written or removed right now
    }
  }

  /** The TCP port in {@code <pgData>/postmaster.pid} (its fourth line), if the file is there. */
  public static Optional<Integer> readPostmasterPort(Path pgData) {
    try {
      List<String> lines = Files.readAllLines(pgData.resolve("postmaster.pid"));
      return lines.size() < 4
          ? Optional.empty()
          : Optional.of(Integer.parseInt(lines.get(3).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Alive and a server process of this data directory (PostgreSQL processes chdir there). */
  public static boolean isPostgresOf(long pid, Path pgData) {
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

  /** Server processes (postmaster and backends) whose working directory is this data directory. */
  public static List<ProcessHandle> postgresProcessesOf(Path pgData) {
    return ProcessHandle.allProcesses().filter(p -> isPostgresOf(p.pid(), pgData)).toList();
  }

  /** Alive and not a zombie (a killed process may wait a moment for its reaper). */
  public static boolean isRunning(long pid) {
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

  public static boolean awaitGone(long pid, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (isRunning(pid)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep(POLL);
    }
    return true;
  }

  /**
   * SIGKILL to the JVM alone, as the OOM killer does: its children (watchdog, postmaster) survive.
   */
  public static void killJvm(Process jvm) {
    jvm.destroyForcibly();
    requireGone(jvm.pid(), "the JVM");
  }

  /**
   * SIGKILL to the JVM and to the processes it started (pg_ctl if still there, the watchdog): what
   * a kill of its process group does. The postmaster is not among them: pg_ctl starts it in a
   * session of its own.
   */
  public static void killJvmWithItsChildren(Process jvm) {
    List<ProcessHandle> spawned = jvm.toHandle().children().toList();
    spawned.forEach(ProcessHandle::destroyForcibly);
    jvm.destroyForcibly();
    requireGone(jvm.pid(), "the JVM");
    spawned.forEach(p -> requireGone(p.pid(), "child " + p.pid()));
  }

  /**
   * {@code kill -9 -- -g1 -g2 ...}: every process of these process groups in one command, and waits
   * until the group leaders are gone.
   */
  public static void killProcessGroups(long... groupIds) {
    killProcessGroupsAndProcesses(groupIds, new long[0]);
  }

  /**
   * {@code kill -9 -- -g1 ... p1 ...}: whole process groups and single processes in one command (as
   * near to one instant as user space gets, like a kill of a container's cgroup), and waits until
   * all of them are gone.
   */
  public static void killProcessGroupsAndProcesses(long[] groupIds, long[] pids) {
    List<String> cmd = new ArrayList<>(List.of("kill", "-9", "--"));
    for (long g : groupIds) {
      cmd.add("-" + g);
    }
    for (long p : pids) {
      cmd.add(Long.toString(p));
    }
    try {
      Process kill = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException("kill did not return: " + cmd);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + cmd, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + cmd, e);
    }
    for (long g : groupIds) {
      requireGone(g, "process group leader " + g);
    }
    for (long p : pids) {
      requireGone(p, "process " + p);
    }
  }

  /**
   * Leaves nothing running that a crash test started: the JVMs (by force, with descendants), then
   * every PostgreSQL process still working in {@code pgData}.
   */
  public static void stopEverything(Collection<Process> jvms, Path pgData) {
    for (Process jvm : jvms) {
      if (jvm.isAlive()) {
        jvm.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        jvm.destroyForcibly();
        awaitGone(jvm.pid(), PROCESS_EXIT);
      }
    }
    if (pgData == null || !Files.isDirectory(pgData)) {
      return;
    }
    List<ProcessHandle> left = postgresProcessesOf(pgData);
    left.forEach(ProcessHandle::destroyForcibly);
    left.forEach(p -> awaitGone(p.pid(), PROCESS_EXIT));
  }

  private static void requireGone(long pid, String what) {
    if (!awaitGone(pid, PROCESS_EXIT)) {
      throw new IllegalStateException(what + " (pid " + pid + ") still runs after SIGKILL");
    }
  }

  public static String read(Path log) {
    try {
      return Files.readString(log, StandardCharsets.ISO_8859_1);
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }

  public static String tail(Path log, int chars) {
    String text = read(log);
    return text.length() <= chars ? text : text.substring(text.length() - chars);
  }

  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
