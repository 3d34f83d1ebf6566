package org.shockreg.server.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Which statement counts a search: a clause's own count only when it is the search's one clause.
 */
class SqlSearchCountTest {

  static SqlSearch search() {
    return new SqlSearch("Observation", "curated_observation", "*", null);
  }

  @Test
  void theOnlyClause_isCountedByItsOwnStatement_withOrWithoutParentheses() {
    SqlSearch bare = search();
    bare.where(bare.countAlone("a = " + bare.param(1), "SELECT count(*) FROM keys"));
    assertThat(bare.countSql()).isEqualTo("SELECT count(*) FROM keys");

    SqlSearch wrapped = search();
    wrapped.where("(" + wrapped.countAlone("a = " + wrapped.param(1), "SELECT 7") + ")");
    assertThat(wrapped.countSql()).isEqualTo("SELECT 7");
  }

  @Test
  void withAnotherClause_orNegated_theSearchIsCountedOverItsTable() {
    SqlSearch two = search();
    two.where(two.countAlone("a = " + two.param(1), "SELECT 7")).where("b = 2");
    assertThat(two.countSql())
        .isEqualTo("SELECT count(*) FROM curated_observation WHERE a = :p0 AND b = 2");

    SqlSearch negated = search();
    negated.where(
        "NOT COALESCE((" + negated.countAlone("a = " + negated.param(1), "SELECT 7") + "), false)");
    assertThat(negated.countSql()).startsWith("SELECT count(*) FROM curated_observation WHERE NOT");

    SqlSearch or = search();
    String a = or.countAlone("a = " + or.param(1), "SELECT 7");
    String b = or.countAlone("b = " + or.param(2), "SELECT 8");
    or.where("(" + a + " OR " + b + ")");
    assertThat(or.countSql()).startsWith("SELECT count(*) FROM curated_observation WHERE (a");
  }
}
