package org.shockreg.server.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.shockreg.server.fhir.SqlSearch.KeyType;
import org.shockreg.server.fhir.SqlSearch.SortKey;

/** Date range arithmetic, the clauses per prefix, and keyset cursors. */
class SearchDatesTest {

  static SearchDates.Range range(String value) {
    return SearchDates.range(new DateParam(value));
  }

  @Test
  void aValueStandsForTheRangeOfItsPrecision() {
    assertThat(range("2024"))
        .isEqualTo(
            new SearchDates.Range(
                Instant.parse("2024-01-01T00:00:00Z"), Instant.parse("2025-01-01T00:00:00Z")));
    assertThat(range("2024-02"))
        .isEqualTo(
            new SearchDates.Range(
                Instant.parse("2024-02-01T00:00:00Z"), Instant.parse("2024-03-01T00:00:00Z")));
    assertThat(range("2024-12-31"))
        .isEqualTo(
            new SearchDates.Range(
                Instant.parse("2024-12-31T00:00:00Z"), Instant.parse("2025-01-01T00:00:00Z")));
    assertThat(range("ge2024-03-01T10:00:00Z"))
        .isEqualTo(
            new SearchDates.Range(
                Instant.parse("2024-03-01T10:00:00Z"), Instant.parse("2024-03-01T10:00:01Z")));
    assertThat(range("2024-03-01T11:00:00+01:00").low())
        .isEqualTo(Instant.parse("2024-03-01T10:00:00Z"));
    assertThat(range("2024-03-01T10:00:00.250Z"))
        .isEqualTo(
            new SearchDates.Range(
                Instant.parse("2024-03-01T10:00:00.250Z"),
                Instant.parse("2024-03-01T10:00:00.251Z")));
  }

  @Test
  void approximateWidensByATenthOfTheDistanceFromNow_atLeastADay() {
    Instant now = Instant.parse("2025-01-11T00:00:00Z");
    SearchDates.Range r = SearchDates.approximate(range("2024-01-11"), now);
    // 366 days away: widened by 36.6 days below; the upper end (365 days away) by 36.5 days
    assertThat(r.low())
        .isEqualTo(Instant.parse("2024-01-11T00:00:00Z").minusMillis(366L * 86_400_000 / 10));
    assertThat(r.high())
        .isEqualTo(Instant.parse("2024-01-12T00:00:00Z").plusMillis(365L * 86_400_000 / 10));
    SearchDates.Range near = SearchDates.approximate(range("2025-01-10"), now);
    assertThat(near.low()).isEqualTo(Instant.parse("2025-01-09T00:00:00Z"));
    assertThat(near.high()).isEqualTo(Instant.parse("2025-01-12T00:00:00Z"));
  }

  static SqlSearch search() {
    return new SqlSearch("Observation", "t", "x", (rs, i) -> null);
  }

  @Test
  void pointPrefixes() {
    SqlSearch s = search();
    assertThat(SearchDates.pointClause(s, "c", new DateParam("2024")))
        .isEqualTo("(c >= :p0 AND c < :p1)");
    assertThat(SearchDates.pointClause(s, "c", new DateParam("ne2024")))
        .isEqualTo("(c < :p2 OR c >= :p3)");
    assertThat(SearchDates.pointClause(s, "c", new DateParam("gt2024"))).isEqualTo("c >= :p5");
    assertThat(s.params().getValue("p5"))
        .isEqualTo(Timestamp.from(Instant.parse("2025-01-01T00:00:00Z")));
    assertThat(SearchDates.pointClause(s, "c", new DateParam("le2024"))).isEqualTo("c < :p7");
    assertThat(SearchDates.pointClause(s, "c", new DateParam("eb2024"))).isEqualTo("c < :p8");
    assertThat(s.params().getValue("p8"))
        .isEqualTo(Timestamp.from(Instant.parse("2024-01-01T00:00:00Z")));
  }

  @Test
  void yearPrefixes_takeTheValueAtYearPrecision() {
    SqlSearch s = search();
    assertThat(SearchDates.yearClause(s, "y", new DateParam("gt1960-06"))).isEqualTo("y > :p1");
    assertThat(s.params().getValue("p1")).isEqualTo(1960);
    assertThat(SearchDates.yearClause(s, "y", new DateParam("ge1960-06"))).isEqualTo("y >= :p2");
    assertThat(s.params().getValue("p2")).isEqualTo(1960);
  }

  @Test
  void periodPrefixes_treatAMissingEndAsOngoing() {
    SqlSearch s = search();
    assertThat(SearchDates.periodClause(s, "st", "en", new DateParam("eq2024")))
        .isEqualTo("(st >= :p0 AND en < :p1)");
    assertThat(SearchDates.periodClause(s, "st", "en", new DateParam("gt2024")))
        .isEqualTo("(en IS NULL OR en >= :p3)");
    assertThat(SearchDates.periodClause(s, "st", "en", new DateParam("sa2024")))
        .isEqualTo("st >= :p5");
    assertThat(SearchDates.periodClause(s, "st", "en", new DateParam("eb2024")))
        .isEqualTo("en < :p6");
  }

  @Test
  void aMissingDateAnswers400() {
    // malformed values are rejected by HAPI's DateParam itself (DataFormatException: 400)
    assertThatThrownBy(() -> new DateParam("2024-02-30"))
        .isInstanceOf(ca.uhn.fhir.parser.DataFormatException.class);
    assertThatThrownBy(() -> SearchDates.range(new DateParam()))
        .isInstanceOf(InvalidRequestException.class);
  }

  @Test
  void cursorsRoundTrip_withNullsAndOddText() {
    List<SortKey> keys =
        List.of(
            new SortKey("a", KeyType.TIMESTAMP, false, true),
            new SortKey("b", KeyType.TEXT, true, false),
            new SortKey("c", KeyType.NUMERIC, false, true),
            new SortKey("row_id", KeyType.INTEGER, false, false));
    List<Object> values =
        java.util.Arrays.asList(
            Timestamp.from(Instant.parse("2024-03-01T10:00:00.123Z")), "a,b!%-_", null, 42L);
    String cursor = SqlSearch.encode(values);
    assertThat(cursor).matches("[A-Za-z0-9_-]+");
    assertThat(SqlSearch.decode(cursor, keys)).isEqualTo(values);
    assertThatThrownBy(() -> SqlSearch.decode("not-a-cursor", keys))
        .isInstanceOf(InvalidRequestException.class);
  }
}
