package org.shockreg.registry.intake;

/**
 * A code that no mapping rule knows, seen in a source resource of a site. System and code are the
 * report's key (a btree index, whose rows must stay under 8 kB): longer ones are cut, so that a
 * resource with a megabyte "code" is still reported instead of failing its batch.
 */
public record UnmappedCode(
    String siteId, String resourceType, String system, String code, String display) {

  static final int MAX_KEY_CHARS = 256;
  static final int MAX_DISPLAY_CHARS = 1000;

  public UnmappedCode {
    system = cut(system, MAX_KEY_CHARS);
    code = cut(code, MAX_KEY_CHARS);
    display = cut(display, MAX_DISPLAY_CHARS);
  }

  private static String cut(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
    return s.substring(0, end) + "\u2026";
  }
}
