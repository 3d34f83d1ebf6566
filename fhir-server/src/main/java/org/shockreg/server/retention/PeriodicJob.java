package org.shockreg.server.retention;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.context.SmartLifecycle;

/**
 * A maintenance task run on one named daemon thread, with a fixed delay between runs, from the
 * application's start to its stop. A run that throws is not repeated until the next delay.
 */
public abstract class PeriodicJob implements SmartLifecycle {

  private final String threadName;
  private ScheduledExecutorService scheduler;

  protected PeriodicJob(String threadName) {
    this.threadName = threadName;
  }

  /** One run; exceptions are the job's to log (the schedule goes on either way). */
  protected abstract void runOnce();

  protected abstract long firstAfterMillis();

  protected abstract long everyMillis();

  /** Called once the schedule is set up (to log it, say). */
  protected void started() {}

  @Override
  public synchronized void start() {
    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
    scheduler.scheduleWithFixedDelay(
        () -> {
          try {
            runOnce();
          } catch (RuntimeException e) {
            // runOnce logs its own failures; an escaping one must not end the schedule
          }
        },
        firstAfterMillis(),
        everyMillis(),
        TimeUnit.MILLISECONDS);
    started();
  }

  @Override
  public synchronized void stop() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return scheduler != null;
  }
}
