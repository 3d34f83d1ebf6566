package org.shockreg.ingest.pipeline;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
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
  private final Map<String, String> curatedIdBySourceId = new HashMap<>();
  private final Function<Iterable<String[]>, String> linker;
  private final BiFunction<String, String, String> directory;

  /**
   * @param linker the cross-site pseudonym for a Patient's identifiers, or null
   * @param directory where an already curated source patient is filed (site, source id), or null
   *     when patients are not linked across sites (then nothing needs looking up)
   */
  BundlePatientResolver(
      Function<Iterable<String[]>, String> linker, BiFunction<String, String, String> directory) {
    this.linker = linker;
    this.directory = directory;
  }

  BundlePatientResolver() {
    this(identifiers -> null, null);
  }

  void registerPatient(String fullUrl, String patientId, List<String[]> identifiers) {
    if (fullUrl != null) {
      patientIdByFullUrl.put(fullUrl, patientId);
    }
    for (String[] systemValue : identifiers) {
      patientIdByIdentifier.put(identifierKey(systemValue[0], systemValue[1]), patientId);
    }
    String linked = linker.apply(identifiers);
    if (linked != null) {
      curatedIdBySourceId.put(patientId, linked);
    }
  }

  @Override
  public String curatedPatientId(String siteId, String sourcePatientId) {
    if (directory == null) {
      return null;
    }
    // Looked up once per body; a patient not linked resolves to its site pseudonym anyway.
    return curatedIdBySourceId.computeIfAbsent(
        sourcePatientId, id -> directory.apply(siteId, id));
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
