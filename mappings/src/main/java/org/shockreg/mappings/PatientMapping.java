package org.shockreg.mappings;

import java.util.List;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Patient;
import org.shockreg.registry.curated.PatientFact;
import org.shockreg.registry.curated.SourceRef;
import org.shockreg.registry.curated.SourceTime;

/**
 * A source Patient becomes the patient fact (sex, birth year, death) under its curated id; facts
 * filed before it arrived under its logical id's pseudonym move to it.
 */
final class PatientMapping {

  private PatientMapping() {}

  static MappingOutcome map(Patient p, MappingContext ctx, PatientIdentity identity)
      throws MappingRejection {
    SourceRef source = ctx.source();
    String sourceId = p.getIdElement().getIdPart();
    if (sourceId == null) {
      throw new MappingRejection("missing-id", "Patient has no id");
    }
    String sex =
        // a code sent as extensions only: hasGender() is true, getGender() null
        p.getGender() != null && p.getGender() != AdministrativeGender.NULL
            ? p.getGender().toCode()
            : null;
    Integer birthYear =
        p.hasBirthDateElement() && p.getBirthDateElement().getYear() != null
            ? p.getBirthDateElement().getYear()
            : null;
    Boolean deceased = null;
    SourceTime deceasedAt = null;
    if (p.hasDeceasedDateTimeType()) {
      deceased = true;
      deceasedAt = ctx.times().time(p.getDeceasedDateTimeType());
    } else if (p.hasDeceasedBooleanType()) {
      deceased = p.getDeceasedBooleanType().booleanValue();
    }
    // Facts that arrived before their Patient were filed under the logical id's pseudonym.
    String byLogicalId = ctx.pseudonyms().patientId(source.siteId(), sourceId);
    List<String[]> identifiers = PatientIdentity.identifiers(p);
    // A patient already curated keeps its id when it gains or changes identifiers; only a shared
    // (cross-site) identifier moves it, merging into the linked patient.
    String existing = ctx.patients().curatedPatientId(source.siteId(), sourceId);
    String linked = identity.linkedPatientId(identifiers);
    String patientId =
        linked != null
            ? linked
            : existing != null
                ? existing
                : identity.curatedPatientId(source.siteId(), sourceId, identifiers);
    return MappingOutcome.curated(
        List.of(
            new PatientFact(
                patientId,
                source.siteId(),
                sourceId,
                sex,
                birthYear,
                fullBirthDate(p),
                deceased,
                SourceTime.at(deceasedAt),
                patientId.equals(byLogicalId) ? null : byLogicalId,
                source,
                SourceTime.precision(deceasedAt))));
  }

  /** The birth date when sent to the day; it stays hospital-side (age at shock diagnosis). */
  private static java.time.LocalDate fullBirthDate(Patient p) {
    if (!p.hasBirthDateElement()
        || p.getBirthDateElement().getPrecision()
            != ca.uhn.fhir.model.api.TemporalPrecisionEnum.DAY) {
      return null;
    }
    // From the parsed fields: the text as sent may not be ISO (HAPI accepts " 2025-01-01 ").
    org.hl7.fhir.r4.model.DateType d = p.getBirthDateElement();
    if (d.getValue() == null) {
      return null;
    }
    return java.time.LocalDate.of(d.getYear(), d.getMonth() + 1, d.getDay());
  }
}
