package org.shockreg.mappings.trial;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.derive.EpisodeDeriver;
import org.shockreg.registry.derive.EpisodeDerivation;
import org.shockreg.registry.derive.EpisodeDerivation.DerivedFactValue;
import org.shockreg.registry.derive.PatientClinicalRecord;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.study.StudyDefinition.Criterion;
import org.shockreg.registry.trial.PatientFollowUp;
import org.shockreg.registry.trial.Randomization;
import org.shockreg.registry.trial.SubjectRecord;

/**
 * Screens one patient's shock episodes for every study and derives what follows randomization
 * (data-dictionary.md section 4, docs/trials.md). Pure: same record, same result. Each episode gets
 * one ResearchSubject per study with its screening result, an {@code eligibility} Observation (one
 * component per criterion), and once randomized: timing, escalation, deviations and the endpoint.
 */
public final class TrialScreener {

  public static final String VARIABLE_ELIGIBILITY = "eligibility";
  public static final String VARIABLE_DEVIATION = "protocol-deviation";
  public static final String VARIABLE_ESCALATION = "tmcs-escalation";
  public static final String HOURS_DIAGNOSIS = "hours-diagnosis-to-randomization";
  public static final String HOURS_CICU = "hours-cicu-to-randomization";
  public static final String HOURS_INTERVENTION = "hours-randomization-to-intervention";

  public static final String INELIGIBLE = "ineligible";
  public static final String CANDIDATE = "potential-candidate";
  public static final String SCREENING = "screening";
  public static final String ON_STUDY = "on-study";

  static final String FLAG_NEEDS_REVIEW = MappingEngine.FLAG_NEEDS_REVIEW;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final EligibilityCriteria criteria;
  private final RandomizedCourse courses;

  public TrialScreener(EpisodeDeriver deriver, Set<String> tmcsDevices) {
    this.criteria = new EligibilityCriteria(deriver, tmcsDevices);
    this.courses = new RandomizedCourse(tmcsDevices);
  }

  /** The patient's subjects and its episodes with their trial facts added. */
  public record Screened(List<EpisodeDerivation> episodes, List<SubjectRecord> subjects) {}

  public Screened screen(
      Collection<StudyDefinition> studies,
      PatientClinicalRecord r,
      List<EpisodeDerivation> episodes,
      PatientFollowUp f) {
    Map<String, List<DerivedFactValue>> added = new HashMap<>();
    List<SubjectRecord> subjects = new ArrayList<>();
    for (StudyDefinition study : studies) {
      if (study.screening() == null
          && f.randomizations().stream().noneMatch(x -> x.studyId().equals(study.id()))) {
        continue;
      }
      Attached attached = attach(study, episodes, f.randomizations());
      for (EpisodeDerivation e : episodes) {
        Randomization rnd = attached.byEpisode.get(e.episodeId());
        subjects.add(
            subject(study, r, e, rnd, attached.duplicates.contains(e.episodeId()), f, added));
      }
      for (Randomization rnd : attached.unattached) {
        subjects.add(subject(study, r, null, rnd, false, f, added));
      }
    }
    List<EpisodeDerivation> out = new ArrayList<>();
    for (EpisodeDerivation e : episodes) {
      out.add(e.withFacts(added.getOrDefault(e.episodeId(), List.of())));
    }
    return new Screened(out, subjects);
  }

  private static final class Attached {
    final Map<String, Randomization> byEpisode = new LinkedHashMap<>();
    final Set<String> duplicates = new LinkedHashSet<>();
    final List<Randomization> unattached = new ArrayList<>();
  }

  /**
   * Each randomization belongs to the episode whose window holds its time (the latest diagnosed by
   * then, else the first after); the earliest randomization of an episode counts, later ones are
   * flagged as a deviation. One that no episode holds gets a subject of its own.
   */
  private static Attached attach(
      StudyDefinition study, List<EpisodeDerivation> episodes, List<Randomization> all) {
    Attached a = new Attached();
    List<Randomization> mine =
        all.stream()
            .filter(x -> x.studyId().equals(study.id()))
            .sorted(
                Comparator.comparing(Randomization::randomizedAt)
                    .thenComparing(Randomization::randomizationId))
            .toList();
    for (Randomization rnd : mine) {
      Instant t = rnd.randomizedAt();
      List<EpisodeDerivation> holding =
          episodes.stream()
              .filter(e -> !t.isBefore(e.windowStart()) && !t.isAfter(e.windowEnd()))
              .sorted(
                  Comparator.comparing(EpisodeDerivation::shockDiagnosisAt)
                      .thenComparing(EpisodeDerivation::episodeId))
              .toList();
      EpisodeDerivation chosen =
          holding.stream()
              .filter(e -> !e.shockDiagnosisAt().isAfter(t))
              .reduce((x, y) -> y)
              .orElse(holding.isEmpty() ? null : holding.get(0));
      if (chosen == null) {
        a.unattached.add(rnd);
      } else if (a.byEpisode.containsKey(chosen.episodeId())) {
        a.duplicates.add(chosen.episodeId());
      } else {
        a.byEpisode.put(chosen.episodeId(), rnd);
      }
    }
    return a;
  }

