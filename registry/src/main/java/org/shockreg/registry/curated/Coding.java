package org.shockreg.registry.curated;

/** A code from a code system, as in FHIR's Coding (display optional). */
public record Coding(String system, String code, String display) {

  public static Coding of(String system, String code) {
    return new Coding(system, code, null);
  }

  /** The FHIR token form {@code system|code}. */
  public String token() {
    return (system == null ? "" : system) + "|" + code;
  }
}
