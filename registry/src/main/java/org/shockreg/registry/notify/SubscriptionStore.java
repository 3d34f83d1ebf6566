package org.shockreg.registry.notify;

import static org.shockreg.registry.db.JdbcValues.instant;
import static org.shockreg.registry.db.JdbcValues.ts;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;

/**
 * Subscriptions, their outbox events and delivery log. Runs in the caller's transaction; the
 * dispatcher holds one per delivery (see {@link #tryLockDelivery}).
 */
public class SubscriptionStore {

  private static final String COLUMNS =
      "subscription_id, status, resource_type, criteria, study_ids, statuses, channel_type, endpoint,"
          + " payload_content, headers, end_at, owner, error, event_count, resource::text, last_updated";

  private static final String EVENT_COLUMNS =
      "subscription_id, event_number, focus_type, focus_id, occurred_at, attempts, first_failure_at, next_attempt_at";

  private final JdbcTemplate jdbc;
  private final SubscriptionOutbox outbox;

  public SubscriptionStore(JdbcTemplate jdbc, SubscriptionOutbox outbox) {
    this.jdbc = jdbc;
    this.outbox = outbox;
  }

  /** Stores a new subscription and seeds what it matches now (those are not news). */
  public void create(SubscriptionRow s) {
    jdbc.update(
        con -> {
          var ps =
              con.prepareStatement(
                  "INSERT INTO subscription (subscription_id, status, resource_type, criteria, study_ids, statuses,"
                      + " channel_type, endpoint, payload_content, headers, end_at, owner, resource)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)");
          int i = 1;
          ps.setString(i++, s.id());
          ps.setString(i++, s.status());
          ps.setString(i++, s.resourceType());
          ps.setString(i++, s.criteria());
          ps.setArray(
              i++, s.studyIds() == null ? null : con.createArrayOf("text", s.studyIds().toArray()));
          ps.setArray(
              i++, s.statuses() == null ? null : con.createArrayOf("text", s.statuses().toArray()));
          ps.setString(i++, s.channelType());
          ps.setString(i++, s.endpoint());
          ps.setString(i++, s.payloadContent());
          ps.setArray(i++, con.createArrayOf("text", s.headers().toArray()));
          ps.setTimestamp(i++, ts(s.endAt()));
          ps.setString(i++, s.owner());
          ps.setString(i, s.resourceJson());
          return ps;
        });
    outbox.seed(s.id());
  }

  public Optional<SubscriptionRow> find(String id) {
    return jdbc
        .query("SELECT " + COLUMNS + " FROM subscription WHERE subscription_id = ?", ROWS, id)
        .stream()
        .findFirst();
  }

  /** Every subscription not deleted, oldest first. */
  public List<SubscriptionRow> list() {
    return jdbc.query(
        "SELECT "
            + COLUMNS
            + " FROM subscription WHERE status <> 'off' ORDER BY created_at, subscription_id",
        ROWS);
  }

  /** Deletes a subscription: {@code off}, nothing more matched or delivered; its log is kept. */
  public boolean delete(String id) {
    int n =
        jdbc.update(
            "UPDATE subscription SET status = 'off', last_updated = now() WHERE subscription_id = ? AND status <> 'off'",
            id);
    jdbc.update("DELETE FROM subscription_match WHERE subscription_id = ?", id);
    return n > 0;
  }

  /**
   * Active again after an error: its pending events go out now, in order, with a fresh retry
   * budget; with {@code sinceEvent}, delivered events from that number on go out again too. Returns
   * the number of events queued, or -1 when there is no such subscription.
   */
  public int replay(String id, Long sinceEvent) {
    int n =
        jdbc.update(
            "UPDATE subscription SET status = 'active', error = NULL, last_updated = now()"
                + " WHERE subscription_id = ? AND status <> 'off'",
            id);
    if (n == 0) {
      return -1;
    }
    return jdbc.update(
        "UPDATE subscription_event SET status = 'pending', attempts = 0, first_failure_at = NULL,"
            + " next_attempt_at = now(), delivered_at = NULL"
            + " WHERE subscription_id = ? AND (status = 'pending' OR event_number >= ?)",
        id,
        sinceEvent == null ? Long.MAX_VALUE : sinceEvent);
  }

  /** Active subscriptions with an event due now. */
  public List<String> dueSubscriptions() {
    return jdbc.queryForList(
        "SELECT DISTINCT e.subscription_id FROM subscription_event e"
            + " JOIN subscription s ON s.subscription_id = e.subscription_id"
            + " WHERE e.status = 'pending' AND e.next_attempt_at <= now() AND s.status = 'active'",
        String.class);
  }

  /**
   * Whether this transaction may deliver the subscription's events: one instance and one thread at
   * a time per subscription (events go out in order); the lock ends with the transaction.
   */
  public boolean tryLockDelivery(String subscriptionId) {
    Boolean locked =
        jdbc.queryForObject(
            "SELECT pg_try_advisory_xact_lock(hashtextextended('shockreg-subscription-delivery:' || ?, 0))",
            Boolean.class,
            subscriptionId);
    return Boolean.TRUE.equals(locked);
  }

  /**
   * The oldest undelivered events of a subscription, in order (later ones wait for earlier ones).
   */
  public List<SubscriptionEvent> pendingEvents(String subscriptionId, int limit) {
    return jdbc.query(
        "SELECT "
            + EVENT_COLUMNS
            + " FROM subscription_event WHERE subscription_id = ? AND status = 'pending'"
            + " ORDER BY event_number LIMIT ?",
        EVENTS,
        subscriptionId,
        limit);
  }

