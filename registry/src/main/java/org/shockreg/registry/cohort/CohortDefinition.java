package org.shockreg.registry.cohort;

import java.util.regex.Pattern;

/**
 * A cohort as data: its id (also the Group id and its code in {@link #CODE_SYSTEM}), a name, an
 * optional description and study, and its criteria. A <em>per-site template</em> ({@code
 * for-each: site}) has {@code {site}} in its id and stands for one cohort per registered site
 * (see {@link #forSite}).
 *
 * @param study the study whose randomizations the summary reports; null: any study
 * @param source the file (or classpath resource) the definition came from, for messages
 */
public record CohortDefinition(
    String id,
    String name,
    String description,
    String study,
    boolean perSite,
    CohortCriteria criteria,
    String source) {

  /** The registry CodeSystem of cohort codes (code = cohort id = Group id). */
  public static final String CODE_SYSTEM = "https://fhir.shockreg.org/CodeSystem/cohort";

  /** The placeholder of a per-site template. */
  public static final String SITE_PLACEHOLDER = "{site}";

  /** Cohort ids: FHIR ids (at most 64 of letters, digits, '-' and '.'), lower case here. */
  public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9.-]{0,63}");

  /** The template's cohort for one site: placeholders replaced, restricted to that site. */
  public CohortDefinition forSite(String siteId) {
    if (!perSite) {
      throw new IllegalStateException("cohort " + id + " is not a per-site template");
    }
    return new CohortDefinition(
        id.replace(SITE_PLACEHOLDER, siteId),
        name.replace(SITE_PLACEHOLDER, siteId),
        description == null ? null : description.replace(SITE_PLACEHOLDER, siteId),
        study,
        false,
        criteria.withSite(siteId),
        source);
  }

  /** For a template: the site id that {@code cohortId} stands for, or null when it does not fit. */
  public String siteOf(String cohortId) {
    if (!perSite) {
      return null;
    }
    int at = id.indexOf(SITE_PLACEHOLDER);
    String prefix = id.substring(0, at);
    String suffix = id.substring(at + SITE_PLACEHOLDER.length());
    if (cohortId.length() <= prefix.length() + suffix.length()
        || !cohortId.startsWith(prefix)
        || !cohortId.endsWith(suffix)) {
      return null;
    }
    return cohortId.substring(prefix.length(), cohortId.length() - suffix.length());
  }
}
