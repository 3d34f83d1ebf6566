package org.shockreg.registry.notify;

import static org.shockreg.registry.db.JdbcValues.instant;

import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.shockreg.registry.db.TransactionLocks;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The transactional outbox of screening alerts. Runs in the transaction that rewrote the patients'
 * ResearchSubjects: compares what each subscription matches now with what it matched before ({@code
 * subscription_match}) and writes one {@code subscription_event} per transition into the match,
 * numbered per subscription. The event commits with the change or not at all, so a crash can
 * neither lose nor invent one.
 */
public class SubscriptionOutbox {

  /**
   * Shared by every transaction that may change a match (taken before any patient lock), exclusive
   * while a subscription is created: its seed of current matches then sees every committed change
   * and no transaction evaluates without it.
   */
  public static final String SHARED_LOCK_SQL =
      "SELECT pg_advisory_xact_lock_shared(hashtextextended('shockreg-subscriptions', 0))";

  /** Takes the shared lock ({@link #SHARED_LOCK_SQL}) unless this transaction holds it already. */
  public static void lockShared(JdbcTemplate jdbc) {
    if (TransactionLocks.toTake("shockreg-subscriptions-shared")) {
      jdbc.query(SHARED_LOCK_SQL, rs -> {});
    }
  }

  static final String EXCLUSIVE_LOCK_SQL =
      "SELECT pg_advisory_xact_lock(hashtextextended('shockreg-subscriptions', 0))";

  /** Statuses before randomization: a transition into one of them is a screening alert. */
  static final Set<String> SCREENING_STATUSES =
      Set.of(
          "candidate",
          "eligible",
          "potential-candidate",
          "screening",
          "pending-on-study",
          "not-registered");

  static final String LIVE =
      "s.status IN ('active', 'error') AND (s.end_at IS NULL OR s.end_at > now())";

  /** The ResearchSubjects a subscription matches, joined on its parsed criteria. */
  static final String JOIN =
      " FROM subscription s JOIN research_subject rs"
          + " ON (s.study_ids IS NULL OR rs.study_id = ANY(s.study_ids))"
          + " AND (s.statuses IS NULL OR rs.status = ANY(s.statuses))";

  static final String MATCHES =
      "SELECT s.subscription_id, rs.subject_id, rs.patient_id, rs.status, rs.window_end"
          + JOIN
          + " WHERE s.resource_type = 'ResearchSubject' AND ";

  private final JdbcTemplate jdbc;

  public SubscriptionOutbox(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  private record Match(
      String subscriptionId, String focusId, String patientId, String status, Instant windowEnd) {}

  /**
   * Records the transitions of these patients' ResearchSubjects. A subject that newly matches but
   * whose randomization window has already closed is recorded as matched without an event (a
   * backfill of old data sends no screening alerts). Returns the number of events written.
   */
  public int recordTransitions(Collection<String> patientIds) {
    if (patientIds.isEmpty()) {
      return 0;
    }
    lockShared(jdbc);
    Integer live =
        jdbc.queryForObject("SELECT count(*) FROM subscription s WHERE " + LIVE, Integer.class);
    if (live == null || live == 0) {
      return 0;
    }
    String[] ids = patientIds.toArray(String[]::new);
    List<Match> now = new ArrayList<>();
    jdbc.query(
        con -> {
          PreparedStatement ps =
              con.prepareStatement(MATCHES + LIVE + " AND rs.patient_id = ANY(?)");
          ps.setArray(1, con.createArrayOf("text", ids));
          return ps;
        },
        rs -> {
          now.add(
              new Match(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  instant(rs, 5)));
        });
    Set<String> before = new HashSet<>();
    jdbc.query(
        con -> {
          PreparedStatement ps =
              con.prepareStatement(
                  "SELECT m.subscription_id || ' ' || m.focus_id FROM subscription_match m"
                      + " JOIN subscription s ON s.subscription_id = m.subscription_id"
                      + " WHERE m.patient_id = ANY(?) AND "
                      + LIVE);
          ps.setArray(1, con.createArrayOf("text", ids));
          return ps;
        },
        rs -> {
          before.add(rs.getString(1));
        });
    Set<String> current = new HashSet<>();
    // Sorted by subscription: event numbers are taken under row locks in one order (no deadlocks).
    Map<String, List<Match>> entering = new TreeMap<>();
    List<Match> newMatches = new ArrayList<>();
    Instant clock = Instant.now();
    for (Match m : now) {
      String key = m.subscriptionId() + " " + m.focusId();
      current.add(key);
      if (before.contains(key)) {
        continue;
      }
      newMatches.add(m);
      boolean windowClosed =
          SCREENING_STATUSES.contains(m.status())
              && m.windowEnd() != null
              && m.windowEnd().isBefore(clock);
      if (!windowClosed) {
        entering.computeIfAbsent(m.subscriptionId(), k -> new ArrayList<>()).add(m);
      }
    }
    List<Object[]> gone = new ArrayList<>();
    for (String key : before) {
      if (!current.contains(key)) {
        gone.add(key.split(" ", 2));
      }
    }
    if (!gone.isEmpty()) {
      jdbc.batchUpdate(
          "DELETE FROM subscription_match WHERE subscription_id = ? AND focus_id = ?", gone);
    }
    if (!newMatches.isEmpty()) {
      jdbc.batchUpdate(
          "INSERT INTO subscription_match (subscription_id, focus_id, patient_id) VALUES (?, ?, ?)"
              + " ON CONFLICT DO NOTHING",
          newMatches.stream()
              .map(m -> new Object[] {m.subscriptionId(), m.focusId(), m.patientId()})
              .toList());
    }
    int events = 0;
    for (Map.Entry<String, List<Match>> e : entering.entrySet()) {
      events += enqueue(e.getKey(), e.getValue());
    }
    return events;
  }

  /**
   * Takes the next event numbers of one subscription (row lock until commit) and writes the events.
   */
  private int enqueue(String subscriptionId, List<Match> matches) {
    matches.sort((a, b) -> a.focusId().compareTo(b.focusId()));
    Long last =
        jdbc.queryForObject(
            "UPDATE subscription SET event_count = event_count + ? WHERE subscription_id = ? RETURNING event_count",
            Long.class,
            matches.size(),
            subscriptionId);
    long first = last - matches.size() + 1;
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < matches.size(); i++) {
      rows.add(
          new Object[] {subscriptionId, first + i, "ResearchSubject", matches.get(i).focusId()});
    }
    jdbc.batchUpdate(
        "INSERT INTO subscription_event (subscription_id, event_number, focus_type, focus_id, occurred_at,"
            + " next_attempt_at) VALUES (?, ?, ?, ?, clock_timestamp(), clock_timestamp())",
        rows);
    return rows.size();
  }

  /**
   * Seeds a new subscription with what it matches now (no events: those are not transitions), under
   * the exclusive lock so that no transaction in flight evaluates without it.
   */
  public void seed(String subscriptionId) {
    jdbc.query(EXCLUSIVE_LOCK_SQL, rs -> {});
    jdbc.update(
        "INSERT INTO subscription_match (subscription_id, focus_id, patient_id)"
            + " SELECT s.subscription_id, rs.subject_id, rs.patient_id"
            + JOIN
            + " WHERE s.subscription_id = ?",
        subscriptionId);
  }
}
