package org.shockreg.ingest.pipeline;

import java.util.HashMap;
import java.util.Map;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.mappings.SourcePatientResolver;

/**
 * Resolves patient references within one intake body: {@code urn:uuid:} fullUrls of transaction
 * bundles, conditional references ({@code Patient?identifier=system|value}) and logical
 * references by identifier, against the Patients seen so far in the body; plain references as is.
 */
final class BundlePatientResolver implements SourcePatientResolver {

  private final Map<String, String> patientIdByFullUrl = new HashMap<>();
  private final Map<String, String> patientIdByIdentifier = new HashMap<>();

  void registerPatient(String fullUrl, String patientId, Iterable<String[]> identifiers) {
    if (fullUrl != null) {
      patientIdByFullUrl.put(fullUrl, patientId);
    }
    for (String[] systemValue : identifiers) {
      patientIdByIdentifier.put(identifierKey(systemValue[0], systemValue[1]), patientId);
    }
  }

  @Override
  public String sourcePatientId(Reference ref) {
    if (ref == null) {
      return null;
    }
    String r = ref.getReference();
    if (r == null || r.isBlank()) {
      if (ref.hasIdentifier()) {
        return patientIdByIdentifier.get(
            identifierKey(ref.getIdentifier().getSystem(), ref.getIdentifier().getValue()));
      }
      return null;
    }
    if (r.startsWith("urn:uuid:")) {
      String known = patientIdByFullUrl.get(r);
      // A transaction bundle's Patient entry carries its uuid as its id (Synthea, most EHRs).
      return known != null ? known : r.substring("urn:uuid:".length());
    }
    if (r.startsWith("Patient?")) {
      String query = r.substring("Patient?".length());
      for (String part : query.split("&")) {
        if (part.startsWith("identifier=")) {
          String token = java.net.URLDecoder.decode(
              part.substring("identifier=".length()), java.nio.charset.StandardCharsets.UTF_8);
          int bar = token.indexOf('|');
          String system = bar >= 0 ? token.substring(0, bar) : null;
          String value = bar >= 0 ? token.substring(bar + 1) : token;
          return patientIdByIdentifier.get(identifierKey(system, value));
        }
      }
      return null;
    }
    String known = patientIdByFullUrl.get(r);
    return known != null ? known : SourcePatientResolver.plainPatientId(r);
  }

  private static String identifierKey(String system, String value) {
    return (system == null ? "" : system) + "|" + value;
  }
}
