package org.shockreg.ingest.pipeline;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Patient.PatientLinkComponent;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.registry.curated.CuratedFact;
import org.shockreg.registry.curated.PatientFact;
import org.shockreg.registry.store.PatientMerges;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a source Patient's {@code link} asks of the registry. {@code replaced-by}: this record was
 * merged into the other, so its curated patient merges into the other's; {@code replaces}: this
 * record is the survivor and the other's curated patient merges into it. {@code seealso} and {@code
 * refer} name another record of the same person without merging (the EHR keeps both active), so
 * they change nothing. The other is resolved like any patient reference (Patient/x, absolute URL,
 * urn:uuid fullUrl, identifier); a patient never seen is filed under its pseudonym, as conditional
 * references are, so it gets the merged facts when it comes.
 */
final class PatientLinks {

  private static final Logger log = LoggerFactory.getLogger(PatientLinks.class);

  /**
   * One merge: {@code from} goes into {@code to}; {@code mergedSourceId} is the merged record's.
   */
  record Merge(String from, String to, String linkType, String mergedSourceId) {}

  private PatientLinks() {}

  /**
   * Adds the merges a curated Patient's links ask for to {@code merges}; a link whose other does
   * not resolve to a Patient is reported as a warning and merges nothing.
   *
   * @param pseudonym the curated id of a source patient never seen (its logical id's pseudonym)
   */
  static void read(
      String siteId,
      Patient patient,
      List<CuratedFact> facts,
      Candidate c,
      BundlePatientResolver resolver,
      Function<String, String> pseudonym,
      List<Merge> merges,
      IntakeReport report) {
    PatientFact fact = null;
    for (CuratedFact f : facts) {
      if (f instanceof PatientFact p) {
        fact = p;
      }
    }
    if (fact == null) {
      return;
    }
    for (PatientLinkComponent link : patient.getLink()) {
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
      String known = source == null ? null : resolver.curatedPatientId(siteId, source);
      String curated = known != null ? known : source == null ? null : pseudonym.apply(source);
      if (curated == null || source.equals(fact.sourcePatientId())) {
        log.warn("event=patient_link_unresolved site={} linkType={}", siteId, type);
        report.warnings.add(
            new IntakeReport.Warning(
                c.type,
                c.id,
                c.entry.index(),
                "unresolved-merge-target",
                "link "
                    + type
                    + " to "
                    + describe(other)
                    + " does not resolve to another Patient: the patients are kept apart"));
        continue;
      }
      if (replacedBy) {
        merges.add(new Merge(fact.patientId(), curated, type, fact.sourcePatientId()));
      } else {
        boolean logical = !BundlePatientResolver.isIdentifierToken(source);
        merges.add(new Merge(curated, fact.patientId(), type, logical ? source : null));
      }
    }
  }

  /**
   * Merges the curated patients the batch's links ask for, after its facts are written: the
   * survivors' derived facts are recomputed with the batch's ({@code affected}); {@code merged}
   * collects merged id -> survivor for the rest of the body once the batch commits.
   */
  static void apply(
      PatientMerges store,
      String siteId,
      List<Merge> merges,
      Set<String> affected,
      Map<String, String> merged) {
    for (Merge m : merges) {
      String survivor = store.merge(siteId, m.from(), m.to(), m.linkType(), true);
      if (survivor == null) {
        continue;
      }
      if (m.mergedSourceId() != null) {
        store.linkMerged(siteId, m.mergedSourceId(), survivor);
      }
      store.keepDeaths(List.of(survivor));
      affected.remove(m.from());
      affected.add(survivor);
      merged.put(m.from(), survivor);
      log.info("event=patients_merged site={} linkType={}", siteId, m.linkType());
    }
  }

  /** The reference for the sender's answer, without an identifier value. */
  private static String describe(Reference r) {
    if (r == null) {
      return "(none)";
    }
    if (r.hasReference()) {
      return r.getReference();
    }
    if (r.hasIdentifier()) {
      return "an identifier of system " + r.getIdentifier().getSystem();
    }
    return "(empty reference)";
  }
}
