package org.shockreg.server.trial;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.trial.InterimReportCalculator;
import org.shockreg.registry.trial.InterimStatistics;
import org.shockreg.server.IntegrationTestSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code ResearchStudy/{id}/$interim-report} over real HTTP against a seeded random trial of 101
 * randomized subjects (plus screened episodes that were not randomized) inserted straight into the
 * tables (not through intake, which would screen the patients anew). Every number of the report is
 * checked against what this test computes itself from the data it generated; the effect also
 * against a published worked example (Newcombe 1998, Table II (a)).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InterimReportIT extends IntegrationTestSupport {

  static final String TOKEN = "it-interim-admin-0123456789";
  static final String EDC_TOKEN = "it-interim-edc-0123456789";
  static final String INGEST_TOKEN = "it-interim-ingest-0123456789";
  static final String SITE = "interim-site";
  static final String STUDY = "altshock-2";
  static final String EXAMPLE_STUDY = "newcombe-example";
  static final List<String> ARMS = List.of("early-iabp", "standard-care");
  static final List<String> DECIDING =
      List.of("age", "etiology", "lvef", "hypotension-hypoperfusion", "scai", "exclusion");
  static final List<String> VARIABLES = List.of("lvef", "sbp", "lactate");
  static final int RANDOMIZED = 101;

  /** ?as-of=2025-07-15: through the end of that day, UTC. */
  static final Instant AS_OF = Instant.parse("2025-07-16T00:00:00Z").minusNanos(1000);

  static final Path DATA_DIR = newDataDir("it-interim-");
  static final Path STUDIES_DIR = DATA_DIR.resolve("studies");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws IOException {
    Files.createDirectories(STUDIES_DIR);
    Files.writeString(
        STUDIES_DIR.resolve("newcombe-example.yaml"),
        """
        id: newcombe-example
        title: Newcombe 1998 Table II example (a), 56/70 against 48/80
        status: active
        arms:
          - code: a
            name: First
          - code: b
            name: Second
        """);
    registerServer(registry, DATA_DIR);
    registry.add("shockreg.studies.dir", STUDIES_DIR::toString);
    registerToken(registry, 0, TOKEN, "admin");
    registerToken(registry, 1, EDC_TOKEN, "edc");
    registry.add("shockreg.security.tokens[1].studies", () -> STUDY);
    registerToken(registry, 2, INGEST_TOKEN, "ingest");
  }

  @Autowired JdbcTemplate jdbc;
  IGenericClient client;

  // ---- the generated trial ------------------------------------------------------------------

  record Meas(String id, String variable, Instant at, BigDecimal value, boolean implausible) {}

  record Device(String id, Instant startedAt, Instant performedAt) {
    Instant start() {
      return startedAt != null ? startedAt : performedAt;
    }
  }

  /** An assessed shock episode (episodeId) and, when randomized, its subject's trial data. */
  static final class Subject {
    String subjectId;
    String patientId;
    String episodeId;
    Instant dx;
    Instant windowStart;
    Instant windowEnd;
    Integer age;
    String result;
    Map<String, String> criteria = new LinkedHashMap<>();
    String arm;
    Instant randomizedAt;
    BigDecimal cicuHours;
    Boolean ischemic;
    List<Meas> measurements = new ArrayList<>();
    List<Device> iabps = new ArrayList<>();
    String endpoint;
    Instant endpointAt;
  }

  final List<Subject> subjects = new ArrayList<>();

  @BeforeAll
  void generateTrial() {
    client = fhirClient(TOKEN);

    Random rnd = new Random(20261205L);
    Instant yearStart = Instant.parse("2025-01-01T00:00:00Z");
    for (int i = 0; i < RANDOMIZED; i++) {
      Subject s = new Subject();
      s.subjectId = String.format("rs-%03d", i);
      s.patientId = String.format("ir-p%03d", i);
      s.arm = ARMS.get(rnd.nextInt(2));
      s.randomizedAt = yearStart.plusSeconds(rnd.nextInt(364 * 24 * 3600));
      boolean withEpisode = i >= 2; // two randomizations that no episode holds
      if (withEpisode) {
        episode(
            s,
            String.format("ir-e%03d", i),
            s.randomizedAt.minusSeconds(1800 + rnd.nextInt(4 * 3600)),
            rnd);
        s.result = rnd.nextInt(100) < 85 ? "potential-candidate" : "screening";
        for (String key : DECIDING) {
          s.criteria.put(
              key, "screening".equals(s.result) && rnd.nextBoolean() ? "unknown" : "met");
        }
        s.criteria.put("window", "met");
        s.criteria.put("manual", "unknown");
        Instant cicu = s.dx.minusSeconds(rnd.nextInt(10 * 3600));
        s.cicuHours = hours(cicu, s.randomizedAt);
        int r = rnd.nextInt(3);
        s.ischemic = r == 0 ? null : r == 1;
        for (String variable : VARIABLES) {
          int count = rnd.nextInt(5);
          for (int k = 0; k < count; k++) {
            // from 16 h before to 56 h after diagnosis: some outside the window (-12 h .. +48 h)
            Instant at = s.dx.plusSeconds(-16 * 3600 + rnd.nextInt(72 * 3600));
            s.measurements.add(meas(s, variable, at, value(variable, rnd), rnd.nextInt(10) == 0));
          }
          if (rnd.nextInt(8) == 0) {
            // a tie in distance: the earlier one is the baseline
            int d = 600 + rnd.nextInt(3600);
            s.measurements.add(meas(s, variable, s.dx.plusSeconds(d), value(variable, rnd), false));
            s.measurements.add(
                meas(s, variable, s.dx.minusSeconds(d), value(variable, rnd), false));
          }
        }
      }
      int iabp = rnd.nextInt(100);
      if (iabp < ("early-iabp".equals(s.arm) ? 80 : 15)) {
        Instant start = s.randomizedAt.plusSeconds(600 + rnd.nextInt(8 * 3600));
        boolean performedOnly = rnd.nextInt(6) == 0;
        s.iabps.add(
            new Device("ir-iabp-" + i, performedOnly ? null : start, performedOnly ? start : null));
      }
      if (rnd.nextInt(10) == 0) {
        // an IABP before randomization does not count
        s.iabps.add(new Device("ir-iabp-early-" + i, s.randomizedAt.minusSeconds(7200), null));
      }
      int e = rnd.nextInt(100);
      int successBelow = "early-iabp".equals(s.arm) ? 60 : 40;
      if (e < successBelow) {
        s.endpoint = "success";
        s.endpointAt = s.randomizedAt.plus(Duration.ofDays(60));
      } else if (e < 85) {
        s.endpoint = "failure";
        s.endpointAt = s.randomizedAt.plusSeconds(86400 + rnd.nextInt(58 * 86400));
      } else if (e < 95) {
        s.endpoint = "incomplete";
        s.endpointAt = s.randomizedAt.plusSeconds(86400 + rnd.nextInt(20 * 86400));
      } // else: not computed yet
      subjects.add(s);
    }
    // One subject placed at the as-of cut: its nearest LVEF, its IABP and its endpoint come after
    // it.
    Subject cut = subjects.get(RANDOMIZED - 1);
    cut.randomizedAt = AS_OF.minusSeconds(3600);
    cut.arm = "early-iabp";
    episode(cut, cut.episodeId, AS_OF.minusSeconds(3 * 3600), rnd);
    cut.cicuHours = new BigDecimal("4.00");
    cut.measurements.removeIf(m -> m.variable().equals("lvef"));
    cut.measurements.add(meas(cut, "lvef", AS_OF.plusSeconds(1800), new BigDecimal("22.5"), false));
    cut.measurements.add(
        meas(cut, "lvef", cut.dx.minusSeconds(5 * 3600), new BigDecimal("31.5"), false));
    cut.iabps.clear();
    cut.iabps.add(new Device("ir-iabp-cut", AS_OF.plusSeconds(7200), null));
    cut.endpoint = "success";
    cut.endpointAt = cut.randomizedAt.plus(Duration.ofDays(60));

    // Assessed episodes that were not randomized.
    for (int i = 0; i < 60; i++) {
      Subject s = new Subject();
      s.subjectId = String.format("rs-n%03d", i);
      s.patientId = String.format("ir-q%03d", i);
      episode(
          s,
          String.format("ir-f%03d", i),
          yearStart.plusSeconds(rnd.nextInt(364 * 24 * 3600)),
          rnd);
      int r = rnd.nextInt(10);
      s.result = r < 6 ? "ineligible" : r < 8 ? "screening" : "potential-candidate";
      for (String key : DECIDING) {
        s.criteria.put(key, rnd.nextInt(3) == 0 ? "unknown" : "met");
      }
      if ("ineligible".equals(s.result)) {
        int notMet = 1 + rnd.nextInt(3);
        for (int k = 0; k < notMet; k++) {
          s.criteria.put(DECIDING.get(rnd.nextInt(DECIDING.size())), "not-met");
        }
      }
      // a closed window is reported, never counted as a reason
      s.criteria.put("window", rnd.nextBoolean() ? "not-met" : "met");
      s.criteria.put("manual", "unknown");
      subjects.add(s);
    }
    insert();
  }

  void episode(Subject s, String episodeId, Instant dx, Random rnd) {
    s.episodeId = episodeId;
    s.dx = dx;
    s.windowStart = dx.minusSeconds(12 * 3600);
    s.windowEnd = dx.plusSeconds(48 * 3600);
    s.age = 18 + rnd.nextInt(70);
  }

  static Meas meas(Subject s, String variable, Instant at, BigDecimal value, boolean implausible) {
    return new Meas(
        s.patientId + "-" + variable + "-" + s.measurements.size(),
        variable,
        at,
        value,
        implausible);
  }

  static BigDecimal value(String variable, Random rnd) {
    return switch (variable) {
      case "lvef" -> BigDecimal.valueOf(100 + rnd.nextInt(350), 1);
      case "sbp" -> BigDecimal.valueOf(55 + rnd.nextInt(70));
      default -> BigDecimal.valueOf(8 + rnd.nextInt(120), 1);
    };
  }

  static BigDecimal hours(Instant from, Instant to) {
    return BigDecimal.valueOf(Duration.between(from, to).getSeconds())
        .divide(BigDecimal.valueOf(3600), 2, RoundingMode.HALF_UP);
  }

  static OffsetDateTime t(Instant i) {
    return i == null ? null : OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
  }

  void insert() {
    jdbc.update("INSERT INTO site (site_id, origin) VALUES (?, 'test')", SITE);
    List<Object[]> patients = new ArrayList<>();
    List<Object[]> episodes = new ArrayList<>();
    List<Object[]> measurements = new ArrayList<>();
    List<Object[]> devices = new ArrayList<>();
    List<Object[]> facts = new ArrayList<>();
    List<Object[]> rows = new ArrayList<>();
    for (Subject s : subjects) {
      patients.add(new Object[] {s.patientId, SITE, "female", 1960});
      if (s.episodeId != null) {
        episodes.add(
            new Object[] {
              s.episodeId, s.patientId, SITE, t(s.dx), s.age, t(s.windowStart), t(s.windowEnd)
            });
      }
      for (Meas m : s.measurements) {
        measurements.add(
            new Object[] {
              m.id(),
              s.patientId,
              SITE,
              m.variable(),
              t(m.at()),
              m.value(),
              m.implausible() ? new String[] {"implausible"} : new String[0],
              m.id()
            });
      }
      for (Device d : s.iabps) {
        devices.add(
            new Object[] {d.id(), s.patientId, SITE, t(d.startedAt()), t(d.performedAt()), d.id()});
      }
      if (s.ischemic != null) {
        facts.add(new Object[] {s.episodeId + "-isch", s.episodeId, s.patientId, s.ischemic});
      }
      rows.add(
          new Object[] {
            s.subjectId,
            STUDY,
            s.patientId,
            s.episodeId,
            s.randomizedAt == null ? s.result : "on-study",
            s.result,
            json(s.criteria),
            s.arm,
            t(s.randomizedAt),
            s.cicuHours,
            s.endpoint,
            t(s.endpointAt)
          });
    }
    jdbc.batchUpdate(
        "INSERT INTO patient (patient_id, site_id, sex, birth_year) VALUES (?, ?, ?, ?)", patients);
    jdbc.batchUpdate(
        "INSERT INTO shock_episode (episode_id, patient_id, site_id, shock_diagnosis_at, age_at_diagnosis,"
            + " window_start, window_end) VALUES (?, ?, ?, ?, ?, ?, ?)",
        episodes);
    jdbc.batchUpdate(
        "INSERT INTO measurement (observation_id, patient_id, site_id, variable, status, effective_at, value, flags,"
            + " source_type, source_id) VALUES (?, ?, ?, ?, 'final', ?, ?, ?, 'Observation', ?)",
        measurements);
    jdbc.batchUpdate(
        "INSERT INTO device_therapy (procedure_id, patient_id, site_id, device, status, started_at, performed_at,"
            + " source_type, source_id) VALUES (?, ?, ?, 'iabp', 'completed', ?, ?, 'Procedure', ?)",
        devices);
    jdbc.batchUpdate(
        "INSERT INTO derived_fact (fact_id, episode_id, patient_id, kind, value_boolean)"
            + " VALUES (?, ?, ?, 'hf-cs-ischemic', ?)",
        facts);
    jdbc.batchUpdate(
        "INSERT INTO research_subject (subject_id, study_id, patient_id, episode_id, status, screening_result,"
            + " criteria, assigned_arm, randomized_at, hours_cicu_to_randomization, endpoint, endpoint_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?)",
        rows);
    // A subject of another study does not count here (there: randomized to an arm it does not
    // define).
    jdbc.update(
        "INSERT INTO research_subject (subject_id, study_id, patient_id, episode_id, status, screening_result,"
            + " assigned_arm, randomized_at, endpoint) VALUES ('rs-other', ?, 'ir-p005', 'ir-e005', 'on-study',"
            + " 'potential-candidate', 'x', '2025-03-01T00:00:00Z', 'failure')",
        EXAMPLE_STUDY);
  }

  static String json(Map<String, String> criteria) {
    StringBuilder sb = new StringBuilder("{");
    criteria.forEach(
        (k, v) ->
            sb.append(sb.length() > 1 ? "," : "")
                .append('"')
                .append(k)
                .append("\":\"")
                .append(v)
                .append('"'));
    return sb.append('}').toString();
  }

  // ---- what the report should say, computed here ---------------------------------------------

  static BigDecimal nearest(Subject s, String variable, Instant asOf) {
    if (s.episodeId == null) {
      return null;
    }
    Instant end = asOf != null && asOf.isBefore(s.windowEnd) ? asOf : s.windowEnd;
    return s.measurements.stream()
        .filter(m -> m.variable().equals(variable) && !m.implausible())
        .filter(m -> !m.at().isBefore(s.windowStart) && !m.at().isAfter(end))
        .min(
            Comparator.<Meas>comparingLong(
                    m -> Math.abs(Duration.between(s.dx, m.at()).getSeconds()))
                .thenComparing(Meas::at)
                .thenComparing(Meas::id))
        .map(Meas::value)
        .orElse(null);
  }

  static BigDecimal iabpHours(Subject s, Instant asOf) {
    return s.iabps.stream()
        .map(Device::start)
        .filter(start -> !start.isBefore(s.randomizedAt) && (asOf == null || !start.isAfter(asOf)))
        .min(Comparator.naturalOrder())
        .map(start -> hours(s.randomizedAt, start))
        .orElse(null);
  }

  static String endpoint(Subject s, Instant asOf) {
    boolean decided = "success".equals(s.endpoint) || "failure".equals(s.endpoint);
    if (!decided || (asOf != null && s.endpointAt.isAfter(asOf))) {
      return "incomplete";
    }
    return s.endpoint;
  }

  /** Quantile by linear interpolation between order statistics (type 7), exact in decimals. */
  static BigDecimal quantile(List<BigDecimal> values, double p) {
    List<BigDecimal> sorted = values.stream().sorted().toList();
    BigDecimal h = BigDecimal.valueOf(sorted.size() - 1).multiply(BigDecimal.valueOf(p));
    int lo = h.intValue();
    BigDecimal frac = h.subtract(BigDecimal.valueOf(lo));
    if (lo + 1 >= sorted.size()) {
      return sorted.get(lo);
    }
    return sorted.get(lo).add(sorted.get(lo + 1).subtract(sorted.get(lo)).multiply(frac));
  }

  List<Subject> randomized(Instant asOf) {
    return subjects.stream()
        .filter(s -> s.randomizedAt != null && (asOf == null || !s.randomizedAt.isAfter(asOf)))
        .toList();
  }

  List<Subject> screened(Instant asOf) {
    return subjects.stream()
        .filter(s -> s.episodeId != null && (asOf == null || !s.dx.isAfter(asOf)))
        .toList();
  }

  // ---- calls ---------------------------------------------------------------------------------

  Parameters report(String study, DateTimeType asOf) {
    var op = client.operation().onInstance("ResearchStudy/" + study).named("$interim-report");
    return (asOf == null
            ? op.withNoParameters(Parameters.class)
            : op.withParameter(Parameters.class, "as-of", asOf))
        .useHttpGet()
        .execute();
  }

  HttpResponse<String> get(String path, String token) throws Exception {
    return get(path, token, "Accept", "application/fhir+json");
  }

  static ParametersParameterComponent part(ParametersParameterComponent c, String name) {
    List<ParametersParameterComponent> found =
        c.getPart().stream().filter(p -> p.getName().equals(name)).toList();
    assertThat(found).as(c.getName() + "." + name).hasSize(1);
    return found.get(0);
  }

  static int integer(ParametersParameterComponent c, String name) {
    return ((IntegerType) part(c, name).getValue()).getValue();
  }

  static BigDecimal decimal(ParametersParameterComponent c, String name) {
    return ((DecimalType) part(c, name).getValue()).getValue();
  }

  // ---- tests ---------------------------------------------------------------------------------

  @Test
  void consort_countsTheStudysAssessedEpisodes_andTheCriteriaThatExcludedThem() {
    checkConsort(report(STUDY, null), null);
  }

  @Test
  void arms_matchMediansQuartilesCountsAndEndpointsComputedFromTheData() {
    Parameters p = report(STUDY, null);
    checkArms(p, null);
    // This seed gives 34/47 against 21/41; verified outside Java (SciPy fisher_exact, and the
    // Newcombe formulas in Python): D = 0.21121, 95 % CI 0.00878 to 0.39345, p = 0.049303.
    ParametersParameterComponent early =
        p.getParameter().stream().filter(c -> c.getName().equals("arm")).findFirst().orElseThrow();
    assertThat(integer(part(early, "primary-endpoint"), "success")).isEqualTo(34);
    assertThat(integer(part(early, "primary-endpoint"), "failure")).isEqualTo(13);
    ParametersParameterComponent effect = p.getParameter("effect");
    assertThat(decimal(effect, "risk-difference")).isEqualByComparingTo("0.2112");
    assertThat(decimal(effect, "ci-low")).isEqualByComparingTo("0.0088");
    assertThat(decimal(effect, "ci-high")).isEqualByComparingTo("0.3934");
    assertThat(decimal(effect, "p-value")).isEqualByComparingTo("0.04930");
  }

  @Test
  void asOf_isTheReportAsItStoodThen() {
    Parameters p = report(STUDY, new DateTimeType("2025-07-15"));
    assertThat(
            ((org.hl7.fhir.r4.model.InstantType) p.getParameter("as-of").getValue())
                .getValue()
                .toInstant())
        .isEqualTo(AS_OF.minusNanos(AS_OF.getNano() % 1_000_000)); // FHIR instant: milliseconds
    List<Subject> before = randomized(AS_OF);
    assertThat(before.size()).isBetween(30, RANDOMIZED - 30);
    checkConsort(p, AS_OF);
    checkArms(p, AS_OF);
    // the subject randomized an hour before the cut: its LVEF, IABP and endpoint came after it
    Subject cut = subjects.get(RANDOMIZED - 1);
    assertThat(nearest(cut, "lvef", null)).isEqualByComparingTo("22.5");
    assertThat(nearest(cut, "lvef", AS_OF)).isEqualByComparingTo("31.5");
    assertThat(iabpHours(cut, null)).isEqualByComparingTo("3");
    assertThat(iabpHours(cut, AS_OF)).isNull();
    assertThat(endpoint(cut, AS_OF)).isEqualTo("incomplete");
  }

  void checkConsort(Parameters p, Instant asOf) {
    ParametersParameterComponent consort = p.getParameter("consort");
    List<Subject> screened = screened(asOf);
    assertThat(integer(consort, "screened")).isEqualTo(screened.size());
    for (String result : List.of("ineligible", "screening", "potential-candidate")) {
      assertThat(integer(consort, result))
          .as(result)
          .isEqualTo((int) screened.stream().filter(s -> result.equals(s.result)).count());
    }
    assertThat(integer(consort, "randomized")).isEqualTo(randomized(asOf).size());
    if (asOf == null) {
      assertThat(integer(consort, "randomized")).isEqualTo(RANDOMIZED);
      assertThat(integer(consort, "screened")).isEqualTo(RANDOMIZED - 2 + 60);
    }
    ParametersParameterComponent by = part(consort, "ineligible-by");
    assertThat(by.getPart())
        .extracting(ParametersParameterComponent::getName)
        .containsExactlyElementsOf(DECIDING);
    int total = 0;
    for (String key : DECIDING) {
      int expected =
          (int)
              screened.stream()
                  .filter(
                      s -> "ineligible".equals(s.result) && "not-met".equals(s.criteria.get(key)))
                  .count();
      assertThat(integer(by, key)).as("ineligible-by " + key).isEqualTo(expected);
      total += expected;
    }
    assertThat(total).isGreaterThanOrEqualTo(integer(consort, "ineligible"));
  }

  void checkArms(Parameters p, Instant asOf) {
    List<ParametersParameterComponent> arms =
        p.getParameter().stream().filter(c -> c.getName().equals("arm")).toList();
    assertThat(arms)
        .extracting(a -> ((CodeType) part(a, "code").getValue()).getValue())
        .containsExactlyElementsOf(ARMS);
    int[][] table = new int[2][2];
    for (int i = 0; i < 2; i++) {
      ParametersParameterComponent arm = arms.get(i);
      String code = ARMS.get(i);
      List<Subject> mine = randomized(asOf).stream().filter(s -> code.equals(s.arm)).toList();
      assertThat(integer(arm, "n")).as(code + " n").isEqualTo(mine.size());
      checkDistribution(arm, "age", mine, s -> s.age == null ? null : BigDecimal.valueOf(s.age));
      for (String variable : VARIABLES) {
        checkDistribution(arm, variable, mine, s -> nearest(s, variable, asOf));
      }
      checkDistribution(arm, "hours-cicu-to-randomization", mine, s -> s.cicuHours);
      checkDistribution(arm, "hours-randomization-to-iabp", mine, s -> iabpHours(s, asOf));

      ParametersParameterComponent nonIschemic = part(arm, "non-ischemic");
      long withValue = mine.stream().filter(s -> s.ischemic != null).count();
      long count = mine.stream().filter(s -> Boolean.FALSE.equals(s.ischemic)).count();
      assertThat(integer(nonIschemic, "count")).isEqualTo((int) count);
      assertThat(decimal(nonIschemic, "share"))
          .isEqualByComparingTo(
              BigDecimal.valueOf(count)
                  .divide(BigDecimal.valueOf(withValue), 4, RoundingMode.HALF_UP));

      ParametersParameterComponent endpoint = part(arm, "primary-endpoint");
      int success = (int) mine.stream().filter(s -> endpoint(s, asOf).equals("success")).count();
      int failure = (int) mine.stream().filter(s -> endpoint(s, asOf).equals("failure")).count();
      assertThat(integer(endpoint, "success")).as(code + " success").isEqualTo(success);
      assertThat(integer(endpoint, "failure")).as(code + " failure").isEqualTo(failure);
      assertThat(integer(endpoint, "incomplete"))
          .as(code + " incomplete")
          .isEqualTo(mine.size() - success - failure);
      assertThat(decimal(endpoint, "success-share"))
          .isEqualByComparingTo(
              BigDecimal.valueOf(success)
                  .divide(BigDecimal.valueOf(success + failure), 4, RoundingMode.HALF_UP));
      table[i][0] = success;
      table[i][1] = failure;
    }
    // effect: first arm minus second, as the statistics class computes it from these counts
    ParametersParameterComponent effect = p.getParameter("effect");
    InterimStatistics.Estimate d =
        InterimStatistics.newcombeDifference(
            table[0][0], table[0][0] + table[0][1], table[1][0], table[1][0] + table[1][1], 0.95);
    double share1 = (double) table[0][0] / (table[0][0] + table[0][1]);
    double share2 = (double) table[1][0] / (table[1][0] + table[1][1]);
    assertThat(decimal(effect, "risk-difference").doubleValue())
        .isCloseTo(share1 - share2, org.assertj.core.data.Offset.offset(0.00005));
    assertThat(decimal(effect, "ci-low"))
        .isEqualByComparingTo(InterimReportCalculator.fixed(d.lower()));
    assertThat(decimal(effect, "ci-high"))
        .isEqualByComparingTo(InterimReportCalculator.fixed(d.upper()));
    assertThat(decimal(effect, "ci-low")).isLessThan(decimal(effect, "risk-difference"));
    assertThat(decimal(effect, "ci-high")).isGreaterThan(decimal(effect, "risk-difference"));
    assertThat(decimal(effect, "p-value"))
        .isEqualByComparingTo(
            InterimReportCalculator.significant(
                InterimStatistics.fisherTwoSided(
                    table[0][0], table[0][1], table[1][0], table[1][1])));
  }

  void checkDistribution(
      ParametersParameterComponent arm,
      String name,
      List<Subject> subjects,
      Function<Subject, BigDecimal> value) {
    ParametersParameterComponent d = part(arm, name);
    List<BigDecimal> values = subjects.stream().map(value).filter(v -> v != null).toList();
    assertThat(integer(d, "n")).as(name + " n").isEqualTo(values.size());
    assertThat(values).as(name + " values").isNotEmpty();
    assertThat(decimal(d, "median"))
        .as(name + " median")
        .isEqualByComparingTo(quantile(values, 0.5));
    assertThat(decimal(d, "q1")).as(name + " q1").isEqualByComparingTo(quantile(values, 0.25));
    assertThat(decimal(d, "q3")).as(name + " q3").isEqualByComparingTo(quantile(values, 0.75));
    if (values.size() % 2 == 0) {
      List<BigDecimal> sorted = values.stream().sorted().toList();
      BigDecimal middle = sorted.get(values.size() / 2 - 1).add(sorted.get(values.size() / 2));
      assertThat(decimal(d, "median").multiply(BigDecimal.valueOf(2)))
          .as(name + " even median")
          .isEqualByComparingTo(middle);
    }
  }

  /**
   * Newcombe 1998 Table II (a): 56/70 - 48/80 = 0.2000 (0.0524 to 0.3339); R fisher.test p =
   * 0.01252.
   */
  @Test
  void effect_matchesThePublishedWorkedExample() {
    List<Object[]> rows = new ArrayList<>();
    int[][] outcomes = {{56, 14}, {48, 32}};
    for (int arm = 0; arm < 2; arm++) {
      for (int k = 0; k < outcomes[arm][0] + outcomes[arm][1]; k++) {
        String id = "ex-" + arm + "-" + k;
        rows.add(
            new Object[] {
              id,
              EXAMPLE_STUDY,
              "ir-p010",
              arm == 0 ? "a" : "b",
              k < outcomes[arm][0] ? "success" : "failure"
            });
      }
    }
    jdbc.batchUpdate(
        "INSERT INTO research_subject (subject_id, study_id, patient_id, status, assigned_arm, randomized_at, endpoint,"
            + " endpoint_at) VALUES (?, ?, ?, 'on-study', ?, '2025-02-01T00:00:00Z', ?, '2025-04-01T00:00:00Z')"
            + " ON CONFLICT (subject_id) DO NOTHING",
        rows);
    Parameters p = report(EXAMPLE_STUDY, null);
    ParametersParameterComponent effect = p.getParameter("effect");
    assertThat(decimal(effect, "risk-difference")).isEqualByComparingTo("0.2000");
    assertThat(decimal(effect, "ci-low")).isEqualByComparingTo("0.0524");
    assertThat(decimal(effect, "ci-high")).isEqualByComparingTo("0.3339");
    assertThat(decimal(effect, "p-value")).isEqualByComparingTo("0.01252");
    // episode-less randomizations: counted as randomized, not as screened; no baseline
    ParametersParameterComponent consort = p.getParameter("consort");
    assertThat(integer(consort, "randomized")).isEqualTo(151); // with rs-other, of no defined arm
    assertThat(integer(consort, "screened")).isEqualTo(1);
    assertThat(part(consort, "ineligible-by").getPart()).isEmpty();
    ParametersParameterComponent a =
        p.getParameter().stream().filter(c -> c.getName().equals("arm")).findFirst().orElseThrow();
    assertThat(integer(a, "n")).isEqualTo(70);
    assertThat(integer(part(a, "lvef"), "n")).isZero();
    assertThat(part(a, "lvef").getPart())
        .extracting(ParametersParameterComponent::getName)
        .containsExactly("n");
    assertThat(integer(part(a, "primary-endpoint"), "failure")).isEqualTo(14);
  }

  @Test
  void unknownStudy_is404WithAnOperationOutcome_andBadAsOfIs400() throws Exception {
    HttpResponse<String> res = get("/fhir/ResearchStudy/no-such-study/$interim-report", TOKEN);
    assertThat(res.statusCode()).isEqualTo(404);
    OperationOutcome oo = fhir.newJsonParser().parseResource(OperationOutcome.class, res.body());
    assertThat(oo.getIssueFirstRep().getDiagnostics()).startsWith("SR-INTERIM-1");
    HttpResponse<String> bad =
        get("/fhir/ResearchStudy/" + STUDY + "/$interim-report?as-of=yesterday", TOKEN);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("OperationOutcome");
  }

  @Test
  void theEdcRoleMayReadIt_theIngestRoleMayNot() throws Exception {
    HttpResponse<String> edc = get("/fhir/ResearchStudy/" + STUDY + "/$interim-report", EDC_TOKEN);
    assertThat(edc.statusCode()).isEqualTo(200);
    Parameters p = fhir.newJsonParser().parseResource(Parameters.class, edc.body());
    assertThat(integer(p.getParameter("consort"), "randomized")).isEqualTo(RANDOMIZED);
    assertThat(get("/fhir/ResearchStudy/" + STUDY + "/$interim-report", INGEST_TOKEN).statusCode())
        .isEqualTo(403);
    // an edc token reads its own studies' report only
    assertThat(
            get("/fhir/ResearchStudy/" + EXAMPLE_STUDY + "/$interim-report", EDC_TOKEN)
                .statusCode())
        .isEqualTo(403);
  }

  @Test
  void theOperationIsDeclared_withItsDefinition() throws Exception {
    HttpResponse<String> res = get("/fhir/metadata", TOKEN);
    assertThat(res.body()).contains("interim-report");
    var cs =
        fhir.newJsonParser()
            .parseResource(org.hl7.fhir.r4.model.CapabilityStatement.class, res.body());
    String definition =
        cs.getRestFirstRep().getResource().stream()
            .filter(r -> r.getType().equals("ResearchStudy"))
            .flatMap(r -> r.getOperation().stream())
            .filter(o -> o.getName().equals("interim-report"))
            .findFirst()
            .orElseThrow()
            .getDefinition();
    HttpResponse<String> res2 =
        get("/fhir/" + definition.substring(definition.indexOf("OperationDefinition/")), TOKEN);
    assertThat(res2.statusCode()).isEqualTo(200);
    var def =
        fhir.newJsonParser()
            .parseResource(org.hl7.fhir.r4.model.OperationDefinition.class, res2.body());
    assertThat(def.getCode()).isEqualTo("interim-report");
    assertThat(def.getAffectsState()).isFalse();
    assertThat(def.getInstance()).isTrue();
    assertThat(def.getParameter()).extracting(pd -> pd.getName()).contains("as-of");
  }
}
