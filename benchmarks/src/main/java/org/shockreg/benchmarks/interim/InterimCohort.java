package org.shockreg.benchmarks.interim;

import static org.shockreg.benchmarks.interim.InterimReportBenchmark.OTHER_VARIABLES;
import static org.shockreg.benchmarks.interim.InterimReportBenchmark.SITE;
import static org.shockreg.benchmarks.interim.InterimReportBenchmark.STUDY;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Random;
import org.postgresql.PGConnection;
import org.springframework.jdbc.core.JdbcTemplate;

/** The benchmark's large trial, generated from the seed and loaded by COPY before timing. */
final class InterimCohort {

  private InterimCohort() {}

  record Loaded(long measurements, long devices, long facts) {}

  /**
   * Randomizations spread over 2025, diagnosis 0.5-4.5 h before, CICU arrival up to 10 h before
   * that; per subject 2 LVEF, 6 SBP and 4 lactate values from 16 h before to 56 h after diagnosis
   * (window -12 h .. +48 h) and {@code other} measurements of other variables; IABP after
   * randomization for most of the early-IABP arm and some controls; three derived facts per
   * episode. The further screened episodes have a screening result and criteria, nothing else.
   */
  static Loaded load(HikariDataSource ds, int subjects, int screened, int other, long seed)
      throws SQLException, IOException {
    Random rnd = new Random(seed);
    Instant year = Instant.parse("2025-01-01T00:00:00Z");
    StringBuilder patients = new StringBuilder();
    StringBuilder episodes = new StringBuilder();
    StringBuilder measurements = new StringBuilder();
    StringBuilder devices = new StringBuilder();
    StringBuilder facts = new StringBuilder();
    StringBuilder rows = new StringBuilder();
    long m = 0;
    long d = 0;
    long f = 0;
    String[] keys = {"age", "etiology", "lvef", "hypotension-hypoperfusion", "scai", "exclusion"};
    for (int i = 0; i < subjects + screened; i++) {
      boolean randomized = i < subjects;
      String p = "bp-" + i;
      String e = "be-" + i;
      Instant dx = year.plusSeconds(rnd.nextInt(364 * 24 * 3600));
      patients
          .append(p)
          .append('\t')
          .append(SITE)
          .append('\t')
          .append(rnd.nextBoolean() ? "female" : "male")
          .append('\t')
          .append(1940 + rnd.nextInt(60))
          .append('\n');
      episodes
          .append(e)
          .append('\t')
          .append(p)
          .append('\t')
          .append(SITE)
          .append('\t')
          .append(dx.minusSeconds(rnd.nextInt(36000)))
          .append('\t')
          .append(dx)
          .append('\t')
          .append(18 + rnd.nextInt(70))
          .append('\t')
          .append(dx.minusSeconds(12 * 3600))
          .append('\t')
          .append(dx.plusSeconds(48 * 3600))
          .append('\n');
      for (String kind :
          new String[] {"hf-cs-ischemic", "cs-etiology", "scai-stage-at-diagnosis"}) {
        facts
            .append(e)
            .append('-')
            .append(kind)
            .append('\t')
            .append(e)
            .append('\t')
            .append(p)
            .append('\t')
            .append(kind)
            .append('\t')
            .append(kind.equals("hf-cs-ischemic") ? (rnd.nextBoolean() ? "t" : "f") : "\\N")
            .append('\t')
            .append(
                kind.equals("cs-etiology")
                    ? "hf-cs"
                    : kind.equals("scai-stage-at-diagnosis") ? "C" : "\\N")
            .append('\n');
        f++;
      }
      String result;
      StringBuilder criteria = new StringBuilder("{");
      if (randomized) {
        result = rnd.nextInt(10) < 9 ? "potential-candidate" : "screening";
        for (String k : keys) {
          criteria
              .append(criteria.length() > 1 ? ", " : "")
              .append('"')
              .append(k)
              .append("\": \"met\"");
        }
      } else {
        int r = rnd.nextInt(10);
        result = r < 6 ? "ineligible" : r < 8 ? "screening" : "potential-candidate";
        for (String k : keys) {
          String v = "ineligible".equals(result) && rnd.nextInt(4) == 0 ? "not-met" : "met";
          criteria
              .append(criteria.length() > 1 ? ", " : "")
              .append('"')
              .append(k)
              .append("\": \"")
              .append(v)
              .append('"');
        }
      }
      criteria.append(", \"window\": \"met\", \"manual\": \"unknown\"}");
      String arm = "\\N";
      String randomizedAt = "\\N";
      String cicuHours = "\\N";
      String endpoint = "\\N";
      String endpointAt = "\\N";
      if (randomized) {
        Instant t = dx.plusSeconds(1800 + rnd.nextInt(4 * 3600));
        arm = rnd.nextBoolean() ? "early-iabp" : "standard-care";
        randomizedAt = t.toString();
        cicuHours = String.format(Locale.ROOT, "%.2f", 0.5 + rnd.nextInt(1500) / 100.0);
        int o = rnd.nextInt(100);
        if (o < 50) {
          endpoint = "success";
          endpointAt = t.plus(Duration.ofDays(60)).toString();
        } else if (o < 85) {
          endpoint = "failure";
          endpointAt = t.plusSeconds(86400 + rnd.nextInt(58 * 86400)).toString();
        } else {
          endpoint = "incomplete";
          endpointAt = t.plusSeconds(86400L * 10).toString();
        }
        int[] counts = {2, 6, 4};
        String[] vars = {"lvef", "sbp", "lactate"};
        for (int v = 0; v < vars.length; v++) {
          for (int k = 0; k < counts[v]; k++) {
            measurement(
                measurements,
                p,
                m++,
                vars[v],
                dx.plusSeconds(-16 * 3600 + rnd.nextInt(72 * 3600)),
                10 + rnd.nextInt(100),
                rnd.nextInt(20) == 0);
          }
        }
        for (int k = 0; k < other; k++) {
          measurement(
              measurements,
              p,
              m++,
              OTHER_VARIABLES[rnd.nextInt(OTHER_VARIABLES.length)],
              dx.plusSeconds(-48 * 3600 + rnd.nextInt(240 * 3600)),
              10 + rnd.nextInt(100),
              false);
        }
        if (rnd.nextInt(100) < ("early-iabp".equals(arm) ? 85 : 15)) {
          device(devices, p, d++, "iabp", t.plusSeconds(600 + rnd.nextInt(8 * 3600)));
        }
        if (rnd.nextInt(10) == 0) {
          device(devices, p, d++, "impella", t.plusSeconds(rnd.nextInt(48 * 3600)));
        }
      }
      rows.append("bs-")
          .append(i)
          .append('\t')
          .append(STUDY)
          .append('\t')
          .append(p)
          .append('\t')
          .append(e)
          .append('\t')
          .append(randomized ? "on-study" : result)
          .append('\t')
          .append(result)
          .append('\t')
          .append(criteria)
          .append('\t')
          .append(arm)
          .append('\t')
          .append(randomizedAt)
          .append('\t')
          .append(cicuHours)
          .append('\t')
          .append(endpoint)
          .append('\t')
          .append(endpointAt)
          .append('\n');
    }
    try (Connection c = ds.getConnection()) {
      var copy = c.unwrap(PGConnection.class).getCopyAPI();
      new JdbcTemplate(ds)
          .update("INSERT INTO site (site_id, origin) VALUES (?, 'benchmark')", SITE);
      copy.copyIn(
          "COPY patient (patient_id, site_id, sex, birth_year) FROM STDIN",
          new StringReader(patients.toString()));
      copy.copyIn(
          "COPY shock_episode (episode_id, patient_id, site_id, cicu_arrival_at, shock_diagnosis_at, age_at_diagnosis,"
              + " window_start, window_end) FROM STDIN",
          new StringReader(episodes.toString()));
      copy.copyIn(
          "COPY measurement (observation_id, patient_id, site_id, variable, status, effective_at, value, flags,"
              + " source_type, source_id) FROM STDIN",
          new StringReader(measurements.toString()));
      copy.copyIn(
          "COPY device_therapy (procedure_id, patient_id, site_id, device, status, started_at, source_type, source_id)"
              + " FROM STDIN",
          new StringReader(devices.toString()));
      copy.copyIn(
          "COPY derived_fact (fact_id, episode_id, patient_id, kind, value_boolean, value_code) FROM STDIN",
          new StringReader(facts.toString()));
      copy.copyIn(
          "COPY research_subject (subject_id, study_id, patient_id, episode_id, status, screening_result, criteria,"
              + " assigned_arm, randomized_at, hours_cicu_to_randomization, endpoint, endpoint_at) FROM STDIN",
          new StringReader(rows.toString()));
    }
    return new Loaded(m, d, f);
  }

  private static void measurement(
      StringBuilder sb,
      String patient,
      long n,
      String variable,
      Instant at,
      int value,
      boolean implausible) {
    sb.append("bm-")
        .append(n)
        .append('\t')
        .append(patient)
        .append('\t')
        .append(SITE)
        .append('\t')
        .append(variable)
        .append("\tfinal\t")
        .append(at)
        .append('\t')
        .append(value)
        .append('\t')
        .append(implausible ? "{implausible}" : "{}")
        .append("\tObservation\tbm-")
        .append(n)
        .append('\n');
  }

  private static void device(
      StringBuilder sb, String patient, long n, String device, Instant start) {
    sb.append("bd-")
        .append(n)
        .append('\t')
        .append(patient)
        .append('\t')
        .append(SITE)
        .append('\t')
        .append(device)
        .append("\tcompleted\t")
        .append(start)
        .append("\tProcedure\tbd-")
        .append(n)
        .append('\n');
  }
}
