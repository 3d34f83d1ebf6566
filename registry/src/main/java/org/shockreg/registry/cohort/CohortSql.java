package org.shockreg.registry.cohort;

import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

/**
 * A cohort definition compiled to SQL over the curated tables, every value a bound parameter.
 * {@link #memberSql()} selects the members' {@code patient_id}s (alias {@code p} for {@code
 * patient}); {@link #episodeCondition()} is the condition on a {@code shock_episode e} that makes
 * it a qualifying episode ({@code TRUE} when the cohort has no episode criteria).
 */
public final class CohortSql {

  /** Derived fact kinds (docs/derivations.md). */
  static final String KIND_ETIOLOGY = "cs-etiology";

  static final String KIND_ISCHEMIC = "hf-cs-ischemic";
  static final String KIND_SCAI_AT_DIAGNOSIS = "scai-stage-at-diagnosis";

  private final MapSqlParameterSource params = new MapSqlParameterSource();
  private final String episodeCondition;
  private final String memberWhere;
  private int counter;

  public CohortSql(CohortDefinition definition) {
    CohortCriteria c = definition.criteria();
    List<String> episode = new ArrayList<>();
    if (!c.etiology().isEmpty()) {
      episode.add(
          "EXISTS (SELECT 1 FROM derived_fact ef WHERE ef.episode_id = e.episode_id AND ef.kind = "
              + param(KIND_ETIOLOGY)
              + " AND ef.value_code = ANY("
              + param(array(c.etiology()))
              + "))");
    }
    if (!c.site().isEmpty()) {
      episode.add("e.site_id = ANY(" + param(array(c.site())) + ")");
    }
    if (!c.scaiAtDiagnosis().isEmpty()) {
      episode.add(
          "EXISTS (SELECT 1 FROM derived_fact sf WHERE sf.episode_id = e.episode_id AND sf.kind = "
              + param(KIND_SCAI_AT_DIAGNOSIS)
              + " AND sf.value_code = ANY("
              + param(array(c.scaiAtDiagnosis()))
              + "))");
    }
    if (c.ageMin() != null) {
      episode.add("e.age_at_diagnosis >= " + param(c.ageMin()));
    }
    if (c.ageMax() != null) {
      episode.add("e.age_at_diagnosis <= " + param(c.ageMax()));
    }
    this.episodeCondition = episode.isEmpty() ? "TRUE" : String.join(" AND ", episode);

    List<String> patient = new ArrayList<>();
    if (c.hasEpisodeCriteria()) {
      patient.add(
          "EXISTS (SELECT 1 FROM shock_episode e WHERE e.patient_id = p.patient_id AND "
              + episodeCondition
              + ")");
    } else if (Boolean.FALSE.equals(c.shockEpisode())) {
      patient.add("NOT EXISTS (SELECT 1 FROM shock_episode e WHERE e.patient_id = p.patient_id)");
    }
    if (!c.device().isEmpty()) {
      patient.add(
          "EXISTS (SELECT 1 FROM device_therapy dt WHERE dt.patient_id = p.patient_id AND dt.device = ANY("
              + param(array(c.device()))
              + "))");
    }
    if (!c.sex().isEmpty()) {
      String sex = "p.sex = ANY(" + param(array(c.sex())) + ")";
      // A Patient without a gender is 'unknown' too.
      patient.add(c.sex().contains("unknown") ? "(" + sex + " OR p.sex IS NULL)" : sex);
    }
    CohortCriteria.ResearchSubject rs = c.researchSubject();
    if (rs != null) {
      StringBuilder subject =
          new StringBuilder(
              "EXISTS (SELECT 1 FROM research_subject rsc WHERE rsc.patient_id = p.patient_id");
      if (rs.study() != null) {
        subject.append(" AND rsc.study_id = ").append(param(rs.study()));
      }
      if (!rs.status().isEmpty()) {
        subject.append(" AND rsc.status = ANY(").append(param(array(rs.status()))).append(")");
      }
      patient.add(subject.append(")").toString());
    }
    this.memberWhere = patient.isEmpty() ? "TRUE" : String.join(" AND ", patient);
  }

  /** The members' patient ids, ordered. */
  public String memberSql() {
    return "SELECT p.patient_id FROM patient p WHERE " + memberWhere;
  }

  public String memberWhere() {
    return memberWhere;
  }

  public String episodeCondition() {
    return episodeCondition;
  }

  public MapSqlParameterSource params() {
    return params;
  }

  /** Binds one more value under a fresh name (also for callers extending the SQL). */
  public String param(Object value) {
    String name = "c" + (counter++);
    params.addValue(name, value);
    return ":" + name;
  }

  private static String[] array(List<String> values) {
    return values.toArray(String[]::new);
  }
}
