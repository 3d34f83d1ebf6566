package org.shockreg.mappings;

import java.util.List;
import org.hl7.fhir.r4.model.Patient;
import org.shockreg.mappings.identity.Pseudonymizer;

/**
 * Which curated patient a site's Patient is: the cross-site pseudonym of a shared identifier, else
 * that of its record number, else that of its logical id (data-dictionary.md §5).
 */
final class PatientIdentity {

  private final Pseudonymizer pseudonyms;
  private volatile String sharedIdentifierSystem;

  PatientIdentity(Pseudonymizer pseudonyms) {
    this.pseudonyms = pseudonyms;
  }

  /** Links patients across sites by this identifier system (null or blank: no linkage). */
  void linkBy(String system) {
    this.sharedIdentifierSystem = system == null || system.isBlank() ? null : system.trim();
  }

  boolean links() {
    return sharedIdentifierSystem != null;
  }

  /** See {@link MappingEngine#curatedPatientId}. */
  String curatedPatientId(String siteId, String logicalId, List<String[]> identifiers) {
    String linked = linkedPatientId(identifiers);
    if (linked != null) {
      return linked;
    }
    for (String[] i : identifiers) {
      if (i[1] != null && !i[1].isBlank()) {
        return pseudonyms.patientIdByIdentifier(siteId, i[0], i[1].trim());
      }
    }
    return logicalId == null ? null : pseudonyms.patientId(siteId, logicalId);
  }

  /** The cross-site pseudonym for these identifiers ({system, value}), or null. */
  String linkedPatientId(Iterable<String[]> identifiers) {
    String system = sharedIdentifierSystem;
    if (system == null) {
      return null;
    }
    for (String[] i : identifiers) {
      if (system.equals(i[0]) && i[1] != null && !i[1].isBlank()) {
        return pseudonyms.linkedPatientId(system, i[1].trim());
      }
    }
    return null;
  }

  /** {system, value} of a Patient's identifiers in {@link #identifierOrder}. */
  static List<String[]> identifiers(Patient p) {
    List<String[]> records = new java.util.ArrayList<>();
    List<String[]> others = new java.util.ArrayList<>();
    for (org.hl7.fhir.r4.model.Identifier i : p.getIdentifier()) {
      if (!i.hasValue()) {
        continue;
      }
      boolean mrn =
          i.hasType() && i.getType().getCoding().stream().anyMatch(c -> "MR".equals(c.getCode()));
      (mrn ? records : others).add(new String[] {i.getSystem(), i.getValue()});
    }
    return identifierOrder(records, others);
  }

  /**
   * The order a patient's identifiers are considered in, independent of how the source listed them:
   * record numbers (type MR) first, each group by system then value. A re-sent Patient with its
   * identifiers reordered keeps its pseudonym.
   */
  static List<String[]> identifierOrder(List<String[]> recordNumbers, List<String[]> others) {
    java.util.Comparator<String[]> bySystemValue =
        java.util.Comparator.<String[], String>comparing(i -> i[0] == null ? "" : i[0])
            .thenComparing(i -> i[1]);
    List<String[]> out = new java.util.ArrayList<>(recordNumbers);
    out.sort(bySystemValue);
    List<String[]> rest = new java.util.ArrayList<>(others);
    rest.sort(bySystemValue);
    out.addAll(rest);
    return out;
  }
}
