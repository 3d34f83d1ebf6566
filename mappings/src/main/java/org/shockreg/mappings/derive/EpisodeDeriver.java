package org.shockreg.mappings.derive;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.shockreg.registry.derive.EpisodeDerivation;
import org.shockreg.registry.derive.EpisodeDerivation.DerivedFactValue;
import org.shockreg.registry.derive.PatientClinicalRecord;
import org.shockreg.registry.derive.PatientClinicalRecord.DiagnosisRow;
import org.shockreg.registry.derive.PatientClinicalRecord.EncounterRow;

/**
 * Derives shock episodes and their facts from one patient's curated record (data-dictionary.md §3):
 * episode assembly, CICU arrival, shock diagnosis time, age at diagnosis, etiology with its
 * sub-facts, and SCAI stage at diagnosis and worst in the first 24 h. Pure: same record, same
 * result; the time windows it uses are documented in docs/derivations.md.
 */
public final class EpisodeDeriver {

  static final String CS = "cardiogenic-shock";
  static final Set<String> HF_CATEGORIES =
      Set.of("heart-failure", "cardiomyopathy", "ischemic-cardiomyopathy");
  static final Set<String> ISCHEMIC_CATEGORIES = Set.of("ischemic-cardiomyopathy", "prior-mi");

  /** CS diagnoses without a hospital stay at most this far apart are one episode. */
  static final Duration UNANCHORED_GROUPING = Duration.ofDays(30);

  static final Duration PRE_DIAGNOSIS = Duration.ofHours(6);
  static final Duration AT_DIAGNOSIS_AFTER = Duration.ofHours(1);
  static final Duration FIRST_DAY = Duration.ofHours(24);
  static final Duration OPEN_EPISODE = Duration.ofDays(30);
  static final Duration AMI_BEFORE = Duration.ofDays(7);
  static final Duration AMI_AFTER = Duration.ofDays(1);
  static final Duration DE_NOVO = Duration.ofDays(30);

  public static final String KIND_ETIOLOGY = "cs-etiology";
  public static final String KIND_ISCHEMIC = "hf-cs-ischemic";
  public static final String KIND_DE_NOVO = "hf-cs-de-novo";
  public static final String KIND_SCAI_AT_DIAGNOSIS = "scai-stage-at-diagnosis";
  public static final String KIND_SCAI_WORST_24H = "scai-stage-worst-24h";

  private final ScaiStaging staging;

  /**
   * @param tmcsDevices DEV codes that count as temporary MCS (from the device rules)
   */
  public EpisodeDeriver(Set<String> tmcsDevices) {
    this.staging = new ScaiStaging(Set.copyOf(tmcsDevices));
  }

  private static final class Draft {
    final String anchor;
    final DiagnosisRow first;
    final EncounterRow stay;

    Draft(String anchor, DiagnosisRow first, EncounterRow stay) {
      this.anchor = anchor;
      this.first = first;
      this.stay = stay;
    }
  }

  public List<EpisodeDerivation> derive(PatientClinicalRecord record) {
    List<DiagnosisRow> shocks =
        record.diagnoses().stream()
            // a shock diagnosis sent only as a date has no moment for the hour windows: no episode
            .filter(d -> CS.equals(d.category()) && d.moment() != null)
            .sorted(
                Comparator.comparing(DiagnosisRow::moment).thenComparing(DiagnosisRow::conditionId))
            .toList();
    List<Draft> drafts = new ArrayList<>();
    for (DiagnosisRow d : shocks) {
      EncounterRow stay = stayAt(record, d.moment());
      String anchor = stay != null ? "Encounter/" + stay.encounterId() : null;
      boolean known =
          drafts.stream()
              .anyMatch(
                  e ->
                      (anchor != null && anchor.equals(e.anchor))
                          || (anchor == null
                              && e.stay == null
                              && e.first.siteId().equals(d.siteId())
                              && Duration.between(e.first.moment(), d.moment())
                                      .compareTo(UNANCHORED_GROUPING)
                                  <= 0));
      if (!known) {
        drafts.add(new Draft(anchor != null ? anchor : "Condition/" + d.conditionId(), d, stay));
      }
    }
    List<EpisodeDerivation> out = new ArrayList<>();
    for (Draft e : drafts) {
      out.add(episode(record, e));
    }
    return out;
  }

  /** The hospital stay holding the time; failing that, an intensive-care encounter holding it. */
  private static EncounterRow stayAt(PatientClinicalRecord r, Instant t) {
    EncounterRow icu = null;
    EncounterRow stay = null;
    for (EncounterRow e : r.encounters()) {
      if (!contains(e, t)) {
        continue;
      }
      if (e.intensiveCare()) {
        icu = later(icu, e);
      } else {
        stay = later(stay, e);
      }
    }
    return stay != null ? stay : icu;
  }

  private static EncounterRow later(EncounterRow a, EncounterRow b) {
    return a == null || b.start().isAfter(a.start()) ? b : a;
  }

  private static boolean contains(EncounterRow e, Instant t) {
    return e.start() != null && !e.start().isAfter(t) && (e.end() == null || !e.end().isBefore(t));
  }

