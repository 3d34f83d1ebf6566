package org.shockreg.registry.db;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the operating system says about a PostgreSQL process: the {@code postmaster.pid} of a data
 * directory, whether a PID is a PostgreSQL process of that directory, signals and bounded waits.
 * Identity is read from {@code /proc} (Linux): the executable must be {@code postgres} and its
 * working directory the data directory (every PostgreSQL server process chdirs there). Where {@code
 * /proc} says nothing, the command line's {@code -D} argument stands in for the working directory.
 */
final class PostmasterProcess {

  static final String PID_FILE = "postmaster.pid";

  private static final Duration SIGNAL_COMMAND_WAIT = Duration.ofSeconds(5);
  private static final Duration EXIT_POLL = Duration.ofMillis(100);

  private PostmasterProcess() {}

  /** What a PID is, seen from one data directory. */
  enum Kind {
    /** No such process, or a zombie: it holds nothing. */
    GONE,
    /** A PostgreSQL server process of this data directory. */
    OURS,
    /** Alive, but another program or another cluster (the PID was reused). Never signal it. */
    OTHER,
    /** Alive, and the operating system will not tell what it is. Touch nothing. */
    UNKNOWN
  }

  /**
   * Lines 1 (PID), 2 (data directory), 4 (port) and 5 (socket directory) of {@code postmaster.pid};
   * the later lines (address, shared memory, status) are not needed here.
   */
  record PidFile(long pid, String dataDir, String port, String socketDir) {

    static Optional<PidFile> read(Path pgData) throws IOException {
      Path file = pgData.resolve(PID_FILE);
      List<String> lines;
      try {
        lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      } catch (java.nio.file.NoSuchFileException e) {
        return Optional.empty();
      }
      long pid;
      try {
        pid = lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).trim());
      } catch (NumberFormatException e) {
        pid = -1;
      }
      return Optional.of(new PidFile(pid, line(lines, 1), line(lines, 3), line(lines, 4)));
    }

    private static String line(List<String> lines, int index) {
      return lines.size() > index ? lines.get(index).trim() : "";
    }
  }

  static Kind classify(long pid, Path realDataDir) {
    if (pid <= 0) {
      return Kind.GONE;
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty() || isZombie(pid)) {
      return Kind.GONE;
    }
    if (pid == ProcessHandle.current().pid()) {
      // In a container the JVM may get the very PID the dead postmaster had.
      return Kind.OTHER;
    }
    ProcessHandle.Info info = handle.get().info();
    Optional<String> command = info.command();
    if (command.isPresent() && !isPostgresExecutable(command.get())) {
      return Kind.OTHER;
    }
    Optional<Path> cwd = workingDirectory(pid);
    if (cwd.isPresent()) {
      if (!cwd.get().equals(realDataDir)) {
        return Kind.OTHER; // a PostgreSQL of another cluster, or not one at all
      }
      return command.isPresent() ? Kind.OURS : Kind.UNKNOWN;
    }
    if (command.isPresent() && info.arguments().isPresent()) {
      return hasDataDirArgument(info.arguments().get(), realDataDir) ? Kind.OURS : Kind.OTHER;
    }
    return Kind.UNKNOWN;
  }

  /** Sends a signal by name (INT, QUIT) with the system's kill; false if it could not be sent. */
  static boolean signal(long pid, String signal) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-s", signal, Long.toString(pid))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!kill.waitFor(SIGNAL_COMMAND_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        kill.destroyForcibly();
        return false;
      }
      return kill.exitValue() == 0;
    } catch (IOException e) {
      return false; // no kill command on this system
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Waits until the process has exited (or is a zombie nobody reaps, which holds nothing either).
   * Blocks on the process's exit in short slices rather than sleeping, so it returns as soon as the
   * process is gone.
   */
  static boolean awaitExit(ProcessHandle process, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive() || isZombie(process.pid())) {
        return true;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        process.onExit().get(Math.min(left, EXIT_POLL.toNanos()), TimeUnit.NANOSECONDS);
        return true;
      } catch (TimeoutException e) {
        // not yet; look again (a zombie never completes onExit)
      } catch (ExecutionException e) {
        return !process.isAlive();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  static boolean isZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // "pid (comm) S ...": the command may contain spaces and parentheses, the state follows the
      // last ')'
      int close = stat.lastIndexOf(')');
      if (close < 0 || close + 2 >= stat.length()) {
        return false;
      }
      char state = stat.charAt(close + 2);
      return state == 'Z' || state == 'X';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static Optional<Path> workingDirectory(long pid) {
    try {
      return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")));
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return Optional.empty();
    }
  }

  private static boolean isPostgresExecutable(String command) {
    Path name = Path.of(command).getFileName();
    // "postgres", or "postgres (deleted)" when the extracted binaries were removed meanwhile
    return name != null && name.toString().startsWith("postgres");
  }

  private static boolean hasDataDirArgument(String[] arguments, Path realDataDir) {
    for (int i = 0; i + 1 < arguments.length; i++) {
      if ("-D".equals(arguments[i])) {
        try {
          return Path.of(arguments[i + 1]).toRealPath().equals(realDataDir);
        } catch (IOException | RuntimeException e) {
          return false;
        }
      }
    }
    return false;
  }
}
