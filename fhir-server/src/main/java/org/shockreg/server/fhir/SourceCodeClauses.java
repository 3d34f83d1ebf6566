package org.shockreg.server.fhir;

/**
 * Observation {@code code} tokens on source codings, through {@code measurement_coding} (one btree
 * key per distinct code and system of a measurement's codings, kept by triggers on measurement): a
 * count reads only that index, where the jsonb GIN index on the codings had to visit every matching
 * heap page (issue 15). Derived facts have no source codings.
 */
final class SourceCodeClauses {

  private SourceCodeClauses() {}

  /**
   * {@code system|code} for a source system: measurements with such a coding, joined by row id
   * ({@code kind IS NULL} prunes the derived-fact branch of the view); counted from the keys alone.
   */
  static String systemAndCode(SqlSearch s, String system, String code) {
    String c = s.param(code);
    String sys = s.param(system);
    String keys = "FROM measurement_coding WHERE code = " + c + " AND system = " + sys;
    return s.countAlone(
        "(kind IS NULL AND row_id IN (SELECT row_id " + keys + "))", "SELECT count(*) " + keys);
  }

  /**
   * {@code code} without a system ({@code clause}: the registry variable or any coding with that
   * code): counted as the union of the coding keys and the variable's rows, both read in row-id
   * order from indexes, so the count needs neither heap pages nor hashing.
   */
  static String countCodeAlone(SqlSearch s, String clause, String code) {
    String c = s.param(code);
    return s.countAlone(
        clause,
        "SELECT count(*) FROM (SELECT row_id FROM measurement_coding WHERE code = "
            + c
            + " UNION SELECT row_id FROM curated_observation WHERE variable = "
            + c
            + ") AS matched");
  }
}
