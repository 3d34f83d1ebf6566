package org.shockreg.ingest.pull;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.shockreg.ingest.pull.PullSourcesProperties.PullSource;

/**
 * Checks {@code shockreg.sources.*} at start. Every problem is reported at once, each naming the
 * key it is about ({@code shockreg.sources.<id>.<key>}), and the start fails.
 */
public final class PullSourcesValidator {

  static final Pattern SOURCE_ID = Pattern.compile("[a-z0-9-]{1,40}");
  static final Set<String> TYPES =
      Set.of(FhirRestPullService.TYPE_REST, FhirRestPullService.TYPE_BULK);
  static final Pattern GROUP_ID = Pattern.compile("[A-Za-z0-9.-]{1,64}");
  static final Set<String> AUTH_TYPES = Set.of("none", "basic", "bearer", "smart-backend");

  /** The resource types a pull may ask for: what intake curates, plus their context. */
  static final Set<String> RESOURCE_TYPES =
      Set.of(
          "Patient",
          "Encounter",
          "Condition",
          "Observation",
          "Procedure",
          "MedicationAdministration",
          "MedicationRequest",
          "DiagnosticReport",
          "Device",
          "DeviceUseStatement",
          "ResearchSubject");

  private PullSourcesValidator() {}

  /** Throws {@link IllegalStateException} listing every problem found. */
  public static void validate(PullSourcesProperties props) {
    List<String> problems = problems(props);
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "invalid pull source configuration:\n  - " + String.join("\n  - ", problems));
    }
  }

  /** Every problem found, empty when the configuration is fine. */
  public static List<String> problems(PullSourcesProperties props) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, PullSource> e : props.sources().entrySet()) {
      String id = e.getKey();
      PullSource s = e.getValue();
      String k = "shockreg.sources." + id + ".";
      if (id == null || !SOURCE_ID.matcher(id).matches()) {
        out.add(
            "shockreg.sources."
                + id
                + ": the source id must be 1-40 of [a-z0-9-] (it is also the site id)");
      }
      if (s == null) {
        out.add(k + "type: missing");
        continue;
      }
      if (s.type() == null || !TYPES.contains(s.type())) {
        out.add(k + "type: '" + s.type() + "' is not one of " + TYPES);
      }
      String url = s.baseUrl();
      if (url == null || url.isBlank()) {
        out.add(k + "base-url: missing");
      } else {
        try {
          URI u = new URI(url);
          if (!u.isAbsolute()
              || !("http".equalsIgnoreCase(u.getScheme())
                  || "https".equalsIgnoreCase(u.getScheme()))
              || u.getHost() == null) {
            out.add(k + "base-url: '" + LoggedUrl.of(url) + "' is not an absolute http(s) URL");
          } else if (u.getRawQuery() != null || u.getRawFragment() != null) {
            out.add(k + "base-url: '" + LoggedUrl.of(url) + "' must not carry a query or fragment");
          }
        } catch (URISyntaxException ex) {
          out.add(k + "base-url: '" + LoggedUrl.of(url) + "' is not a URL");
        }
      }
      if (s.schedule() == null || s.schedule().isBlank()) {
        out.add(k + "schedule: missing (a duration such as 5m, or a cron expression)");
      } else {
        try {
          PullSchedule.parse(s.schedule());
        } catch (IllegalArgumentException ex) {
          out.add(k + "schedule: " + ex.getMessage());
        }
      }
      for (String t : s.types()) {
        if (!RESOURCE_TYPES.contains(t)) {
          out.add(k + "resource-types: '" + t + "' is not a known resource type " + RESOURCE_TYPES);
        }
      }
      if (s.since() != null && parseSince(s.since()) == null) {
        out.add(k + "since: '" + s.since() + "' is not an ISO date (2024-01-01) or date-time");
      }
      if (s.count() < 1 || s.count() > 1000) {
        out.add(k + "page-size: " + s.count() + " is not within 1..1000");
      }
      if (s.requestTimeout().isNegative() || s.requestTimeout().isZero()) {
        out.add(k + "timeout: must be positive");
      }
      if (s.overlapOrDefault().isNegative()) {
        out.add(k + "overlap: must not be negative");
      }
      if (s.group() != null) {
        if (!FhirRestPullService.TYPE_BULK.equals(s.type())) {
          out.add(k + "group: only a fhir-bulk source exports a Group");
        } else if (!GROUP_ID.matcher(s.group()).matches()) {
          out.add(k + "group: '" + s.group() + "' is not a FHIR id ([A-Za-z0-9.-]{1,64})");
        }
      }
      boolean bulk = FhirRestPullService.TYPE_BULK.equals(s.type());
      if (s.exportLevel() != null || !s.typeFilters().isEmpty()) {
        if (!bulk) {
          out.add(k + "export-level/type-filter: only a fhir-bulk source exports");
        }
      }
      if (!java.util.Set.of("system", "patient", "group").contains(s.level())) {
        out.add(k + "export-level: '" + s.level() + "' is not one of system, patient, group");
      } else if ("group".equals(s.level()) && s.group() == null) {
        out.add(k + "group: export-level group needs the group id");
      } else if (!"group".equals(s.level()) && s.group() != null) {
        out.add(
            k
                + "export-level: '"
                + s.level()
                + "' does not export a group; leave it out or say group");
      }
      for (String f : s.typeFilters()) {
        int q = f.indexOf('?');
        if (q <= 0 || q == f.length() - 1 || !s.types().contains(f.substring(0, q))) {
          out.add(k + "type-filter: '" + f + "' is not <one of resource-types>?<search>");
        }
      }
      PullSourcesProperties.Auth auth = s.authOrNone();
      String authType = auth.type() == null ? "none" : auth.type();
      if (!AUTH_TYPES.contains(authType)) {
        out.add(k + "auth.type: '" + authType + "' is not one of " + AUTH_TYPES);
      }
    }
    return out;
  }

  /** {@code since} as an instant (a date means its start, UTC), or null if it is not ISO. */
  static java.time.Instant parseSince(String since) {
    try {
      return LocalDate.parse(since).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(since).toInstant();
      } catch (DateTimeParseException e2) {
        try {
          return java.time.Instant.parse(since);
        } catch (DateTimeParseException e3) {
          return null;
        }
      }
    }
  }
}
