package org.shockreg.server.fhir;

/**
 * Observation {@code code} tokens and their counts. A search on a source code joins {@code
 * measurement_coding} (one btree key per distinct code and system of a measurement's codings, kept
 * by triggers on measurement). A search whose only clause is a code is counted from {@code
 * observation_code_tally}: signed per-statement deltas appended by the same triggers in the writing
 * transaction, so the sum of a key's few rows is exactly the number of rows the search pages
 * through, where an index-only count read every matching key (0.3-1.2 M at 10 M Observations, issue
 * 15). Derived facts have no source codings.
 */
final class SourceCodeClauses {

  private SourceCodeClauses() {}

  /**
   * {@code system|code} for a source system: measurements with such a coding, joined by row id
   * ({@code kind IS NULL} prunes the derived-fact branch of the view).
   */
  static String systemAndCode(SqlSearch s, String system, String code) {
    String c = s.param(code);
    String sys = s.param(system);
    return s.countAlone(
        "(kind IS NULL AND row_id IN (SELECT row_id FROM measurement_coding WHERE code = "
            + c
            + " AND system = "
            + sys
            + "))",
        tally("key_kind = 's' AND code = " + c + " AND system = " + sys));
  }

  /**
   * {@code code} without a system ({@code clause}: the registry variable or any coding with that
   * code): measurements with the code among their codings or as their variable ({@code b}), plus
   * derived facts of that variable ({@code d}).
   */
  static String countCodeAlone(SqlSearch s, String clause, String code) {
    return s.countAlone(clause, tally("key_kind IN ('b', 'd') AND code = " + s.param(code)));
  }

  /**
   * A registry variable ({@code clause} already names the view branch that holds it): measurements
   * ({@code m}) or derived facts ({@code d}) of that variable.
   */
  static String countVariableAlone(SqlSearch s, String clause, String variable, boolean derived) {
    return s.countAlone(
        clause,
        tally("key_kind = '" + (derived ? "d" : "m") + "' AND code = " + s.param(variable)));
  }

  private static String tally(String keys) {
    return "SELECT CAST(COALESCE(sum(n), 0) AS bigint) FROM observation_code_tally WHERE " + keys;
  }
}
