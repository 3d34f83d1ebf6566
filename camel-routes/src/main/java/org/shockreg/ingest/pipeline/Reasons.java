package org.shockreg.ingest.pipeline;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reasons for a rejection name the field and the problem, never the value: parser messages quote
 * what they choked on ({@code Unrecognized token 'Zyxwortha'}, {@code Invalid attribute value
 * "1937-02-19T25:61"}), and a reason travels to the intake answer, the dead-letter list and the
 * log. Quoted values become {@code '…'}; the value itself stays in the dead letter's payload, shown
 * to admins only (docs/privacy.md). An element name ({@code element="birthDate"}) and JSON literals
 * are kept.
 */
public final class Reasons {

  private static final Pattern QUOTED =
      Pattern.compile("(element=)?(['\"])(.*?)\\2", Pattern.DOTALL);
  private static final Set<String> KEPT = Set.of("null", "true", "false", "");

  private Reasons() {}

  public static String withoutValues(String reason) {
    if (reason == null) {
      return null;
    }
    Matcher m = QUOTED.matcher(reason);
    StringBuilder out = new StringBuilder(reason.length());
    while (m.find()) {
      boolean keep = m.group(1) != null || KEPT.contains(m.group(3));
      String q = m.group(2);
      m.appendReplacement(out, Matcher.quoteReplacement(keep ? m.group() : q + "\u2026" + q));
    }
    m.appendTail(out);
    return out.toString();
  }
}
