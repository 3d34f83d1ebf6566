package org.shockreg.benchmarks.search;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The interfaces.md search set: one query kind per search parameter (and the combinations an
 * analyst uses), each drawing its values from the loaded data with a seeded random, so every
 * request differs but a run is reproducible.
 */
final class SearchSet {

  static final String REGISTRY_VARIABLE = "https://fhir.shockreg.org/CodeSystem/registry-variable";
  static final String TMCS_DEVICE = "https://fhir.shockreg.org/CodeSystem/tmcs-device";
  static final String DIAGNOSIS_CATEGORY =
      "https://fhir.shockreg.org/CodeSystem/diagnosis-category";
  static final String UCUM = "http://unitsofmeasure.org";

  /**
   * A query kind: its name and a generator of relative URLs ({@code Observation?...}). {@code
   * followNext}: the measured request is the bundle's {@code next} link, not the search itself;
   * {@code sortedByDateDescending}: the answer is checked for that order, since a server that does
   * not know {@code _sort} may ignore it.
   */
  record Kind(
      String name,
      Function<SplittableRandom, String> query,
      boolean followNext,
      boolean sortedByDateDescending) {}

  /** A measured variable: registry code, unit, and a high value (90th percentile). */
  record Variable(String code, String unit, double p90) {}

  private final List<String> patients;
  private final List<String> encounters;
  private final List<String> observationIds;
  private final List<Variable> quantities;
  private final List<String> variables;
  private final List<String[]> sourceCodes; // system, code
  private final List<String> valueCodes;
  private final List<String> categories = List.of("vital-signs", "laboratory", "exam");
  private final List<String> devices;
  private final List<String> diagnosisCategories;
  private final Instant effectiveFrom, effectiveTo;
  private final Instant updatedFrom, updatedTo;
  private final Instant deathFrom, deathTo;
  private final int birthFrom, birthTo;
  private final List<Kind> kinds = new ArrayList<>();

  SearchSet(JdbcTemplate jdbc, long seed) {
    // TABLESAMPLE ... REPEATABLE: a seeded, cheap sample of real ids.
    patients =
        jdbc.queryForList(
            "SELECT patient_id FROM patient TABLESAMPLE BERNOULLI(20) REPEATABLE("
                + (seed % 1000)
                + ") LIMIT 3000",
            String.class);
    encounters =
        jdbc.queryForList(
            "SELECT encounter_id FROM shock_episode TABLESAMPLE BERNOULLI(20) REPEATABLE("
                + (seed % 1000)
                + ") WHERE encounter_id IS NOT NULL LIMIT 3000",
            String.class);
    observationIds =
        jdbc.queryForList(
            "SELECT observation_id FROM measurement TABLESAMPLE SYSTEM(1) REPEATABLE("
                + (seed % 1000)
                + ") LIMIT 3000",
            String.class);
    quantities =
        jdbc.query(
            "SELECT variable, unit, percentile_cont(0.9) WITHIN GROUP (ORDER BY value) AS p90"
                + " FROM measurement TABLESAMPLE SYSTEM(10) REPEATABLE(1)"
                + " WHERE value IS NOT NULL AND unit IS NOT NULL GROUP BY variable, unit HAVING count(*) > 100",
            (rs, i) -> new Variable(rs.getString(1), rs.getString(2), rs.getDouble(3)));
    variables =
        jdbc.queryForList(
            "SELECT variable FROM (SELECT DISTINCT variable FROM measurement"
                + " UNION SELECT DISTINCT variable FROM derived_fact WHERE variable IS NOT NULL) v ORDER BY 1",
            String.class);
    sourceCodes =
        jdbc.query(
            "SELECT DISTINCT c->>'system', c->>'code'"
                + " FROM (SELECT codings FROM measurement TABLESAMPLE SYSTEM(2) REPEATABLE(1)) m,"
                + " jsonb_array_elements(m.codings) c WHERE c->>'system' IS NOT NULL ORDER BY 1, 2",
            (rs, i) -> new String[] {rs.getString(1), rs.getString(2)});
    valueCodes =
        jdbc.queryForList(
            "SELECT DISTINCT value_code FROM derived_fact WHERE value_code IS NOT NULL ORDER BY 1",
            String.class);
    devices =
        jdbc.queryForList("SELECT DISTINCT device FROM device_therapy ORDER BY 1", String.class);
    diagnosisCategories =
        jdbc.queryForList("SELECT DISTINCT category FROM diagnosis ORDER BY 1", String.class);
    Timestamp[] eff =
        jdbc.queryForObject(
            "SELECT min(effective_at), max(effective_at) FROM measurement",
            (rs, i) -> new Timestamp[] {rs.getTimestamp(1), rs.getTimestamp(2)});
    Timestamp[] upd =
        jdbc.queryForObject(
            "SELECT min(last_updated), max(last_updated) FROM measurement",
            (rs, i) -> new Timestamp[] {rs.getTimestamp(1), rs.getTimestamp(2)});
    Timestamp[] death =
        jdbc.queryForObject(
            "SELECT min(deceased_at), max(deceased_at) FROM patient",
            (rs, i) -> new Timestamp[] {rs.getTimestamp(1), rs.getTimestamp(2)});
    int[] birth =
        jdbc.queryForObject(
            "SELECT min(birth_year), max(birth_year) FROM patient",
            (rs, i) -> new int[] {rs.getInt(1), rs.getInt(2)});
    effectiveFrom = eff[0].toInstant();
    effectiveTo = eff[1].toInstant();
    updatedFrom = upd[0].toInstant();
    updatedTo = upd[1].toInstant();
    deathFrom = death[0] == null ? effectiveFrom : death[0].toInstant();
    deathTo = death[1] == null ? effectiveTo : death[1].toInstant();
    birthFrom = birth[0];
    birthTo = birth[1];
    if (patients.isEmpty()
        || encounters.isEmpty()
        || quantities.isEmpty()
        || valueCodes.isEmpty()) {
      throw new IllegalStateException(
          "the bench database holds too little data to draw queries from");
    }
    define();
  }

