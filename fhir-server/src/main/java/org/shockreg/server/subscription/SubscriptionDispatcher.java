package org.shockreg.server.subscription;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.shockreg.registry.notify.SubscriptionEvent;
import org.shockreg.registry.notify.SubscriptionRow;
import org.shockreg.registry.notify.SubscriptionStore;
import org.shockreg.registry.notify.SubscriptionStore.PendingSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Delivers the outbox. Every {@code poll-interval} it takes the active subscriptions with an event
 * due and works through each one's events in number order, up to {@link #BATCH} per transaction,
 * holding a per-subscription advisory lock (so across instances and threads one delivers each
 * subscription, in order). A failure waits with exponential backoff and jitter and holds the later
 * events back; after {@code retry-for} of failures the subscription turns {@code error} and keeps
 * its events for {@code POST /admin/subscriptions/{id}/replay}. At least once: a crash between the
 * receiver's 2xx and the commit sends that event again, with the same {@code event-number}.
 */
public class SubscriptionDispatcher implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(SubscriptionDispatcher.class);

  /**
   * Events per transaction: one commit per batch instead of per event. A crash inside a batch sends
   * its delivered events again (same event numbers), as any at-least-once delivery may.
   */
  static final int BATCH = 50;

  /** Batches one subscription sends per round before the others get their turn. */
  private static final int ROUNDS_PER_SUBSCRIPTION = 20;

  private final SubscriptionStore store;
  private final Map<String, NotificationChannel> channels;
  private final SubscriptionProperties props;
  private final TransactionTemplate tx;
  private final Counter delivered;
  private final Counter failed;
  private final AtomicLong pending = new AtomicLong();
  private final AtomicLong oldestPendingSeconds = new AtomicLong();
  private ScheduledExecutorService rounds;
  private ExecutorService workers;
  private volatile boolean running;

  SubscriptionDispatcher(
      SubscriptionStore store,
      Map<String, NotificationChannel> channels,
      SubscriptionProperties props,
      TransactionTemplate tx,
      MeterRegistry meters) {
    this.store = store;
    this.channels = channels;
    this.props = props;
    this.tx = tx;
    this.delivered =
        Counter.builder("shockreg.subscriptions.delivered")
            .description("Notifications delivered")
            .register(meters);
    this.failed =
        Counter.builder("shockreg.subscriptions.failed")
            .description("Delivery attempts that failed")
            .register(meters);
    Gauge.builder("shockreg.subscriptions.pending", pending, AtomicLong::get)
        .description("Notifications not yet delivered")
        .register(meters);
    Gauge.builder(
            "shockreg.subscriptions.oldest.pending.age", oldestPendingSeconds, AtomicLong::get)
        .description("Seconds since the oldest undelivered notification's event")
        .baseUnit("seconds")
        .register(meters);
  }

  @Override
  public void start() {
    running = true;
    workers =
        Executors.newFixedThreadPool(Math.max(1, props.threads()), named("subscription-delivery"));
    rounds = Executors.newSingleThreadScheduledExecutor(named("subscription-dispatcher"));
    if (props.dispatch()) {
      long ms = Math.max(10, props.pollInterval().toMillis());
      rounds.scheduleWithFixedDelay(this::round, ms, ms, TimeUnit.MILLISECONDS);
      rounds.scheduleWithFixedDelay(this::purge, 1, 60, TimeUnit.MINUTES);
    }
    log.info(
        "event=subscription_dispatcher_started dispatch={} poll_ms={}",
        props.dispatch(),
        props.pollInterval().toMillis());
  }

  /**
   * Lets attempts in flight finish (each bounded by the request timeout); the rest stay pending.
   */
  @Override
  public void stop() {
    running = false;
    rounds.shutdown();
    workers.shutdown();
    try {
      long wait = props.requestTimeout().plus(props.connectTimeout()).toMillis() + 1_000;
      rounds.awaitTermination(wait, TimeUnit.MILLISECONDS);
      workers.awaitTermination(wait, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** After the web server: intake is up when notifications start, and stops after them. */
  @Override
  public int getPhase() {
    return Integer.MAX_VALUE - 100;
  }

  /** One pass over the due subscriptions, each on a worker; public for the benchmark. */
  public void round() {
    try {
      refreshGauges();
      List<Callable<Void>> work = new ArrayList<>();
      for (String id : store.dueSubscriptions()) {
        work.add(
            () -> {
              deliver(id);
              return null;
            });
      }
      if (!work.isEmpty() && running) {
        workers.invokeAll(work);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // the database away for a moment: the next round tries again
      log.warn("event=subscription_round_failed error={}", e.getClass().getSimpleName());
    }
  }

  /** The delivery log's retention (several instances may purge: the deletes are idempotent). */
  void purge() {
    try {
      int n = store.purgeBefore(Instant.now().minus(props.logRetention()));
      if (n > 0) {
        log.info("event=subscription_log_purged rows={}", n);
      }
    } catch (RuntimeException e) {
      log.warn("event=subscription_log_purge_failed error={}", e.getClass().getSimpleName());
    }
  }

  private void refreshGauges() {
    PendingSummary s = store.pendingSummary();
    pending.set(s.pending());
    oldestPendingSeconds.set(
        s.oldestOccurredAt() == null
            ? 0
            : Math.max(0, Duration.between(s.oldestOccurredAt(), Instant.now()).toSeconds()));
  }

  /** Sends a subscription's due events in order until one fails or none is due. */
  void deliver(String subscriptionId) {
    for (int i = 0; i < ROUNDS_PER_SUBSCRIPTION && running; i++) {
      Boolean more = tx.execute(s -> deliverBatch(subscriptionId));
      if (!Boolean.TRUE.equals(more)) {
        return;
      }
    }
  }

  /**
   * Up to {@link #BATCH} events in one transaction (one commit, not one per event); stops at the
   * first failure. True when the whole batch went out and more may be waiting.
   */
  private boolean deliverBatch(String subscriptionId) {
    if (!store.tryLockDelivery(subscriptionId)) {
      return false; // another instance or thread is on it
    }
    Optional<SubscriptionRow> sub =
        store.find(subscriptionId).filter(r -> SubscriptionRow.ACTIVE.equals(r.status()));
    if (sub.isEmpty()) {
      return false;
    }
    List<SubscriptionEvent> events = store.pendingEvents(subscriptionId, BATCH);
    for (SubscriptionEvent e : events) {
      if (!running || e.nextAttemptAt().isAfter(Instant.now()) || !attempt(sub.get(), e)) {
        return false;
      }
    }
    return events.size() == BATCH;
  }

  /** One attempt at one event, recorded in the delivery log; true when delivered. */
  private boolean attempt(SubscriptionRow sub, SubscriptionEvent e) {
    Instant now = Instant.now();
    NotificationChannel channel = channels.get(sub.channelType());
    long t0 = System.nanoTime();
    NotificationChannel.Attempt a =
        channel == null
            ? new NotificationChannel.Attempt(
                false, null, "channel " + sub.channelType() + " is not available")
            : channel.send(sub, e);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    String error = a.error() == null ? null : truncate(a.error());
    store.logAttempt(e, now, ms, a.delivered(), a.httpStatus(), error);
    if (a.delivered()) {
      store.markDelivered(e);
      delivered.increment();
      return true;
    }
    failed.increment();
    Instant firstFailure = e.firstFailureAt() == null ? now : e.firstFailureAt();
    store.markFailed(e, error, firstFailure, now.plus(backoff(e.attempts())));
    log.info(
        "event=subscription_delivery_failed subscription={} event_number={} attempt={} status={} error={}",
        sub.id(),
        e.eventNumber(),
        e.attempts() + 1,
        a.httpStatus(),
        error);
    if (!Duration.between(firstFailure, now).minus(props.retryFor()).isNegative()) {
      String reason =
          "delivery of event "
              + e.eventNumber()
              + " failed for "
              + props.retryFor()
              + " ("
              + (e.attempts() + 1)
              + " attempts; last: "
              + error
              + "); POST /admin/subscriptions/"
              + sub.id()
              + "/replay resends";
      store.markError(sub.id(), reason);
      log.warn("event=subscription_error subscription={} attempts={}", sub.id(), e.attempts() + 1);
    }
    return false;
  }

  /**
   * initial * 2^attempts, capped, times a jitter in [0.5, 1): receivers coming back are not
   * stampeded.
   */
  Duration backoff(int attemptsBefore) {
    long initial = props.initialBackoff().toMillis();
    long capped = Math.min(props.maxBackoff().toMillis(), initial << Math.min(attemptsBefore, 30));
    double jitter = 0.5 + ThreadLocalRandom.current().nextDouble() * 0.5;
    return Duration.ofMillis(Math.max(1, (long) (capped * jitter)));
  }

  private static String truncate(String s) {
    return s.length() <= 500 ? s : s.substring(0, 500) + "...";
  }

  private static java.util.concurrent.ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
