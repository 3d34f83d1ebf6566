package org.shockreg.server.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.shockreg.registry.audit.AuditEventStore;
import org.shockreg.registry.audit.AuditRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Writes audit events without holding up the request that caused them: {@link #record} puts the
 * event on a bounded queue, one writer thread drains it in batches (one multi-row INSERT per
 * batch). Nothing is dropped: when the queue is full the request thread writes its event itself
 * (back-pressure), and a failed batch is retried until it is written. A batch waits up to {@code
 * shockreg.audit.linger} to fill, so a steady flow of requests costs few commits. On a clean stop
 * the queue is drained before the datasource closes: this lifecycle stops after the web server
 * (lower phase), and events recorded after that are written synchronously.
 */
public class AuditWriter implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(AuditWriter.class);

  /**
   * After the web server (which stops at Integer.MAX_VALUE - 2048): in-flight requests are recorded
   * first.
   */
  static final int PHASE = Integer.MAX_VALUE - 4096;

  private final AuditEventStore store;
  private final AuditProperties props;
  private final BlockingQueue<AuditRecord> queue;
  private final Object wake = new Object();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong synchronous = new AtomicLong();
  private final AtomicLong enqueued = new AtomicLong();
  private final AtomicLong dequeuedWritten = new AtomicLong();
  private volatile boolean running;
  private Thread thread;

  public AuditWriter(AuditEventStore store, AuditProperties props) {
    this.store = store;
    this.props = props;
    this.queue = new ArrayBlockingQueue<>(props.queueCapacity());
  }

  /** Records an event: queued, or written now when the queue is full or the writer is stopped. */
  public void record(AuditRecord event) {
    if (!props.enabled()) {
      return;
    }
    if (running && queue.offer(event)) {
      enqueued.incrementAndGet();
      return;
    }
    synchronous.incrementAndGet();
    insert(List.of(event));
  }

  /** Events written so far (tests, metrics). */
  public long written() {
    return written.get();
  }

  /** Waits (up to 30 s) until every event queued before the call is written (tests, operations). */
  public void flush() {
    long target = enqueued.get();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    synchronized (wake) {
      while (dequeuedWritten.get() < target && System.nanoTime() < deadline) {
        try {
          wake.wait(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void drainLoop() {
    List<AuditRecord> batch = new ArrayList<>(props.batchSize());
    while (running || !queue.isEmpty()) {
      try {
        AuditRecord first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        gather(batch);
        writeUntilDone(batch);
        dequeuedWritten.addAndGet(batch.size());
        batch.clear();
        synchronized (wake) {
          wake.notifyAll();
        }
      } catch (InterruptedException e) {
        // stop() interrupts only after the queue is empty or the time is up
        if (!running) {
          break;
        }
      }
    }
  }

  /**
   * Lets a batch fill for up to {@code linger} (not while stopping): a steady trickle of requests
   * then costs one INSERT and commit per linger period instead of one per request.
   */
  private void gather(List<AuditRecord> batch) throws InterruptedException {
    long deadline = System.nanoTime() + props.linger().toNanos();
    while (batch.size() < props.batchSize()) {
      queue.drainTo(batch, props.batchSize() - batch.size());
      long left = deadline - System.nanoTime();
      if (batch.size() >= props.batchSize() || left <= 0 || !running) {
        return;
      }
      AuditRecord next = queue.poll(left, TimeUnit.NANOSECONDS);
      if (next == null) {
        return;
      }
      batch.add(next);
    }
  }

  /** Retries a failed batch (the database restarting, say) rather than losing it. */
  private void writeUntilDone(List<AuditRecord> batch) throws InterruptedException {
    long backoff = 200;
    while (true) {
      try {
        insert(batch);
        return;
      } catch (RuntimeException e) {
        log.warn(
            "event=audit_write_failed events={} error={} retry_ms={}",
            batch.size(),
            e.getClass().getSimpleName(),
            backoff);
        synchronized (wake) {
          wake.wait(backoff);
        }
        backoff = Math.min(backoff * 2, 10_000);
        if (!running && backoff >= 10_000) {
          log.error("event=audit_write_abandoned events={} reason=stopping", batch.size());
          return;
        }
      }
    }
  }

  void insert(List<AuditRecord> events) {
    store.insert(events);
    written.addAndGet(events.size());
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    thread = new Thread(this::drainLoop, "audit-writer");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void stop() {
    Thread t;
    synchronized (this) {
      if (!running) {
        return;
      }
      running = false;
      t = thread;
    }
    synchronized (wake) {
      wake.notifyAll();
    }
    try {
      t.join(TimeUnit.SECONDS.toMillis(30));
      if (t.isAlive()) {
        t.interrupt();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // whatever is still queued (the thread gave up in time) goes now, synchronously
    List<AuditRecord> rest = new ArrayList<>();
    queue.drainTo(rest);
    if (!rest.isEmpty()) {
      insert(rest);
      dequeuedWritten.addAndGet(rest.size());
    }
    log.info(
        "event=audit_writer_stopped written={} synchronous={}", written.get(), synchronous.get());
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
