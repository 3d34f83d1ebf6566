package org.shockreg.server.subscription;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.ResearchSubject.ResearchSubjectStatus;

/**
 * The criteria the server can evaluate incrementally, in the intake transaction: a search on
 * ResearchSubject by {@code study} and {@code status} (comma lists; {@code study} also as {@code
 * ResearchStudy/<id>}). Anything else is refused at creation with the reason. Pure.
 *
 * @param studyIds the studies matched, null for any
 * @param statuses the statuses matched, null for any
 */
public record SubscriptionCriteria(
    String resourceType, List<String> studyIds, List<String> statuses) {

  public static final String RESOURCE_TYPE = "ResearchSubject";

  /** Thrown with the reason a criteria string cannot be evaluated. */
  public static final class InvalidCriteria extends RuntimeException {
    InvalidCriteria(String message) {
      super(message);
    }
  }

  /** Parses and checks {@code criteria}; {@code knownStudies} are the registered study ids. */
  public static SubscriptionCriteria parse(String criteria, Set<String> knownStudies) {
    if (criteria == null || criteria.isBlank()) {
      throw new InvalidCriteria(
          "Subscription.criteria is required, e.g. ResearchSubject?study=altshock-2&status=potential-candidate");
    }
    String c = criteria.strip();
    int q = c.indexOf('?');
    String type = q < 0 ? c : c.substring(0, q);
    if (!RESOURCE_TYPE.equals(type)) {
      throw new InvalidCriteria(
          "criteria on "
              + (type.isEmpty() ? "(no type)" : type)
              + " cannot be evaluated: only ResearchSubject searches"
              + " (by study and status) are supported");
    }
    List<String> studies = null;
    List<String> statuses = null;
    Set<String> seen = new HashSet<>();
    if (q >= 0 && q < c.length() - 1) {
      for (String pair : c.substring(q + 1).split("&")) {
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        if (!seen.add(name)) {
          throw new InvalidCriteria("parameter " + name + " is repeated: give one comma list");
        }
        List<String> values = values(name, value);
        switch (name) {
          case "study" -> studies = studies(values, knownStudies);
          case "status" -> statuses = statuses(values);
          default ->
              throw new InvalidCriteria(
                  "parameter "
                      + name
                      + " cannot be evaluated in a subscription: use study and status");
        }
      }
    }
    return new SubscriptionCriteria(type, studies, statuses);
  }

  private static List<String> values(String name, String value) {
    List<String> out = new ArrayList<>();
    for (String v : value.split(",", -1)) {
      if (v.isBlank()) {
        throw new InvalidCriteria("parameter " + name + " has an empty value");
      }
      out.add(v.strip());
    }
    return out;
  }

  private static List<String> studies(List<String> values, Set<String> knownStudies) {
    List<String> out = new ArrayList<>();
    for (String v : values) {
      String id = v.startsWith("ResearchStudy/") ? v.substring("ResearchStudy/".length()) : v;
      if (!knownStudies.contains(id)) {
        throw new InvalidCriteria(
            "unknown study "
                + id
                + " (known: "
                + String.join(", ", knownStudies.stream().sorted().toList())
                + ")");
      }
      out.add(id);
    }
    return List.copyOf(out);
  }

  private static List<String> statuses(List<String> values) {
    for (String v : values) {
      try {
        ResearchSubjectStatus.fromCode(v);
      } catch (Exception e) {
        throw new InvalidCriteria("unknown ResearchSubject status " + v);
      }
    }
    return List.copyOf(values);
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidCriteria("criteria is not a valid URL query: " + e.getMessage());
    }
  }
}