  public void markDelivered(SubscriptionEvent e) {
    jdbc.update(
        "UPDATE subscription_event SET status = 'delivered', delivered_at = now(), attempts = attempts + 1,"
            + " last_error = NULL WHERE subscription_id = ? AND event_number = ?",
        e.subscriptionId(),
        e.eventNumber());
  }

  public void markFailed(
      SubscriptionEvent e, String error, Instant firstFailureAt, Instant nextAttemptAt) {
    jdbc.update(
        "UPDATE subscription_event SET attempts = attempts + 1, last_error = ?, first_failure_at = ?,"
            + " next_attempt_at = ? WHERE subscription_id = ? AND event_number = ?",
        error,
        ts(firstFailureAt),
        ts(nextAttemptAt),
        e.subscriptionId(),
        e.eventNumber());
  }

  /** Gives up on a subscription until an operator replays it; its events stay pending. */
  public void markError(String subscriptionId, String reason) {
    jdbc.update(
        "UPDATE subscription SET status = 'error', error = ?, last_updated = now()"
            + " WHERE subscription_id = ? AND status = 'active'",
        reason,
        subscriptionId);
  }

  /** One line of the delivery log (every attempt, delivered or not). */
  public void logAttempt(
      SubscriptionEvent e,
      Instant at,
      long durationMs,
      boolean delivered,
      Integer httpStatus,
      String error) {
    jdbc.update(
        "INSERT INTO subscription_delivery (subscription_id, event_number, attempted_at, duration_ms, outcome,"
            + " http_status, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
        e.subscriptionId(),
        e.eventNumber(),
        ts(at),
        (int) Math.min(Integer.MAX_VALUE, durationMs),
        delivered ? "delivered" : "failed",
        httpStatus,
        error);
  }

  /** Each subscription (deleted ones too, for the record) with its counts and last attempt. */
  public List<SubscriptionOverview> overview() {
    return jdbc.query(
        "SELECT s.subscription_id, s.status, s.criteria, s.channel_type, s.endpoint, s.error, s.event_count,"
            + " (SELECT count(*) FROM subscription_event e WHERE e.subscription_id = s.subscription_id"
            + "   AND e.status = 'delivered'),"
            + " (SELECT count(*) FROM subscription_event e WHERE e.subscription_id = s.subscription_id"
            + "   AND e.status = 'pending'),"
            + " (SELECT min(occurred_at) FROM subscription_event e WHERE e.subscription_id = s.subscription_id"
            + "   AND e.status = 'pending'),"
            + " d.attempted_at, d.outcome, d.http_status, d.error"
            + " FROM subscription s LEFT JOIN LATERAL (SELECT attempted_at, outcome, http_status, error"
            + "   FROM subscription_delivery x WHERE x.subscription_id = s.subscription_id"
            + "   ORDER BY row_id DESC LIMIT 1) d ON true"
            + " ORDER BY s.created_at, s.subscription_id",
        (rs, n) -> {
          int status = rs.getInt(13);
          return new SubscriptionOverview(
              rs.getString(1),
              rs.getString(2),
              rs.getString(3),
              rs.getString(4),
              rs.getString(5),
              rs.getString(6),
              rs.getLong(7),
              rs.getLong(8),
              rs.getLong(9),
              instant(rs, 10),
              instant(rs, 11),
              rs.getString(12),
              rs.wasNull() ? null : status,
              rs.getString(14));
        });
  }

  /**
   * Deletes the delivery log and delivered events older than {@code cutoff}; undelivered events are
   * never purged. Returns the rows deleted.
   */
  public int purgeBefore(Instant cutoff) {
    int log = jdbc.update("DELETE FROM subscription_delivery WHERE attempted_at < ?", ts(cutoff));
    int events =
        jdbc.update(
            "DELETE FROM subscription_event WHERE status = 'delivered' AND delivered_at < ?",
            ts(cutoff));
    return log + events;
  }

  /** Undelivered events of live subscriptions and the time the oldest of them occurred. */
  public PendingSummary pendingSummary() {
    return jdbc.queryForObject(
        "SELECT count(*), min(e.occurred_at) FROM subscription_event e"
            + " JOIN subscription s ON s.subscription_id = e.subscription_id"
            + " WHERE e.status = 'pending' AND s.status <> 'off'",
        (rs, n) -> new PendingSummary(rs.getLong(1), instant(rs, 2)));
  }

  public record PendingSummary(long pending, Instant oldestOccurredAt) {}

  private static final RowMapper<SubscriptionEvent> EVENTS =
      (rs, n) ->
          new SubscriptionEvent(
              rs.getString(1),
              rs.getLong(2),
              rs.getString(3),
              rs.getString(4),
              instant(rs, 5),
              rs.getInt(6),
              instant(rs, 7),
              instant(rs, 8));

  private static final RowMapper<SubscriptionRow> ROWS =
      (rs, n) ->
          new SubscriptionRow(
              rs.getString(1),
              rs.getString(2),
              rs.getString(3),
              rs.getString(4),
              strings(rs, 5),
              strings(rs, 6),
              rs.getString(7),
              rs.getString(8),
              rs.getString(9),
              strings(rs, 10),
              instant(rs, 11),
              rs.getString(12),
              rs.getString(13),
              rs.getLong(14),
              rs.getString(15),
              instant(rs, 16));

  private static List<String> strings(ResultSet rs, int col) throws SQLException {
    Array a = rs.getArray(col);
    return a == null ? null : Arrays.asList((String[]) a.getArray());
  }
}
