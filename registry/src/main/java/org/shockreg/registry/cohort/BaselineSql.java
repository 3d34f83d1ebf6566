package org.shockreg.registry.cohort;

/**
 * The baseline value of a registry variable for a shock episode, as {@code $cohort-summary} and the
 * trial interim report take it: the measurement nearest the shock diagnosis within the episode
 * window; ties go to the earlier one, then by observation id; implausible-flagged values and those
 * without a time do not count.
 */
public final class BaselineSql {

  private BaselineSql() {}

  /**
   * A scalar subquery of that value. Arguments are SQL expressions of the enclosing query (column
   * references or bound parameters, never data): {@code variable} the registry variable, {@code
   * patient} the patient id, {@code windowStart} / {@code windowEnd} the episode window (the end
   * may be cut earlier, e.g. by an as-of time), {@code diagnosis} the shock diagnosis time.
   */
  public static String nearest(
      String variable, String patient, String windowStart, String windowEnd, String diagnosis) {
    return "SELECT x.value FROM measurement x WHERE x.patient_id = "
        + patient
        + " AND x.variable = "
        + variable
        + " AND x.value IS NOT NULL AND x.effective_at BETWEEN "
        + windowStart
        + " AND "
        + windowEnd
        + " AND NOT ('implausible' = ANY(x.flags))"
        + " ORDER BY abs(extract(epoch FROM x.effective_at - "
        + diagnosis
        + ")), x.effective_at,"
        + " x.observation_id LIMIT 1";
  }
}