  private EpisodeDerivation episode(PatientClinicalRecord r, Draft draft) {
    Instant t = draft.first.moment();
    String episodeId = hash("episode|" + r.patientId() + "|" + draft.anchor);
    Instant windowStart = t.minus(PRE_DIAGNOSIS);
    Instant windowEnd = t.plus(OPEN_EPISODE);
    if (draft.stay != null) {
      windowStart = min(windowStart, draft.stay.start());
      if (draft.stay.end() != null) {
        windowEnd = max(draft.stay.end(), t.plus(FIRST_DAY));
      }
    }
    Instant from = windowStart;
    Instant to = windowEnd;
    Instant cicu =
        r.encounters().stream()
            .filter(EncounterRow::intensiveCare)
            // an arrival known only by its date is not a time of arrival
            .filter(e -> e.start() != null && !e.startDateOnly())
            .filter(e -> contains(e, t) || (!e.start().isBefore(from) && !e.start().isAfter(to)))
            .map(EncounterRow::start)
            .min(Comparator.naturalOrder())
            .orElse(null);
    Integer age = null;
    if (r.birthDate() != null) {
      LocalDate onDiagnosis = t.atOffset(ZoneOffset.UTC).toLocalDate();
      age = Period.between(r.birthDate(), onDiagnosis).getYears();
    }
    String encounterId = draft.stay != null ? draft.stay.encounterId() : null;

    List<DerivedFactValue> facts = new ArrayList<>();
    etiology(r, episodeId, t, windowEnd, facts);
    // Unknown is not A: a window without pressure, lactate or device gets no SCAI fact.
    Stage atDiagnosis = stage(r, t.minus(PRE_DIAGNOSIS), t.plus(AT_DIAGNOSIS_AFTER));
    if (atDiagnosis.known()) {
      facts.add(
          new DerivedFactValue(
              hash("derived|" + episodeId + "|" + KIND_SCAI_AT_DIAGNOSIS),
              KIND_SCAI_AT_DIAGNOSIS,
              "scai-stage",
              atDiagnosis.code,
              null,
              t,
              atDiagnosis.evidence));
    }
    Stage worst = stage(r, t.minus(PRE_DIAGNOSIS), t.plus(FIRST_DAY));
    if (worst.known()) {
      facts.add(
          new DerivedFactValue(
              hash("derived|" + episodeId + "|" + KIND_SCAI_WORST_24H),
              KIND_SCAI_WORST_24H,
              "scai-stage",
              worst.code,
              null,
              worst.decisiveAt != null ? worst.decisiveAt : t,
              worst.evidence));
    }
    return new EpisodeDerivation(
        episodeId,
        r.patientId(),
        draft.first.siteId(),
        encounterId,
        windowStart,
        windowEnd,
        cicu,
        t,
        age,
        facts);
  }

  private void etiology(
      PatientClinicalRecord r,
      String episodeId,
      Instant t,
      Instant windowEnd,
      List<DerivedFactValue> facts) {
    List<DiagnosisRow> ami =
        diagnoses(
            r,
            d ->
                "acute-mi".equals(d.category())
                    && d.time() != null
                    && !d.time().isBefore(t.minus(AMI_BEFORE))
                    && !d.time().isAfter(t.plus(AMI_AFTER)));
    List<DiagnosisRow> hf =
        diagnoses(
            r,
            d ->
                HF_CATEGORIES.contains(d.category())
                    && (d.time() == null || !d.time().isAfter(windowEnd)));
    String etiology;
    List<String> evidence;
    if (!ami.isEmpty()) {
      etiology = "ami-cs";
      evidence = refs(ami);
    } else if (!hf.isEmpty()) {
      etiology = "hf-cs";
      evidence = refs(hf);
    } else {
      etiology = "other";
      evidence = List.of();
    }
    facts.add(
        new DerivedFactValue(
            hash("derived|" + episodeId + "|" + KIND_ETIOLOGY),
            KIND_ETIOLOGY,
            "cs-etiology",
            etiology,
            null,
            t,
            evidence));
    if (!"hf-cs".equals(etiology)) {
      return;
    }
    List<DiagnosisRow> ischemic =
        diagnoses(
            r,
            d ->
                ISCHEMIC_CATEGORIES.contains(d.category())
                    && (d.time() == null || !d.time().isAfter(windowEnd)));
    facts.add(
        new DerivedFactValue(
            hash("derived|" + episodeId + "|" + KIND_ISCHEMIC),
            KIND_ISCHEMIC,
            KIND_ISCHEMIC,
            null,
            !ischemic.isEmpty(),
            t,
            refs(ischemic)));
    List<DiagnosisRow> priorHf =
        diagnoses(
            r,
            d ->
                HF_CATEGORIES.contains(d.category())
                    && d.time() != null
                    && d.time().isBefore(t.minus(DE_NOVO)));
    facts.add(
        new DerivedFactValue(
            hash("derived|" + episodeId + "|" + KIND_DE_NOVO),
            KIND_DE_NOVO,
            KIND_DE_NOVO,
            null,
            priorHf.isEmpty(),
            t,
            refs(priorHf)));
  }

  private static List<DiagnosisRow> diagnoses(PatientClinicalRecord r, Predicate<DiagnosisRow> p) {
    return r.diagnoses().stream()
        .filter(p)
        .sorted(Comparator.comparing(DiagnosisRow::conditionId))
        .toList();
  }

  private static List<String> refs(List<DiagnosisRow> rows) {
    return rows.stream().map(d -> "Condition/" + d.conditionId()).toList();
  }

  /** A SCAI stage with the facts it rests on and when the decisive one happened. */
  public record Stage(String code, List<String> evidence, Instant decisiveAt) {

    /** False when the window held no blood pressure, lactate or tMCS device (stage unknown). */
    public boolean known() {
      return code != null;
    }
  }

  /**
   * SCAI stage over a window (data-dictionary.md §3, operationalised): measurements flagged
   * implausible are left out; a therapy counts when it is in place at some time in the window.
   */
  public Stage stage(PatientClinicalRecord r, Instant from, Instant to) {
    return staging.stage(r, from, to);
  }

  private static Instant min(Instant a, Instant b) {
    return b == null || a.isBefore(b) ? a : b;
  }

  private static Instant max(Instant a, Instant b) {
    return b == null || a.isAfter(b) ? a : b;
  }

  public static String hash(String s) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
