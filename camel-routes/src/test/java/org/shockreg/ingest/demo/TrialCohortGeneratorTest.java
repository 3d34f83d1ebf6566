package org.shockreg.ingest.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo trial cohort, read back from the FHIR it emits, the way the registry's mapping rules and
 * the ALTSHOCK-2 criteria see it (studies/altshock-2.yaml, data-dictionary.md sections 3 and 4).
 * Target figures are checked on the demo's own seed with these tolerances: age median 60 +- 3
 * years, LVEF 20 +- 3 %, SBP 88 +- 4 mmHg, lactate median in [1.4, 2.0) mmol/L, CICU arrival to
 * randomization 8 +- 1.5 h, randomization to IABP (early arm) 2.5 +- 0.6 h, non-ischemic share 61
 * +- 12 %, day-60 success 65-90 % of success + failure in each arm.
 */
class TrialCohortGeneratorTest {

  private static final long DEMO_SEED = 20261125;
  private static final int SUBJECTS = 101;
  private static final Duration H6 = Duration.ofHours(6);

  private static final Set<String> IABP = Set.of("442807006", "399217008", "33967", "5A02210");
  private static final Set<String> VA_ECMO = Set.of("5A1522G", "233573008");
  private static final Set<String> TMCS =
      Set.of("442807006", "33967", "5A02210", "5A0221D", "33990");
  private static final Set<String> RESCUE = Set.of("232967006", "32413006");
  private static final Set<String> HEART_FAILURE =
      Set.of("84114007", "399020009", "426856002", "I25.5");
  private static final Set<String> ISCHEMIC = Set.of("I25.5", "I25.2", "426856002", "399211009");

  /** Exclusion categories and acute MI (rules/diagnoses.yaml), as exact codes or code prefixes. */
  private static final Set<String> EXCLUDED_CODES =
      Set.of(
          "R65.21",
          "76571007",
          "I51.4",
          "50920009",
          "Z33.1",
          "22298006",
          "401303003",
          "401314000",
          "57054005");

  private static final List<String> EXCLUDED_PREFIXES = List.of("I21", "I22", "I40", "I26", "O");
  private static final Instant FOLLOW_UP_CLOSE = Instant.parse("2026-11-01T00:00:00Z");
  private static final Pattern NUMBER = Pattern.compile("\\d+(\\.\\d+)?");

  private static List<Emitted> cohort;
  private static Map<String, Subject> subjects;

  private record Emitted(String siteId, Resource resource) {}

  private record Timed(Instant at, double value) {}

  /** One trial patient as the registry would see it after mapping. */
  private static final class Subject {
    String site;
    LocalDate birthDate;
    Instant deceasedAt;
    Instant cicuAt;
    Instant shockAt;
    Instant randomizedAt;
    String arm;
    boolean heartFailure;
    boolean ischemic;
    final List<String> conditionCodes = new ArrayList<>();
    final List<Timed> lvef = new ArrayList<>();
    final List<Timed> sbp = new ArrayList<>();
    final List<Timed> map = new ArrayList<>();
    final List<Timed> lactate = new ArrayList<>();
    final Map<String, Instant> firstDevice = new LinkedHashMap<>();
    final List<Instant> facts = new ArrayList<>();

    int age() {
      return Period.between(birthDate, shockAt.atOffset(ZoneOffset.UTC).toLocalDate()).getYears();
    }

    Instant firstStart(Set<String> codes, Instant notBefore) {
      return firstDevice.entrySet().stream()
          .filter(e -> codes.contains(e.getKey()) && !e.getValue().isBefore(notBefore))
          .map(Map.Entry::getValue)
          .min(Instant::compareTo)
          .orElse(null);
    }

    /** The value nearest in time to shock diagnosis (how the interim report takes baseline). */
    double baseline(List<Timed> values) {
      return values.stream()
          .min(
              (a, b) ->
                  Duration.between(shockAt, a.at)
                      .abs()
                      .compareTo(Duration.between(shockAt, b.at).abs()))
          .orElseThrow()
          .value;
    }

