package org.shockreg.registry.db;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the embedded postmaster when the JVM dies without stopping it. A JVM shutdown hook does not
 * run on kill -9 or the OOM killer, and the postmaster cannot be tied to the JVM's life (pg_ctl
 * starts it in a session of its own; a parent-death signal would fire when pg_ctl exits). So a tiny
 * shell child of the JVM blocks reading its stdin, a pipe whose other end only the JVM holds:
 * however the JVM dies, the kernel closes that end, the read returns, and the shell sends the
 * postmaster SIGINT (fast shutdown) if {@code /proc} still shows a {@code postgres} process with
 * that PID whose working directory is the data directory, so a reused PID is never signalled. Linux
 * only (without {@code /proc} it does nothing); when the shell dies with the JVM (a kill of the
 * whole process group), the next start stops the orphan ({@link OrphanedPostmaster}).
 */
final class PostmasterWatchdog implements Closeable {

  private static final Logger log = LoggerFactory.getLogger(PostmasterWatchdog.class);

  /** $0 of the shell: how it shows in ps. */
  static final String NAME = "shockreg-pg-watchdog";

  private static final String SCRIPT =
      "read -r _ || :; "
          + "case \"$(readlink /proc/$1/exe 2>/dev/null)\" in */postgres*) ;; *) exit 0 ;; esac; "
          + "if [ \"$(readlink /proc/$1/cwd 2>/dev/null)\" = \"$2\" ] && kill -s INT \"$1\"; then "
          + "echo \"event=embedded_postgres_watchdog_stop pid=$1 dataDir=$2 reason=jvm_gone\"; fi";

  private final Process shell;

  private PostmasterWatchdog(Process shell) {
    this.shell = shell;
  }

  /** Empty when no shell can be started here (the orderly stop and the next start still work). */
  static Optional<PostmasterWatchdog> start(long postmasterPid, Path realDataDir) {
    try {
      Process shell =
          new ProcessBuilder(
                  "/bin/sh",
                  "-c",
                  SCRIPT,
                  NAME,
                  Long.toString(postmasterPid),
                  realDataDir.toString())
              // stdin stays a pipe from this JVM; its line goes where the JVM's own output goes
              .redirectOutput(ProcessBuilder.Redirect.INHERIT)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      return Optional.of(new PostmasterWatchdog(shell));
    } catch (IOException e) {
      log.warn("event=embedded_postgres_watchdog_unavailable reason={}", e.toString());
      return Optional.empty();
    }
  }

  long pid() {
    return shell.pid();
  }

  /**
   * Ends the watchdog without letting it act: an orderly stop (zonky's pg_ctl stop) follows, and a
   * SIGINT from the watchdog would race it. SIGTERM kills the shell while it waits in read.
   */
  @Override
  public void close() {
    shell.destroy();
    try {
      if (!shell.waitFor(5, TimeUnit.SECONDS)) {
        shell.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
