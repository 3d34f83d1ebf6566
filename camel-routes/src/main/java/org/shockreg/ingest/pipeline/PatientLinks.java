package org.shockreg.ingest.pipeline;

import java.util.List;
import java.util.function.Function;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Patient.PatientLinkComponent;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.registry.curated.CuratedFact.PatientFact;

/**
 * What a source Patient's {@code link} asks of the registry. {@code replaced-by}: this record was
 * merged into the other, so its curated patient merges into the other's; {@code replaces}: this
 * record is the survivor and the other's curated patient merges into it. {@code seealso} and
 * {@code refer} name another record of the same person without merging (the EHR keeps both
 * active), so they change nothing. The other is resolved like any patient reference (Patient/x,
 * absolute URL, urn:uuid fullUrl, identifier); a patient never seen is filed under its pseudonym,
 * as conditional references are, so it gets the merged facts when it comes.
 */
final class PatientLinks {

  /** One merge: {@code from} goes into {@code to}; {@code mergedSourceId} is the merged record's. */
  record Merge(String from, String to, String linkType, String mergedSourceId) {}

  /** A link whose other could not be resolved to a Patient: reported, nothing merges. */
  record Unresolved(String linkType, String reference) {}

  interface Sink {
    void merge(Merge merge);

    void unresolved(Unresolved link);
  }

  private PatientLinks() {}

  /**
   * @param pseudonym the curated id of a source patient never seen (its logical id's pseudonym)
   */
  static void read(
      Patient patient,
      PatientFact fact,
      BundlePatientResolver resolver,
      Function<String, String> pseudonym,
      Sink sink) {
    List<PatientLinkComponent> links = patient.getLink();
    for (PatientLinkComponent link : links) {
      if (link.getType() == null) {
        continue;
      }
      String type = link.getType().toCode();
      boolean replacedBy = link.getType() == Patient.LinkType.REPLACEDBY;
      if (!replacedBy && link.getType() != Patient.LinkType.REPLACES) {
        continue;
      }
      Reference other = link.getOther();
      String source = resolver.sourcePatientId(other);
      if (source == null || source.equals(fact.sourcePatientId())) {
        sink.unresolved(new Unresolved(type, describe(other)));
        continue;
      }
      String known = resolver.curatedPatientId(fact.siteId(), source);
      String curated = known != null ? known : pseudonym.apply(source);
      if (curated == null) {
        sink.unresolved(new Unresolved(type, describe(other)));
        continue;
      }
      boolean logical = !BundlePatientResolver.isIdentifierToken(source);
      if (replacedBy) {
        sink.merge(new Merge(fact.patientId(), curated, type, fact.sourcePatientId()));
      } else {
        sink.merge(new Merge(curated, fact.patientId(), type, logical ? source : null));
      }
    }
  }

  private static String describe(Reference r) {
    if (r == null) {
      return "(none)";
    }
    if (r.hasReference()) {
      return r.getReference();
    }
    if (r.hasIdentifier()) {
      return "identifier " + r.getIdentifier().getSystem() + "|(value)";
    }
    return "(empty reference)";
  }
}