  private SubjectRecord subject(
      StudyDefinition study,
      PatientClinicalRecord r,
      EpisodeDerivation e,
      Randomization rnd,
      boolean duplicate,
      PatientFollowUp f,
      Map<String, List<DerivedFactValue>> added) {
    String subjectId =
        e != null
            ? EpisodeDeriver.hash("subject|" + study.id() + "|" + e.episodeId())
            : EpisodeDeriver.hash(
                "subject|" + study.id() + "|randomization|" + rnd.randomizationId());
    String focus = "ResearchSubject/" + subjectId;
    List<DerivedFactValue> facts = new ArrayList<>();
    Map<String, String> statuses = new LinkedHashMap<>();
    String result = null;
    Instant windowEnd = null;
    if (e != null && study.screening() != null) {
      Instant cutoff = rnd == null ? null : rnd.randomizedAt();
      List<CriterionResult> results = new ArrayList<>();
      for (Criterion c : study.criteria()) {
        CriterionResult cr = criteria.evaluate(c, r, e, cutoff, study.randomizationWindowHours());
        results.add(cr);
        if (cr.status() != null) {
          statuses.put(cr.key(), cr.status());
        }
      }
      windowEnd = e.shockDiagnosisAt().plusSeconds(3600L * study.randomizationWindowHours());
      result = result(results);
      facts.add(eligibility(study, e, result, results, focus));
    }
    RandomizedCourse.Course course = null;
    RandomizedCourse.Outcome outcome = null;
    if (rnd != null) {
      course = courses.course(study, rnd, e, r, duplicate);
      if (study.primaryEndpoint() != null) {
        outcome = courses.endpoint(study.primaryEndpoint(), rnd, r, f);
      }
      if (e != null) {
        facts.addAll(TrialFacts.randomized(study, e, rnd, course, outcome, focus));
      }
    }
    if (e != null && !facts.isEmpty()) {
      added.computeIfAbsent(e.episodeId(), k -> new ArrayList<>()).addAll(facts);
    }
    return new SubjectRecord(
        subjectId,
        study.id(),
        r.patientId(),
        e == null ? null : e.episodeId(),
        rnd != null ? ON_STUDY : result,
        result,
        statuses,
        rnd == null ? null : rnd.arm(),
        course == null ? null : course.actualArm(),
        rnd == null ? null : rnd.randomizationId(),
        rnd == null ? null : rnd.randomizedAt(),
        e == null ? null : e.shockDiagnosisAt(),
        windowEnd,
        course == null ? null : course.hoursDiagnosisToRandomization(),
        course == null ? null : course.hoursCicuToRandomization(),
        course == null ? null : course.hoursRandomizationToIntervention(),
        course == null ? null : course.escalation(),
        course == null ? List.of() : course.deviations(),
        outcome == null ? null : outcome.code(),
        outcome == null ? null : outcome.at());
  }

  /**
   * Ineligible if any automatable criterion is not met, a candidate if all are met, else screening.
   */
  static String result(List<CriterionResult> results) {
    boolean allMet = true;
    for (CriterionResult c : results) {
      if (!c.automatable()) {
        continue;
      }
      if (CriterionResult.NOT_MET.equals(c.status())) {
        return INELIGIBLE;
      }
      allMet &= CriterionResult.MET.equals(c.status());
    }
    return allMet ? CANDIDATE : SCREENING;
  }

  private static DerivedFactValue eligibility(
      StudyDefinition study,
      EpisodeDerivation e,
      String result,
      List<CriterionResult> results,
      String focus) {
    ArrayNode components = JSON.createArrayNode();
    Set<String> evidence = new LinkedHashSet<>();
    for (CriterionResult c : results) {
      ObjectNode n = components.addObject().put("key", c.key());
      if (c.status() != null) {
        n.put("status", c.status());
      }
      if (c.start() != null) {
        n.put("start", c.start().toString()).put("end", c.end().toString());
      }
      ArrayNode refs = n.putArray("evidence");
      c.evidence().forEach(refs::add);
      evidence.addAll(c.evidence());
    }
    String kind = VARIABLE_ELIGIBILITY + ":" + study.id();
    return new DerivedFactValue(
        EpisodeDeriver.hash("derived|" + e.episodeId() + "|" + kind),
        kind,
        VARIABLE_ELIGIBILITY,
        result,
        null,
        null,
        null,
        e.shockDiagnosisAt(),
        new ArrayList<>(evidence),
        focus,
        json(components),
        List.of());
  }

  static String json(Object node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException(ex);
    }
  }
}
