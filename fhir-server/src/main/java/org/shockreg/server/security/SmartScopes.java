package org.shockreg.server.security;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SMART on FHIR system scopes that narrow a role per resource type and interaction: v2 {@code
 * system/Observation.rs}, {@code system/*.cruds} (any subset of c, r, u, d, s in that order), v1
 * {@code system/Patient.read} (= {@code rs}), {@code .write} (= {@code cud}) and {@code .*}. Scopes
 * with granular filters ({@code ?category=...}), {@code user/} and {@code patient/} scopes grant
 * nothing here (a registry API has no user or patient context). {@link #UNRESTRICTED}: a caller
 * that carries no SMART scope at all (a static token without scopes, a JWT without a resource
 * scope) is limited by its role alone.
 */
public final class SmartScopes {

  /** Interactions as SMART v2 names them. */
  public static final char CREATE = 'c';

  public static final char READ = 'r';
  public static final char UPDATE = 'u';
  public static final char DELETE = 'd';
  public static final char SEARCH = 's';

  public static final SmartScopes UNRESTRICTED = new SmartScopes(null, List.of());

  private static final Pattern RESOURCE_SCOPE =
      Pattern.compile("(system|user|patient)/([A-Za-z]+|\\*)\\.(.+)");
  private static final Pattern V2 = Pattern.compile("c?r?u?d?s?");

  /** Type (or *) -> granted interactions; null when nothing narrows. */
  private final Map<String, String> grants;

  private final List<String> values;

  private SmartScopes(Map<String, String> grants, List<String> values) {
    this.grants = grants;
    this.values = List.copyOf(values);
  }

  /** The scopes of a space-separated {@code scope} claim or a list of them. */
  public static SmartScopes parse(Collection<String> scopes) {
    if (scopes == null) {
      return UNRESTRICTED;
    }
    Map<String, String> grants = new LinkedHashMap<>();
    boolean anyResourceScope = false;
    for (String scope : scopes) {
      Matcher m = RESOURCE_SCOPE.matcher(scope.trim());
      if (!m.matches()) {
        continue; // openid, profile, launch/..., offline_access: not about FHIR resources
      }
      anyResourceScope = true;
      String permissions = permissions(m.group(3));
      if (!"system".equals(m.group(1)) || permissions == null) {
        continue;
      }
      grants.merge(m.group(2), permissions, SmartScopes::union);
    }
    return anyResourceScope ? new SmartScopes(grants, List.copyOf(scopes)) : UNRESTRICTED;
  }

  public static SmartScopes parse(String spaceSeparated) {
    if (spaceSeparated == null || spaceSeparated.isBlank()) {
      return UNRESTRICTED;
    }
    return parse(List.of(spaceSeparated.trim().split("\\s+")));
  }

  private static String permissions(String suffix) {
    return switch (suffix) {
      case "read" -> "rs";
      case "write" -> "cud";
      case "*" -> "cruds";
      default -> !suffix.isEmpty() && V2.matcher(suffix).matches() ? suffix : null;
    };
  }

  private static String union(String a, String b) {
    StringBuilder out = new StringBuilder();
    for (char c : "cruds".toCharArray()) {
      if (a.indexOf(c) >= 0 || b.indexOf(c) >= 0) {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** Whether the scopes allow {@code interaction} (c, r, u, d, s) on {@code resourceType}. */
  public boolean permits(String resourceType, char interaction) {
    if (grants == null) {
      return true;
    }
    for (String key : new String[] {resourceType, "*"}) {
      String granted = grants.get(key);
      if (granted != null && granted.indexOf(interaction) >= 0) {
        return true;
      }
    }
    return false;
  }

  /** Whether resources of this type may be returned at all (read or search). */
  public boolean permitsReading(String resourceType) {
    return permits(resourceType, READ) || permits(resourceType, SEARCH);
  }

  public boolean restricted() {
    return grants != null;
  }

  /** The scopes as given (for audit), empty when unrestricted. */
  public List<String> values() {
    return values;
  }

  /** The types granted explicitly (or {@code *}). */
  public Set<String> grantedTypes() {
    return grants == null ? Set.of("*") : grants.keySet();
  }

  @Override
  public String toString() {
    return grants == null ? "unrestricted" : String.join(" ", values);
  }
}
