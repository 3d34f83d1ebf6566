package org.shockreg.registry.cohort;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import liquibase.integration.spring.SpringLiquibase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The compiled cohort SQL and the summary queries on a real PostgreSQL with the registry schema,
 * over curated rows written directly (the intake path is covered by CohortIT in fhir-server).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CohortEngineTest {

  static final List<String> TMCS =
      List.of("iabp", "impella", "va-ecmo", "tandemheart", "vad-unspecified");
  static final Instant T1 = Instant.parse("2025-01-10T10:00:00Z");
  static final Instant T2 = Instant.parse("2025-02-01T08:00:00Z");
  static final Instant T3A = Instant.parse("2024-03-01T12:00:00Z");
  static final Instant T3B = Instant.parse("2025-03-01T12:00:00Z");
  static final Instant T5 = Instant.parse("2025-04-01T00:00:00Z");

  JdbcTemplate jdbc;
  CohortEngine engine;
  CohortDefinitionReader reader = new CohortDefinitionReader(Set.copyOf(TMCS));

  @BeforeAll
  void schemaAndData() throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    DriverManagerDataSource ds =
        new DriverManagerDataSource(db.url(), db.username(), db.password());
    SpringLiquibase liquibase = new SpringLiquibase();
    liquibase.setDataSource(ds);
    liquibase.setChangeLog("classpath:db/changelog/db.changelog-master.yaml");
    liquibase.setResourceLoader(new DefaultResourceLoader());
    liquibase.afterPropertiesSet();
    jdbc = new JdbcTemplate(ds);
    engine =
        new CohortEngine(
            new NamedParameterJdbcTemplate(ds), CohortCatalog.load(reader, null), TMCS);

    jdbc.update(
        "INSERT INTO site (site_id, origin, created_at) VALUES ('hospital-a', 'test', '2025-01-01T00:00Z')");
    jdbc.update(
        "INSERT INTO site (site_id, origin, created_at) VALUES ('hospital-b', 'test', '2025-01-02T00:00Z')");
    patient("p1", "hospital-a", "female");
    patient("p2", "hospital-a", "male");
    patient("p3", "hospital-b", "male");
    patient("p4", "hospital-b", null);
    patient("p5", "hospital-b", "female");

    // p1: HF-CS (ischemic), SCAI C, IABP, randomized to early IABP
    episode("e1", "p1", "hospital-a", T1, 60, T1.minus(Duration.ofHours(1)));
    fact("e1", "p1", "cs-etiology", "hf-cs", null);
    fact("e1", "p1", "hf-cs-ischemic", null, true);
    fact("e1", "p1", "scai-stage-at-diagnosis", "C", null);
    measurement("m1", "p1", "lvef", T1.minus(Duration.ofHours(1)), "20", false);
    measurement("m2", "p1", "lvef", T1.plus(Duration.ofHours(3)), "30", false);
    measurement("m3", "p1", "sbp", T1, "80", false);
    measurement("m4", "p1", "lactate", T1.plus(Duration.ofMinutes(30)), "3.0", false);
    measurement("m5", "p1", "lactate", T1, "40", true); // implausible: never the value
    measurement(
        "m6", "p1", "lvef", T1.minus(Duration.ofDays(30)), "55", false); // outside the window
    therapy("d1", "p1", "iabp", T1.plus(Duration.ofHours(1)), null);

    // p2: AMI-CS, SCAI E, Impella + VA-ECMO, randomized to standard care
    episode("e2", "p2", "hospital-a", T2, 70, T2);
    fact("e2", "p2", "cs-etiology", "ami-cs", null);
    fact("e2", "p2", "scai-stage-at-diagnosis", "E", null);
    measurement("m7", "p2", "lvef", T2.plus(Duration.ofHours(2)), "35", false);
    measurement("m8", "p2", "sbp", T2.minus(Duration.ofHours(2)), "70", false);
    measurement(
        "m9", "p2", "sbp", T2.plus(Duration.ofHours(2)), "95", false); // tie: the earlier wins
    measurement("m10", "p2", "lactate", T2.plus(Duration.ofHours(1)), "9", false);
    therapy("d2", "p2", "impella", T2.plus(Duration.ofHours(2)), null);
    therapy("d3", "p2", "va-ecmo", T2.plus(Duration.ofHours(5)), null);
    therapy(
        "d4",
        "p2",
        "iabp",
        T2.minus(Duration.ofDays(40)),
        T2.minus(Duration.ofDays(39))); // before: not counted

    // p3: two episodes, "other" first, then HF-CS (not ischemic), SCAI B
    episode("e3a", "p3", "hospital-b", T3A, 50, null);
    fact("e3a", "p3", "cs-etiology", "other", null);
    episode("e3b", "p3", "hospital-b", T3B, 51, null);
    fact("e3b", "p3", "cs-etiology", "hf-cs", null);
    fact("e3b", "p3", "hf-cs-ischemic", null, false);
    fact("e3b", "p3", "scai-stage-at-diagnosis", "B", null);
    measurement("m11", "p3", "sbp", T3B, "85", false);

    // p4: no shock episode, an IABP
    therapy("d5", "p4", "iabp", T5, null);

    // p5: an episode without age or facts but etiology other
    episode("e5", "p5", "hospital-b", T5, null, null);
    fact("e5", "p5", "cs-etiology", "other", null);

    jdbc.update("INSERT INTO research_study (study_id, definition) VALUES ('altshock-2', '{}')");
    jdbc.update(
        "INSERT INTO research_subject (subject_id, study_id, patient_id, episode_id, status, assigned_arm, randomized_at)"
            + " VALUES ('s1', 'altshock-2', 'p1', 'e1', 'on-study', 'early-iabp', ?)",
        ts(T1.plus(Duration.ofMinutes(30))));
    jdbc.update(
        "INSERT INTO research_subject (subject_id, study_id, patient_id, episode_id, status, assigned_arm, randomized_at)"
            + " VALUES ('s2', 'altshock-2', 'p2', NULL, 'on-study', 'standard-care', ?)",
        ts(T2.plus(Duration.ofHours(2))));
    // screened, not randomized
    jdbc.update(
        "INSERT INTO research_subject (subject_id, study_id, patient_id, episode_id, status)"
            + " VALUES ('s3', 'altshock-2', 'p3', 'e3b', 'screening')");
  }

  void patient(String id, String site, String sex) {
    jdbc.update(
        "INSERT INTO patient (patient_id, site_id, sex, birth_year) VALUES (?, ?, ?, 1960)",
        id,
        site,
        sex);
  }

  void episode(String id, String patient, String site, Instant t, Integer age, Instant cicu) {
    jdbc.update(
        "INSERT INTO shock_episode (episode_id, patient_id, site_id, shock_diagnosis_at, age_at_diagnosis,"
            + " cicu_arrival_at, window_start, window_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        id,
        patient,
        site,
        ts(t),
        age,
        ts(cicu),
        ts(t.minus(Duration.ofHours(6))),
        ts(t.plus(Duration.ofHours(24))));
  }

  void fact(String episode, String patient, String kind, String code, Boolean bool) {
    jdbc.update(
        "INSERT INTO derived_fact (fact_id, episode_id, patient_id, kind, variable, value_code, value_boolean)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?)",
        episode + "-" + kind,
        episode,
        patient,
        kind,
        kind.startsWith("scai") ? "scai-stage" : kind,
        code,
        bool);
  }

  void measurement(
      String id, String patient, String variable, Instant at, String value, boolean implausible) {
    jdbc.update(
        "INSERT INTO measurement (observation_id, patient_id, site_id, variable, status, effective_at, value, flags,"
            + " source_type, source_id) SELECT ?, ?, p.site_id, ?, 'final', ?, ?::numeric, ?::text[], 'Observation', ?"
            + " FROM patient p WHERE p.patient_id = ?",
        id,
        patient,
        variable,
        ts(at),
        value,
        implausible ? "{implausible}" : "{}",
        id,
        patient);
  }

  void therapy(String id, String patient, String device, Instant start, Instant end) {
    jdbc.update(
        "INSERT INTO device_therapy (procedure_id, patient_id, site_id, device, status, started_at, ended_at,"
            + " source_type, source_id) SELECT ?, ?, p.site_id, ?, 'completed', ?, ?, 'Procedure', ?"
            + " FROM patient p WHERE p.patient_id = ?",
        id,
        patient,
        device,
        ts(start),
        ts(end),
        id,
        patient);
  }

  static Timestamp ts(Instant i) {
    return i == null ? null : Timestamp.from(i);
  }

  CohortDefinition cohort(String id) {
    return engine.find(id).orElseThrow();
  }

  CohortDefinition local(String criteria) {
    List<String> problems = new ArrayList<>();
    List<CohortDefinition> d =
        reader.read(
            "local.yaml",
            ("cohorts:\n  - {id: x, name: x, criteria: " + criteria + "}\n")
                .getBytes(StandardCharsets.UTF_8),
            problems);
    assertThat(problems).isEmpty();
    return d.get(0);
  }

  @Test
  void builtInMembership() {
    assertThat(engine.members(cohort("all-cs"))).containsExactly("p1", "p2", "p3", "p5");
    assertThat(engine.members(cohort("hf-cs"))).containsExactly("p1", "p3");
    assertThat(engine.members(cohort("ami-cs"))).containsExactly("p2");
    assertThat(engine.members(cohort("iabp"))).containsExactly("p1", "p2", "p4");
    assertThat(engine.members(cohort("impella"))).containsExactly("p2");
    assertThat(engine.members(cohort("va-ecmo"))).containsExactly("p2");
    assertThat(engine.members(cohort("site-hospital-a"))).containsExactly("p1", "p2");
    assertThat(engine.members(cohort("site-hospital-b"))).containsExactly("p3", "p5");
    assertThat(engine.count(cohort("all-cs"))).isEqualTo(4);
    assertThat(engine.find("site-hospital-c")).isEmpty();
    assertThat(engine.find("nothing")).isEmpty();
    assertThat(engine.sites()).containsExactly("hospital-a", "hospital-b");
    assertThat(engine.studies()).containsExactly("altshock-2");
    // per-study template: research subjects of the study, any status
    assertThat(engine.members(cohort("altshock-2-screening"))).containsExactly("p1", "p2", "p3");
    assertThat(engine.find("other-study-screening")).isEmpty();
  }

  @Test
  void criteria_combineWithAnd_listsWithOr_episodeCriteriaOnOneEpisode() {
    assertThat(engine.members(local("{sex: male, age-at-diagnosis: {min: 55, max: 70}}")))
        .containsExactly("p2");
    assertThat(engine.members(local("{scai-stage-at-diagnosis: [B, C]}")))
        .containsExactly("p1", "p3");
    assertThat(engine.members(local("{shock-episode: false}"))).containsExactly("p4");
    assertThat(engine.members(local("{sex: unknown}"))).containsExactly("p4");
    assertThat(engine.members(local("{sex: [female, male], device: [impella, iabp]}")))
        .containsExactly("p1", "p2");
    // p3's "other" episode is at 50, its HF-CS one at 51: both criteria must hold for one episode
    assertThat(engine.members(local("{etiology: other, age-at-diagnosis: {max: 50}}")))
        .containsExactly("p3");
    assertThat(engine.members(local("{etiology: hf-cs, age-at-diagnosis: {max: 50}}"))).isEmpty();
    assertThat(engine.members(local("{etiology: [hf-cs, ami-cs], site: hospital-a}")))
        .containsExactly("p1", "p2");
    assertThat(engine.members(local("{research-subject: {status: [on-study]}}")))
        .containsExactly("p1", "p2");
    assertThat(engine.members(local("{research-subject: {study: altshock-2, status: screening}}")))
        .containsExactly("p3");
    assertThat(engine.members(local("{research-subject: {study: other}}"))).isEmpty();
    assertThat(engine.members(local("{research-subject: {}, etiology: hf-cs}")))
        .containsExactly("p1", "p3");
  }

  @Test
  void allCsSummary() {
    CohortSummary s = engine.summary(cohort("all-cs"));
    assertThat(s.n()).isEqualTo(4);
    assertThat(s.withEpisode()).isEqualTo(4);
    // p3's index episode is the first (age 50, "other"); p5 has no age: 50, 60, 70
    assertThat(s.ageAtDiagnosis()).isEqualTo(dist(3, 1, "60", "55", "65"));
    assertThat(s.sex()).isEqualTo(Map.of("male", 2, "female", 2, "other", 0, "unknown", 0));
    assertThat(s.etiology()).isEqualTo(Map.of("ami-cs", 1, "hf-cs", 1, "other", 2, "unknown", 0));
    assertThat(s.ischemic())
        .isEqualTo(new CohortSummary.Ischemic(1, 1, new java.math.BigDecimal("1")));
    // nearest to the diagnosis within the window: p1 20 (not 30, not 55 a month before), p2 35
    assertThat(s.lvef()).isEqualTo(dist(2, 2, "27.5", "23.75", "31.25"));
    // p1 80, p2 70 (2 h before beats 95 at 2 h after), p3's index episode has no SBP
    assertThat(s.sbp()).isEqualTo(dist(2, 2, "75", "72.5", "77.5"));
    // p1 3.0 (the implausible 40 does not count), p2 9
    assertThat(s.lactate()).isEqualTo(dist(2, 2, "6", "4.5", "7.5"));
    // p2's IABP 40 days before the episode is not counted; p1's is
    assertThat(s.tmcs())
        .isEqualTo(
            Map.of("iabp", 1, "impella", 1, "va-ecmo", 1, "tandemheart", 0, "vad-unspecified", 0));
    assertThat(s.anyTmcs()).isEqualTo(2);
    assertThat(s.scaiAtDiagnosis())
        .isEqualTo(Map.of("A", 0, "B", 0, "C", 1, "D", 0, "E", 1, "unknown", 2));
    // p1: CICU 09:00 -> randomized 10:30 = 1.5 h, IABP 11:00 = 0.5 h later;
    // p2: no episode on the subject, found by window: CICU 08:00 -> 10:00 = 2 h
    CohortSummary.Randomization r = s.randomization();
    assertThat(r.note()).isNull();
    assertThat(r.randomized()).isEqualTo(2);
    assertThat(r.cicuArrivalToRandomization()).isEqualTo(dist(2, 0, "1.75", "1.625", "1.875"));
    assertThat(r.randomizationToIabp()).isEqualTo(dist(1, 0, "0.5", "0.5", "0.5"));
  }

  @Test
  void hfCsSummary_usesTheQualifyingEpisode() {
    CohortSummary s = engine.summary(cohort("hf-cs"));
    assertThat(s.n()).isEqualTo(2);
    // p3's HF-CS episode (51), not its first one (50): 51, 60
    assertThat(s.ageAtDiagnosis()).isEqualTo(dist(2, 0, "55.5", "53.25", "57.75"));
    assertThat(s.etiology()).isEqualTo(Map.of("ami-cs", 0, "hf-cs", 2, "other", 0, "unknown", 0));
    assertThat(s.ischemic())
        .isEqualTo(new CohortSummary.Ischemic(2, 1, new java.math.BigDecimal("0.5")));
    assertThat(s.sbp()).isEqualTo(dist(2, 0, "82.5", "81.25", "83.75"));
    assertThat(s.scaiAtDiagnosis())
        .isEqualTo(Map.of("A", 0, "B", 1, "C", 1, "D", 0, "E", 0, "unknown", 0));
  }

  @Test
  void deviceCohort_memberWithoutEpisode_countsAnyTherapy() {
    CohortSummary s = engine.summary(cohort("iabp"));
    assertThat(s.n()).isEqualTo(3);
    assertThat(s.withEpisode()).isEqualTo(2);
    assertThat(s.sex()).isEqualTo(Map.of("male", 1, "female", 1, "other", 0, "unknown", 1));
    assertThat(s.etiology().get("unknown")).isEqualTo(1);
    // p1 and p4 (no episode: any therapy); p2's IABP was before its episode
    assertThat(s.tmcs().get("iabp")).isEqualTo(2);
    assertThat(s.anyTmcs()).isEqualTo(3);
  }

  @Test
  void studyScreeningSummary_reportsThatStudysRandomizations() {
    CohortSummary s = engine.summary(cohort("altshock-2-screening"));
    assertThat(s.n()).isEqualTo(3);
    assertThat(s.randomization().study()).isEqualTo("altshock-2");
    assertThat(s.randomization().randomized()).isEqualTo(2);
    assertThat(s.randomization().cicuArrivalToRandomization())
        .isEqualTo(dist(2, 0, "1.75", "1.625", "1.875"));
  }

  @Test
  void withoutRandomizations_theTimingIsAbsentWithANote() {
    CohortSummary s = engine.summary(cohort("site-hospital-b"));
    assertThat(s.n()).isEqualTo(2);
    assertThat(s.randomization().randomized()).isZero();
    assertThat(s.randomization().cicuArrivalToRandomization()).isNull();
    assertThat(s.randomization().note())
        .contains("no member of this cohort has a recorded trial randomization");
    CohortSummary empty = engine.summary(local("{etiology: hf-cs, sex: other}"));
    assertThat(empty.n()).isZero();
    assertThat(empty.ageAtDiagnosis()).isEqualTo(new Distribution(0, 0, null, null, null));
  }

  static Distribution dist(int n, int missing, String median, String q1, String q3) {
    return new Distribution(
        n,
        missing,
        new java.math.BigDecimal(median),
        new java.math.BigDecimal(q1),
        new java.math.BigDecimal(q3));
  }
}
