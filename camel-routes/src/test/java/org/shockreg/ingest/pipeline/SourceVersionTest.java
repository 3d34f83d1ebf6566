package org.shockreg.ingest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which of two versions of one source resource is the newer (the curated fact follows it). */
class SourceVersionTest {

  static SourceVersion v(String versionId, String lastUpdated) {
    return SourceVersion.of(versionId, lastUpdated);
  }

  @Test
  void numericVersionIds_areComparedAsNumbers_so10IsNewerThan9() {
    assertThat(v("9", null).isOlderThan(v("10", null))).isTrue();
    assertThat(v("10", null).isOlderThan(v("9", null))).isFalse();
    assertThat(SourceVersion.compare(v("10", null), v("9", null))).isPositive();
  }

  @Test
  void leadingZerosAndVeryLongNumericIds_compareByValue() {
    assertThat(SourceVersion.compare(v("007", null), v("7", null))).isZero();
    assertThat(v("99999999999999999999999", null).isOlderThan(v("100000000000000000000000", null)))
        .isTrue();
  }

  @Test
  void versionIdWins_overAContradictingLastUpdated() {
    SourceVersion v2 = v("2", "2025-01-01T00:00:00Z");
    SourceVersion v3 = v("3", "2024-01-01T00:00:00Z");
    assertThat(v2.isOlderThan(v3)).isTrue();
    assertThat(v3.isOlderThan(v2)).isFalse();
  }

  @Test
  void withoutVersionIds_lastUpdatedOrders_asInstantsWhateverTheOffset() {
    SourceVersion earlier = v(null, "2025-04-02T09:00:00Z");
    SourceVersion later = v(null, "2025-04-02T10:30:00+01:00"); // 09:30Z
    assertThat(earlier.isOlderThan(later)).isTrue();
    assertThat(later.isOlderThan(earlier)).isFalse();
    // As text "2025-04-02T10:00:00+02:00" sorts after 09:00Z, but it is 08:00Z.
    assertThat(v(null, "2025-04-02T10:00:00+02:00").isOlderThan(earlier)).isTrue();
  }

  @Test
  void fractionalSeconds_count() {
    assertThat(v(null, "2025-04-02T09:00:00.100Z").isOlderThan(v(null, "2025-04-02T09:00:00.250Z")))
        .isTrue();
  }

  @Test
  void nonNumericVersionIds_fallBackToLastUpdated() {
    SourceVersion a = v("b7f3", "2025-04-02T09:00:00Z");
    SourceVersion b = v("a1c9", "2025-04-03T09:00:00Z");
    assertThat(a.isOlderThan(b)).isTrue();
    assertThat(b.isOlderThan(a)).isFalse();
  }

  @Test
  void oneNumericOneNot_fallsBackToLastUpdated() {
    assertThat(v("5", "2025-04-03T09:00:00Z").isOlderThan(v("abc", "2025-04-02T09:00:00Z")))
        .isFalse();
    assertThat(v("abc", "2025-04-02T09:00:00Z").isOlderThan(v("5", "2025-04-03T09:00:00Z")))
        .isTrue();
  }

  @Test
  void sameVersionId_isOrderedByLastUpdated_elseUnordered() {
    assertThat(v("3", "2025-04-02T09:00:00Z").isOlderThan(v("3", "2025-04-02T10:00:00Z"))).isTrue();
    assertThat(
            SourceVersion.compare(v("3", "2025-04-02T09:00:00Z"), v("3", "2025-04-02T09:00:00Z")))
        .isZero();
    assertThat(SourceVersion.compare(v("3", null), v("3", null))).isZero();
  }

  @Test
  void nothingComparable_isUnordered_neitherIsOlder() {
    assertThat(SourceVersion.compare(SourceVersion.NONE, SourceVersion.NONE)).isZero();
    assertThat(v("abc", null).isOlderThan(v("def", null))).isFalse();
    assertThat(v("def", null).isOlderThan(v("abc", null))).isFalse();
    // One side has only a versionId, the other only a lastUpdated: nothing to compare.
    assertThat(v("1", null).isOlderThan(v(null, "2025-04-02T09:00:00Z"))).isFalse();
    assertThat(v(null, "2025-04-02T09:00:00Z").isOlderThan(v("1", null))).isFalse();
  }

  @Test
  void unparseableLastUpdated_countsAsAbsent() {
    assertThat(v(null, "yesterday").lastUpdated()).isNull();
    assertThat(v(null, "2025-04-02").lastUpdated()).as("a date is not an instant").isNull();
    assertThat(v(null, "2025-04-02T09:00:00").lastUpdated())
        .as("no offset: moment unknown")
        .isNull();
    assertThat(v(null, "yesterday").isOlderThan(v(null, "2025-04-02T09:00:00Z"))).isFalse();
    assertThat(v(null, "2025-04-02T09:00:00Z").lastUpdated())
        .isEqualTo(Instant.parse("2025-04-02T09:00:00Z"));
  }

  @Test
  void describe_namesWhatWasCompared() {
    assertThat(v("1", "2025-04-01T10:00:00Z").describe())
        .isEqualTo("versionId 1, lastUpdated 2025-04-01T10:00:00Z");
    assertThat(v(null, "2025-04-01T12:00:00+02:00").describe())
        .isEqualTo("lastUpdated 2025-04-01T10:00:00Z");
    assertThat(SourceVersion.NONE.describe()).isEqualTo("no versionId or lastUpdated");
  }
}
