package org.shockreg.registry.cohort;

import java.util.List;

/**
 * What a patient must have to belong to a cohort. Criteria combine with AND; the values of one list
 * criterion combine with OR. {@code null} (or an empty list) means the criterion is not used.
 *
 * <p>Episode criteria ({@code shockEpisode}, {@code etiology}, {@code site}, {@code
 * scaiAtDiagnosis}, {@code ageAtDiagnosis}) must all hold for one and the same shock episode, the
 * patient's <em>qualifying episode</em>; the others are about the patient.
 *
 * @param shockEpisode true: the patient has a shock episode; false: the patient has none
 * @param etiology derived {@code cs-etiology} of the episode: {@code ami-cs}, {@code hf-cs}, {@code
 *     other}
 * @param site site of the episode (where the shock was diagnosed)
 * @param scaiAtDiagnosis derived SCAI stage at shock diagnosis of the episode ({@code A}-{@code E})
 * @param ageMin lowest age at shock diagnosis (years, included)
 * @param ageMax highest age at shock diagnosis (years, included)
 * @param device DEV codes: the patient has a curated device therapy of one of them (any time)
 * @param sex administrative gender of the curated Patient ({@code unknown} also matches none)
 * @param researchSubject the patient is a ResearchSubject (table {@code research_subject}), of a
 *     study and with a status when given
 */
public record CohortCriteria(
    Boolean shockEpisode,
    List<String> etiology,
    List<String> site,
    List<String> scaiAtDiagnosis,
    Integer ageMin,
    Integer ageMax,
    List<String> device,
    List<String> sex,
    ResearchSubject researchSubject) {

  /**
   * A research-subject criterion.
   *
   * @param study study id; null: any study
   * @param status ResearchSubject status codes (OR); empty: any status
   */
  public record ResearchSubject(String study, List<String> status) {
    public ResearchSubject {
      status = status == null ? List.of() : List.copyOf(status);
    }
  }

  public CohortCriteria {
    etiology = copy(etiology);
    site = copy(site);
    scaiAtDiagnosis = copy(scaiAtDiagnosis);
    device = copy(device);
    sex = copy(sex);
  }

  /** Whether any criterion asks for a shock episode with some property. */
  public boolean hasEpisodeCriteria() {
    return Boolean.TRUE.equals(shockEpisode)
        || !etiology.isEmpty()
        || !site.isEmpty()
        || !scaiAtDiagnosis.isEmpty()
        || ageMin != null
        || ageMax != null;
  }

  /** The same criteria, restricted to one site (a per-site template's instance). */
  public CohortCriteria withSite(String siteId) {
    return new CohortCriteria(
        shockEpisode,
        etiology,
        List.of(siteId),
        scaiAtDiagnosis,
        ageMin,
        ageMax,
        device,
        sex,
        researchSubject);
  }

  /**
   * The same criteria, restricted to research subjects of one study (a per-study template's
   * instance).
   */
  public CohortCriteria withStudy(String studyId) {
    List<String> status = researchSubject == null ? List.of() : researchSubject.status();
    return new CohortCriteria(
        shockEpisode,
        etiology,
        site,
        scaiAtDiagnosis,
        ageMin,
        ageMax,
        device,
        sex,
        new ResearchSubject(studyId, status));
  }

  private static List<String> copy(List<String> values) {
    return values == null ? List.of() : List.copyOf(values);
  }
}
