package org.shockreg.server.audit;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The query string an AuditEvent keeps (entity.query, base64 as FHIR wants it). Kept as received,
 * except: parameters that look like credentials ({@code access_token}, {@code *secret*} ...) are
 * dropped; a parameter name this API does not know keeps its name but its value becomes {@code ***}
 * (it was rejected anyway, and could carry an identifier typed by a user); {@code birthdate} values
 * are cut to the year (the registry holds birth years only). Known parameters search curated,
 * pseudonymous data, so their values stay: that is what an auditor needs to see.
 */
final class AuditQuery {

  /**
   * Search, operation and paging parameters of the API (chains and modifiers reduced to the name).
   */
  private static final Set<String> KNOWN =
      Set.of(
          "_id",
          "_lastupdated",
          "_count",
          "_sort",
          "_include",
          "_revinclude",
          "_summary",
          "_elements",
          "_total",
          "_format",
          "_pretty",
          "_getpages",
          "_pageid",
          "_bundletype",
          "_type",
          "_since",
          "_outputformat",
          "_jobid",
          "file",
          "subject",
          "patient",
          "code",
          "date",
          "value-quantity",
          "value-concept",
          "category",
          "encounter",
          "focus",
          "gender",
          "birthdate",
          "death-date",
          "onset-date",
          "study",
          "individual",
          "status",
          "target",
          "url",
          "system",
          "version",
          "name",
          "title",
          "identifier",
          "source-system",
          "target-system",
          "type",
          "agent",
          "entity-type",
          "action",
          "as-of",
          "enabled",
          "p");

  static final int MAX_LENGTH = 4000;

  private AuditQuery() {}

  /** The base64 of the kept query string, or null when there is none. */
  static String encode(String rawQuery) {
    String kept = sanitize(rawQuery);
    return kept == null
        ? null
        : Base64.getEncoder().encodeToString(kept.getBytes(StandardCharsets.UTF_8));
  }

  static String sanitize(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return null;
    }
    List<String> kept = new ArrayList<>();
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String rawName = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? null : pair.substring(eq + 1);
      String name = baseName(decode(rawName));
      if (credential(name)) {
        continue;
      }
      if (!KNOWN.contains(name)) {
        kept.add(rawName + (value == null ? "" : "=***"));
      } else if (value != null
          && (name.equals("birthdate")
              || decode(rawName).toLowerCase(Locale.ROOT).endsWith(".birthdate"))) {
        kept.add(rawName + "=" + yearOnly(value));
      } else {
        kept.add(pair);
      }
    }
    if (kept.isEmpty()) {
      return null;
    }
    String q = String.join("&", kept);
    return q.length() > MAX_LENGTH ? q.substring(0, MAX_LENGTH) : q;
  }

  private static boolean credential(String name) {
    return name.contains("token")
        || name.contains("secret")
        || name.contains("password")
        || name.contains("apikey")
        || name.contains("api_key")
        || name.equals("key")
        || name.equals("assertion");
  }

  /** {@code subject:Patient.gender} and {@code code:not} are {@code subject} and {@code code}. */
  private static String baseName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    int cut = n.length();
    for (char c : new char[] {':', '.'}) {
      int i = n.indexOf(c);
      if (i >= 0 && i < cut) {
        cut = i;
      }
    }
    return n.substring(0, cut);
  }

  /** {@code ge1958-06-07,1960} is {@code ge1958,1960}. */
  private static String yearOnly(String value) {
    if (value == null) {
      return "";
    }
    List<String> out = new ArrayList<>();
    for (String v : decode(value).split(",")) {
      String prefix = v.length() >= 2 && Character.isLetter(v.charAt(0)) ? v.substring(0, 2) : "";
      String rest = v.substring(prefix.length());
      out.add(prefix + (rest.length() > 4 ? rest.substring(0, 4) : rest));
    }
    return String.join(",", out);
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
