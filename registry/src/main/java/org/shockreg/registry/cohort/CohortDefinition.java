package org.shockreg.registry.cohort;

import java.util.regex.Pattern;

/**
 * A cohort as data: its id (also the Group id and its code in {@link #CODE_SYSTEM}), a name, an
 * optional description and study, and its criteria. A <em>template</em> ({@code for-each: site} or
 * {@code for-each: study}) has the placeholder {@code {site}} or {@code {study}} in its id and
 * stands for one cohort per registered site or per study (see {@link #instance}).
 *
 * @param study the study whose randomizations the summary reports; null: any study
 * @param forEach null for a plain cohort, else the template kind
 * @param source the file (or classpath resource) the definition came from, for messages
 */
public record CohortDefinition(
    String id,
    String name,
    String description,
    String study,
    ForEach forEach,
    CohortCriteria criteria,
    String source) {

  /** The registry CodeSystem of cohort codes (code = cohort id = Group id). */
  public static final String CODE_SYSTEM = "https://fhir.shockreg.org/CodeSystem/cohort";

  /** Cohort ids: FHIR ids (at most 64 of letters, digits, '-' and '.'), lower case here. */
  public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9.-]{0,63}");

  /**
   * What a template is instantiated for: the rows of table {@code site} or {@code research_study}.
   */
  public enum ForEach {
    SITE("site", "{site}"),
    STUDY("study", "{study}");

    private final String key;
    private final String placeholder;

    ForEach(String key, String placeholder) {
      this.key = key;
      this.placeholder = placeholder;
    }

    public String key() {
      return key;
    }

    public String placeholder() {
      return placeholder;
    }

    public static ForEach of(String key) {
      for (ForEach f : values()) {
        if (f.key.equals(key)) {
          return f;
        }
      }
      return null;
    }
  }

  public boolean isTemplate() {
    return forEach != null;
  }

  /**
   * The template's cohort for one site or study: placeholders replaced, criteria restricted to it
   * (and for a study, its randomizations are the ones summarized).
   */
  public CohortDefinition instance(String value) {
    if (forEach == null) {
      throw new IllegalStateException("cohort " + id + " is not a template");
    }
    String p = forEach.placeholder();
    return new CohortDefinition(
        id.replace(p, value),
        name.replace(p, value),
        description == null ? null : description.replace(p, value),
        forEach == ForEach.STUDY ? value : study,
        null,
        forEach == ForEach.SITE ? criteria.withSite(value) : criteria.withStudy(value),
        source);
  }

  /** The id's part before the placeholder (templates only). */
  public String idPrefix() {
    return id.substring(0, id.indexOf(forEach.placeholder()));
  }

  /** The id's part after the placeholder (templates only). */
  public String idSuffix() {
    return id.substring(id.indexOf(forEach.placeholder()) + forEach.placeholder().length());
  }

  /**
   * For a template: the site or study id that {@code cohortId} stands for, or null when it does not
   * fit.
   */
  public String valueOf(String cohortId) {
    if (forEach == null) {
      return null;
    }
    String prefix = idPrefix();
    String suffix = idSuffix();
    if (cohortId.length() <= prefix.length() + suffix.length()
        || !cohortId.startsWith(prefix)
        || !cohortId.endsWith(suffix)) {
      return null;
    }
    return cohortId.substring(prefix.length(), cohortId.length() - suffix.length());
  }
}