  List<Kind> kinds() {
    return kinds;
  }

  String describeValues() {
    return String.format(
        Locale.ROOT,
        "%d patients, %d encounters, %d observation ids, %d variables (%d with units), %d source codes,"
            + " %d value codes, %d devices, %d diagnosis categories; effective %s..%s",
        patients.size(),
        encounters.size(),
        observationIds.size(),
        variables.size(),
        quantities.size(),
        sourceCodes.size(),
        valueCodes.size(),
        devices.size(),
        diagnosisCategories.size(),
        effectiveFrom,
        effectiveTo);
  }

  private void kind(String name, Function<SplittableRandom, String> query) {
    kinds.add(new Kind(name, query, false, false));
  }

  private void define() {
    // ---- Observation ----
    kind("Observation patient", r -> "Observation?patient=" + enc(pick(r, patients)));
    kind("Observation subject", r -> "Observation?subject=" + enc("Patient/" + pick(r, patients)));
    kind("Observation _id", r -> "Observation?_id=" + enc(pick(r, observationIds)));
    kind(
        "Observation code (registry)",
        r -> "Observation?code=" + enc(REGISTRY_VARIABLE + "|" + pick(r, variables)));
    kind(
        "Observation code (LOINC)",
        r -> {
          String[] c = pick(r, sourceCodes);
          return "Observation?code=" + enc(c[0] + "|" + c[1]);
        });
    kind(
        "Observation date (1 day)",
        r -> {
          Instant day = day(r, effectiveFrom, effectiveTo);
          return "Observation?date=ge"
              + date(day)
              + "&date=lt"
              + date(day.plus(1, ChronoUnit.DAYS));
        });
    kind(
        "Observation value-quantity",
        r -> {
          Variable v = pick(r, quantities);
          return "Observation?value-quantity="
              + enc("gt" + number(v.p90()) + "|" + UCUM + "|" + v.unit());
        });
    kind(
        "Observation code+value-quantity",
        r -> {
          Variable v = pick(r, quantities);
          return "Observation?code="
              + enc(REGISTRY_VARIABLE + "|" + v.code())
              + "&value-quantity="
              + enc("ge" + number(v.p90()) + "|" + UCUM + "|" + v.unit());
        });
    kind("Observation value-concept", r -> "Observation?value-concept=" + enc(pick(r, valueCodes)));
    kind(
        "Observation category+patient",
        r -> "Observation?category=" + pick(r, categories) + "&patient=" + enc(pick(r, patients)));
    kind(
        "Observation encounter",
        r -> "Observation?encounter=" + enc("Encounter/" + pick(r, encounters)));
    kind(
        "Observation patient+code+date",
        r -> {
          Variable v = pick(r, quantities);
          return "Observation?patient="
              + enc(pick(r, patients))
              + "&code="
              + enc(REGISTRY_VARIABLE + "|" + v.code())
              + "&date=ge"
              + date(effectiveFrom);
        });
    kinds.add(
        new Kind(
            "Observation _sort=-date",
            r -> "Observation?patient=" + enc(pick(r, patients)) + "&_sort=-date",
            false,
            true));
    kind(
        "Observation _count",
        r ->
            "Observation?code="
                + enc(REGISTRY_VARIABLE + "|" + pick(r, variables))
                + "&_count="
                + (10 + r.nextInt(191)));
    kind(
        "Observation _summary=count",
        r ->
            "Observation?code="
                + enc(REGISTRY_VARIABLE + "|" + pick(r, variables))
                + "&_summary=count");
    kind(
        "Observation _summary=count (LOINC)",
        r -> {
          String[] c = pick(r, sourceCodes);
          return "Observation?code=" + enc(c[0] + "|" + c[1]) + "&_summary=count";
        });
    kind(
        "Observation _summary=count (code only)",
        r -> "Observation?code=" + enc(pick(r, sourceCodes)[1]) + "&_summary=count");
    kind(
        "Observation _lastUpdated",
        r -> "Observation?_lastUpdated=ge" + enc(instant(between(r, updatedFrom, updatedTo))));
    kind(
        "Observation _include subject",
        r ->
            "Observation?code="
                + enc(REGISTRY_VARIABLE + "|" + pick(r, quantities).code())
                + "&date=ge"
                + date(day(r, effectiveFrom, effectiveTo))
                + "&_include=Observation:subject");
    kind(
        "Observation _elements",
        r -> "Observation?patient=" + enc(pick(r, patients)) + "&_elements=code,value");
    kinds.add(
        new Kind(
            "Observation next link",
            r -> "Observation?patient=" + enc(pick(r, patients)) + "&_count=10",
            true,
            false));
    // ---- Procedure ----
    kind("Procedure patient", r -> "Procedure?patient=" + enc(pick(r, patients)));
    kind("Procedure code", r -> "Procedure?code=" + enc(TMCS_DEVICE + "|" + pick(r, devices)));
    kind(
        "Procedure date (1 week)",
        r -> {
          Instant day = day(r, effectiveFrom, effectiveTo);
          return "Procedure?date=ge" + date(day) + "&date=lt" + date(day.plus(7, ChronoUnit.DAYS));
        });
    // ---- Patient ----
    kind("Patient gender", r -> "Patient?gender=" + (r.nextInt(10) < 7 ? "male" : "female"));
    kind(
        "Patient birthdate",
        r -> {
          int y = birthFrom + r.nextInt(Math.max(1, birthTo - birthFrom - 4));
          return "Patient?birthdate=ge" + y + "&birthdate=lt" + (y + 5);
        });
    kind(
        "Patient death-date",
        r -> {
          Instant day = day(r, deathFrom, deathTo);
          return "Patient?death-date=ge"
              + date(day)
              + "&death-date=lt"
              + date(day.plus(30, ChronoUnit.DAYS));
        });
    kind(
        "Patient _revinclude",
        r -> "Patient?_id=" + enc(pick(r, patients)) + "&_revinclude=Observation:subject");
    // ---- Condition ----
    kind("Condition patient", r -> "Condition?patient=" + enc(pick(r, patients)));
    kind(
        "Condition code",
        r -> "Condition?code=" + enc(DIAGNOSIS_CATEGORY + "|" + pick(r, diagnosisCategories)));
    kind(
        "Condition onset-date",
        r -> {
          Instant day = day(r, effectiveFrom, effectiveTo);
          return "Condition?onset-date=ge"
              + date(day)
              + "&onset-date=lt"
              + date(day.plus(7, ChronoUnit.DAYS));
        });
    // ---- Encounter ----
    kind("Encounter patient", r -> "Encounter?patient=" + enc(pick(r, patients)));
    kind(
        "Encounter date",
        r -> {
          Instant day = day(r, effectiveFrom, effectiveTo);
          return "Encounter?date=ge" + date(day) + "&date=lt" + date(day.plus(1, ChronoUnit.DAYS));
        });
  }

  private static <T> T pick(SplittableRandom r, List<T> values) {
    return values.get(r.nextInt(values.size()));
  }

  private static Instant between(SplittableRandom r, Instant from, Instant to) {
    long span = Math.max(1, to.toEpochMilli() - from.toEpochMilli());
    return Instant.ofEpochMilli(from.toEpochMilli() + (long) (r.nextDouble() * span));
  }

  private static Instant day(SplittableRandom r, Instant from, Instant to) {
    return between(r, from, to).truncatedTo(ChronoUnit.DAYS);
  }

  private static String date(Instant i) {
    return LocalDate.ofInstant(i, ZoneOffset.UTC).toString();
  }

  private static String instant(Instant i) {
    return i.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String number(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String enc(String v) {
    return URLEncoder.encode(v, StandardCharsets.UTF_8);
  }
}
