package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.List;
import org.hl7.fhir.r4.model.Patient;

/**
 * {@code Patient/{id}/$everything}: each type of the patient's compartment, searched by patient.
 */
final class PatientEverything {

  private final RegistryReader reader;
  private final List<CuratedTypeDeclaration<?>> compartment;

  PatientEverything(RegistryReader reader, List<CuratedTypeDeclaration<?>> compartment) {
    this.reader = reader;
    this.compartment = List.copyOf(compartment);
  }

  /** The record of {@code patient} (already read, so a merged id answers with the survivor's). */
  IBundleProvider of(Patient patient, RequestDetails request) {
    String patientId = patient.getIdElement().getIdPart();
    List<SqlSearch> parts =
        compartment.stream()
            .map(
                type -> {
                  SqlSearch s = type.newSearch();
                  return s.where("patient_id = " + s.param(patientId));
                })
            .toList();
    return reader.search(new EverythingQuery(parts), null, null, request);
  }
}