    /** data-dictionary.md section 4, from the facts the registry curates. */
    String endpoint() {
      Instant day60 = randomizedAt.plus(Duration.ofDays(60));
      Instant rescue = firstStart(RESCUE, randomizedAt);
      if (rescue != null
          && !rescue.isAfter(day60)
          && (deceasedAt == null || rescue.isBefore(deceasedAt))) {
        return "success";
      }
      if (deceasedAt != null && !deceasedAt.isAfter(day60)) {
        return "failure";
      }
      Instant last = facts.stream().max(Instant::compareTo).orElseThrow();
      return deceasedAt != null || !last.isBefore(day60) ? "success" : "incomplete";
    }
  }

  @BeforeAll
  static void generateDemoTrial() {
    cohort = generate(DEMO_SEED, SUBJECTS);
    subjects = readBack(cohort);
  }

  @Test
  void sameSeed_givesIdenticalResources_andSmallerTrialIsAPrefix() {
    List<String> small = json(generate(7, 20));
    assertThat(json(generate(7, 20))).isEqualTo(small);
    assertThat(json(generate(7, 30)).subList(0, small.size())).isEqualTo(small);
    assertThat(json(generate(8, 20))).isNotEqualTo(small);
  }

  @Test
  void negativeSubjectCount_isRejected() {
    assertThatThrownBy(() -> new TrialCohortGenerator(1).generate(-1, (site, r) -> {}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void armsAreBalancedInBlocksOfTwo_overTheThreeSites() {
    assertThat(subjects).hasSize(SUBJECTS);
    Map<String, Integer> perArm = count(subjects.values(), s -> s.arm);
    assertThat(perArm).containsOnlyKeys("early-iabp", "standard-care");
    assertThat(Math.abs(perArm.get("early-iabp") - perArm.get("standard-care"))).isEqualTo(1);
    assertThat(count(subjects.values(), s -> s.site).values())
        .allSatisfy(n -> assertThat(n).isBetween(33, 34));
    TrialCohortGenerator g = new TrialCohortGenerator(DEMO_SEED);
    for (int i = 0; i < 40; i += 2) {
      assertThat(g.arm(i)).isNotEqualTo(g.arm(i + 1));
    }
  }

  @Test
  void idsAndRecordNumbers_neverCollideWithTheBaseCohort() {
    Set<String> baseMrns = new HashSet<>();
    new SyntheticCohortGenerator(DEMO_SEED)
        .generate(
            300,
            (site, r) -> {
              if (r instanceof Patient p) {
                baseMrns.add(site + "|" + p.getIdentifierFirstRep().getValue());
              }
            });
    Set<String> ids = new HashSet<>();
    for (Emitted e : cohort) {
      String id = e.resource().getIdElement().getIdPart();
      assertThat(id).startsWith(TrialCohortGenerator.ID_PREFIX).hasSizeLessThanOrEqualTo(64);
      assertThat(ids.add(e.siteId() + "|" + e.resource().fhirType() + "/" + id)).as(id).isTrue();
      if (e.resource() instanceof Patient p) {
        assertThat(baseMrns)
            .doesNotContain(e.siteId() + "|" + p.getIdentifierFirstRep().getValue());
      }
    }
  }

  @Test
  void everySubject_meetsTheAutomatableCriteria_andIsRandomizedInTheWindow() {
    for (Subject s : subjects.values()) {
      Instant rnd = s.randomizedAt;
      Instant to = min(s.shockAt.plus(H6), rnd);
      assertThat(s.age()).as("age").isBetween(18, 75);
      assertThat(s.heartFailure).as("HF or cardiomyopathy recorded").isTrue();
      assertThat(s.conditionCodes).as("exclusions").noneMatch(TrialCohortGeneratorTest::excluded);
      assertThat(s.cicuAt).as("CICU before diagnosis").isBefore(s.shockAt);
      assertThat(rnd).as("randomized after diagnosis").isAfter(s.shockAt);
      assertThat(rnd).as("randomized within 6 h").isBeforeOrEqualTo(s.shockAt.plus(H6));
      // LVEF: the lowest from 12 months before to 6 h after diagnosis (and before randomization).
      List<Timed> lvef = within(s.lvef, s.shockAt.minus(Duration.ofDays(365)), to);
      assertThat(lvef)
          .as("LVEF in window")
          .isNotEmpty()
          .allSatisfy(v -> assertThat(v.value).isLessThanOrEqualTo(35));
      // Hypotension or hypoperfusion within -6 h..+6 h (cut at randomization).
      Instant from = s.shockAt.minus(H6);
      boolean hypotension =
          within(s.sbp, from, to).stream().anyMatch(v -> v.value < 90)
              || within(s.map, from, to).stream().anyMatch(v -> v.value < 65);
      boolean hypoperfusion = within(s.lactate, from, to).stream().anyMatch(v -> v.value > 2);
      assertThat(hypotension || hypoperfusion).as("hypotension or lactate > 2").isTrue();
      // SCAI B-D, not E: no lactate >= 8, SBP < 60 or VA-ECMO within 6 h of diagnosis.
      Instant end = s.shockAt.plus(H6);
      assertThat(within(s.lactate, from, end)).allSatisfy(v -> assertThat(v.value).isLessThan(8));
      assertThat(within(s.sbp, from, end))
          .allSatisfy(v -> assertThat(v.value).isGreaterThanOrEqualTo(60));
      Instant ecmo = s.firstStart(VA_ECMO, from);
      assertThat(ecmo == null || ecmo.isAfter(end)).as("no VA-ECMO within 6 h").isTrue();
      assertThat(s.firstDevice.values())
          .as("no device before randomization")
          .allSatisfy(t -> assertThat(t).isAfter(rnd));
      assertThat(rnd.plus(Duration.ofDays(60)))
          .isBefore(FOLLOW_UP_CLOSE.minus(Duration.ofDays(60)));
      assertThat(s.facts).allSatisfy(t -> assertThat(t).isBefore(FOLLOW_UP_CLOSE));
    }
  }

  @Test
  void baselineAndTiming_matchTheInterimAnalysis() {
    Collection<Subject> all = subjects.values();
    List<Subject> early = all.stream().filter(s -> "early-iabp".equals(s.arm)).toList();

    assertThat(median(all, s -> (double) s.age())).isBetween(57.0, 63.0);
    assertThat(median(all, s -> s.baseline(s.lvef))).isBetween(17.0, 23.0);
    assertThat(median(all, s -> s.baseline(s.sbp))).isBetween(84.0, 92.0);
    assertThat(median(all, s -> s.baseline(s.lactate))).isBetween(1.4, 1.99);
    assertThat(median(all, s -> hours(s.cicuAt, s.randomizedAt))).isBetween(6.5, 9.5);
    assertThat(median(all, s -> hours(s.cicuAt, s.shockAt))).isBetween(3.0, 5.0);
    assertThat(early).allSatisfy(s -> assertThat(s.firstStart(IABP, s.randomizedAt)).isNotNull());
    assertThat(median(early, s -> hours(s.randomizedAt, s.firstStart(IABP, s.randomizedAt))))
        .isBetween(1.9, 3.1);
    double nonIschemic = all.stream().filter(s -> !s.ischemic).count() / (double) all.size();
    assertThat(nonIschemic).isBetween(0.49, 0.73);
  }

  @Test
  void controlArm_escalatesSometimesWithinAndSometimesAfterEightHours() {
    List<Subject> control =
        subjects.values().stream().filter(s -> "standard-care".equals(s.arm)).toList();
    long within8 = control.stream().filter(s -> escalatedWithin(s, 0, 8)).count();
    long later =
        control.stream()
            .filter(s -> !escalatedWithin(s, 0, 8) && escalatedWithin(s, 8, 24 * 30))
            .count();
    assertThat(within8).isBetween(4L, 20L);
    assertThat(later).isBetween(2L, 15L);
  }

  @Test
  void primaryEndpoint_isSimilarInBothArms_withFailuresRescuesAndIncompletes() {
    Map<String, Map<String, Integer>> byArm = new LinkedHashMap<>();
    for (Subject s : subjects.values()) {
      byArm.computeIfAbsent(s.arm, a -> new LinkedHashMap<>()).merge(s.endpoint(), 1, Integer::sum);
    }
    for (Map<String, Integer> arm : byArm.values()) {
      int success = arm.getOrDefault("success", 0);
      int failure = arm.getOrDefault("failure", 0);
      assertThat(success / (double) (success + failure)).isBetween(0.65, 0.90);
      assertThat(failure).isPositive();
    }
    long rescued =
        subjects.values().stream()
            .filter(
                s -> s.firstStart(RESCUE, s.randomizedAt) != null && "success".equals(s.endpoint()))
            .count();
    long incomplete =
        subjects.values().stream().filter(s -> "incomplete".equals(s.endpoint())).count();
    assertThat(rescued).isBetween(2L, 10L);
    assertThat(incomplete).isBetween(1L, 8L);
    // Incomplete means lost before day 60: no death recorded.
    assertThat(subjects.values())
        .filteredOn(s -> "incomplete".equals(s.endpoint()))
        .allSatisfy(s -> assertThat(s.deceasedAt).isNull());
  }

  // --- reading the emitted FHIR back -------------------------------------------------------------

  private static List<Emitted> generate(long seed, int n) {
    List<Emitted> out = new ArrayList<>();
    new TrialCohortGenerator(seed).generate(n, (site, r) -> out.add(new Emitted(site, r)));
    return out;
  }

  private static List<String> json(List<Emitted> emitted) {
    IParser parser = FhirContext.forR4Cached().newJsonParser();
    return emitted.stream()
        .map(e -> e.siteId() + " " + parser.encodeResourceToString(e.resource()))
        .toList();
  }

  private static Map<String, Subject> readBack(List<Emitted> emitted) {
    Map<String, Subject> out = new LinkedHashMap<>();
    for (Emitted e : emitted) {
      Resource r = e.resource();
      if (r instanceof Patient p) {
        Subject s =
            out.computeIfAbsent(
                e.siteId() + "|Patient/" + p.getIdElement().getIdPart(), k -> new Subject());
        s.site = e.siteId();
        s.birthDate = LocalDate.parse(p.getBirthDateElement().getValueAsString());
        s.deceasedAt =
            p.hasDeceasedDateTimeType() ? p.getDeceasedDateTimeType().getValue().toInstant() : null;
        continue;
      }
      Subject s = out.get(e.siteId() + "|" + subjectOf(r));
      if (r instanceof Encounter enc) {
        boolean icu =
            enc.getType().stream()
                .flatMap(t -> t.getCoding().stream())
                .anyMatch(c -> Set.of("CCU", "ICU").contains(c.getCode()));
        if (icu) {
          s.cicuAt = enc.getPeriod().getStart().toInstant();
        }
        if (!"AMB".equals(enc.getClass_().getCode())) {
          s.facts.add(enc.getPeriod().getStart().toInstant());
          s.facts.add(enc.getPeriod().getEnd().toInstant());
        }
      } else if (r instanceof Condition c) {
        Coding code = c.getCode().getCodingFirstRep();
        s.conditionCodes.add(code.getCode());
        Instant onset = c.getOnsetDateTimeType().getValue().toInstant();
        if (Set.of("89138009", "R57.0").contains(code.getCode())) {
          s.shockAt = onset;
        }
        s.heartFailure |=
            HEART_FAILURE.contains(code.getCode())
                || code.getCode().startsWith("I50")
                || code.getCode().startsWith("I42");
        s.ischemic |= ISCHEMIC.contains(code.getCode());
        s.facts.add(onset);
        s.facts.add(c.getRecordedDate().toInstant());
      } else if (r instanceof Observation o) {
        Instant at = o.getEffectiveDateTimeType().getValue().toInstant();
        s.facts.add(at);
        readMeasurement(s, o.getCode().getCodingFirstRep().getCode(), o.getValue(), at);
        for (Observation.ObservationComponentComponent c : o.getComponent()) {
          readMeasurement(s, c.getCode().getCodingFirstRep().getCode(), c.getValue(), at);
        }
      } else if (r instanceof Procedure p) {
        Instant start =
            p.hasPerformedPeriod()
                ? p.getPerformedPeriod().getStart().toInstant()
                : p.getPerformedDateTimeType().getValue().toInstant();
        s.firstDevice.merge(
            p.getCode().getCodingFirstRep().getCode(), start, (a, b) -> a.isBefore(b) ? a : b);
        s.facts.add(start);
      } else if (r instanceof ResearchSubject rs) {
        assertThat(rs.getStatus()).isEqualTo(ResearchSubject.ResearchSubjectStatus.ONSTUDY);
        assertThat(rs.getStudy().getReference()).isEqualTo("ResearchStudy/altshock-2");
        s.arm = rs.getAssignedArm();
        s.randomizedAt = rs.getPeriod().getStart().toInstant();
      }
    }
    return out;
  }

  private static String subjectOf(Resource r) {
    if (r instanceof Encounter e) {
      return e.getSubject().getReference();
    } else if (r instanceof Condition c) {
      return c.getSubject().getReference();
    } else if (r instanceof Observation o) {
      return o.getSubject().getReference();
    } else if (r instanceof Procedure p) {
      return p.getSubject().getReference();
    }
    return ((ResearchSubject) r).getIndividual().getReference();
  }

  private static void readMeasurement(Subject s, String code, Type value, Instant at) {
    switch (code) {
      case "10230-1", "18043-0" -> s.lvef.add(new Timed(at, percent(value)));
      case "8480-6" -> s.sbp.add(new Timed(at, ((Quantity) value).getValue().doubleValue()));
      case "8478-0" -> s.map.add(new Timed(at, ((Quantity) value).getValue().doubleValue()));
      case "2524-7", "32693-4" ->
          s.lactate.add(new Timed(at, ((Quantity) value).getValue().doubleValue()));
      case "14118-4" ->
          s.lactate.add(new Timed(at, ((Quantity) value).getValue().doubleValue() / 9.008));
      default -> {}
    }
  }

  /** As curated: a quantity as is, a range's midpoint, text by its number(s). */
  private static double percent(Type value) {
    if (value instanceof Quantity q) {
      return q.getValue().doubleValue();
    } else if (value instanceof Range range) {
      return range
          .getLow()
          .getValue()
          .add(range.getHigh().getValue())
          .divide(BigDecimal.valueOf(2))
          .doubleValue();
    }
    Matcher m = NUMBER.matcher(((StringType) value).getValue());
    List<Double> numbers = new ArrayList<>();
    while (m.find()) {
      numbers.add(Double.parseDouble(m.group()));
    }
    return numbers.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }

  // --- small helpers -----------------------------------------------------------------------------

  private static boolean excluded(String code) {
    return EXCLUDED_CODES.contains(code) || EXCLUDED_PREFIXES.stream().anyMatch(code::startsWith);
  }

  private static boolean escalatedWithin(Subject s, long fromHours, long toHours) {
    Instant first = s.firstStart(TMCS, s.randomizedAt.plus(Duration.ofHours(fromHours)));
    return first != null && !first.isAfter(s.randomizedAt.plus(Duration.ofHours(toHours)));
  }

  private static List<Timed> within(List<Timed> values, Instant from, Instant to) {
    return values.stream().filter(v -> !v.at.isBefore(from) && !v.at.isAfter(to)).toList();
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static double hours(Instant from, Instant to) {
    return Duration.between(from, to).toMinutes() / 60.0;
  }

  private static <T> Map<String, Integer> count(Collection<T> items, Function<T, String> key) {
    Map<String, Integer> out = new LinkedHashMap<>();
    items.forEach(i -> out.merge(key.apply(i), 1, Integer::sum));
    return out;
  }

  private static <T> double median(Collection<T> items, Function<T, Double> value) {
    List<Double> sorted = items.stream().map(value).sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
