package org.shockreg.mappings;

import org.hl7.fhir.r4.model.Reference;

/**
 * Resolves a source reference to a patient ({@code Patient/123}, {@code urn:uuid:...} inside a
 * bundle, a conditional {@code Patient?identifier=...}, an absolute URL) to the source Patient's
 * logical id, or null when it cannot be resolved.
 */
@FunctionalInterface
public interface SourcePatientResolver {

  String sourcePatientId(Reference reference);

  /**
   * The curated Patient id already known for a source patient (cross-site linkage), or null for the
   * site's own pseudonym.
   */
  default String curatedPatientId(String siteId, String sourcePatientId) {
    return null;
  }

  /** Plain references only: {@code Patient/123} or {@code https://ehr/fhir/Patient/123}. */
  static SourcePatientResolver plain() {
    return ref -> plainPatientId(ref == null ? null : ref.getReference());
  }

  static String plainPatientId(String reference) {
    if (reference == null || reference.contains("?")) {
      return null;
    }
    String r = reference;
    int history = r.indexOf("/_history/");
    if (history >= 0) {
      r = r.substring(0, history);
    }
    int at = r.lastIndexOf("Patient/");
    if (at < 0) {
      return null;
    }
    String id = r.substring(at + "Patient/".length());
    return id.isEmpty() || id.contains("/") ? null : id;
  }
}
