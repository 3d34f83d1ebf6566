package org.shockreg.ingest.pipeline;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.mappings.SourcePatientResolver;

/**
 * Resolves patient references within one intake body: {@code urn:uuid:} fullUrls of transaction
 * bundles, conditional references ({@code Patient?identifier=system|value}) and logical references
 * by identifier, against the Patients seen so far in the body; plain references as is. Then finds
 * the curated Patient each source patient is filed under: from this body's Patients, else from the
 * registry (once per patient per body).
 */
final class BundlePatientResolver implements SourcePatientResolver {

  /** How curated Patient ids are made (the mapping engine's pseudonyms). */
  interface PatientIds {
    String forPatient(String logicalId, List<String[]> identifiers);

    String forIdentifier(String system, String value);

    /** The cross-site pseudonym when one of the identifiers is the shared one, else null. */
    String linked(List<String[]> identifiers);
  }

  private static final String BY_IDENTIFIER = "identifier|";
  private static final String NONE = "";

  private final Map<String, String> patientIdByFullUrl = new HashMap<>();
  private final Map<String, String> patientIdByIdentifier = new HashMap<>();
  private final Map<String, String> curatedIdBySourceId = new HashMap<>();

  /** Source patients looked up and not found since the last {@link #drainUnlinked}. */
  private final Set<String> unlinked = new HashSet<>();

  private final PatientIds ids;
  private final BiFunction<String, String, String> directory;

  /**
   * @param ids how curated ids are made
   * @param directory where an already curated source patient is filed (site, logical id), or null
   */
  BundlePatientResolver(PatientIds ids, BiFunction<String, String, String> directory) {
    this.ids = ids;
    this.directory = directory;
  }

  void registerPatient(
      String siteId, String fullUrl, String patientId, List<String[]> identifiers) {
    if (fullUrl != null) {
      patientIdByFullUrl.put(fullUrl, patientId);
    }
    for (String[] systemValue : identifiers) {
      patientIdByIdentifier.put(identifierKey(systemValue[0], systemValue[1]), patientId);
    }
    // the id it is already filed under wins (the mapping engine keeps it too); else its pseudonym
    String filed = directory == null ? null : directory.apply(siteId, patientId);
    String linked = ids.linked(identifiers);
    curatedIdBySourceId.put(
        patientId,
        linked != null ? linked : filed != null ? filed : ids.forPatient(patientId, identifiers));
  }

  /**
   * A fullUrl of this body that carries a Patient: references to it name that patient whichever of
   * its versions is taken in. Only the version taken in registers its identifiers ({@link
   * #registerPatient}): an older version's may be outdated.
   */
  void registerFullUrl(String fullUrl, String patientId) {
    if (fullUrl != null) {
      patientIdByFullUrl.putIfAbsent(fullUrl, patientId);
    }
  }

  @Override
  public String curatedPatientId(String siteId, String sourcePatientId) {
    if (sourcePatientId.startsWith(BY_IDENTIFIER)) {
      String token = sourcePatientId.substring(BY_IDENTIFIER.length());
      int bar = token.indexOf('|');
      return ids.forIdentifier(token.substring(0, bar), token.substring(bar + 1));
    }
    String known =
        curatedIdBySourceId.computeIfAbsent(
            sourcePatientId,
            id -> {
              String found = directory == null ? null : directory.apply(siteId, id);
              return found == null ? NONE : found;
            });
    if (known.isEmpty()) {
      unlinked.add(sourcePatientId);
      return null;
    }
    return known;
  }

  /**
   * The source patients (logical ids) that resolved to no link since the last call: their facts
   * were filed under the logical id's pseudonym, which a concurrent body may just have linked to
   * another patient. The caller checks them again under the patients' locks.
   */
  Set<String> drainUnlinked() {
    Set<String> out = new HashSet<>(unlinked);
    unlinked.clear();
    return out;
  }

  /** A source patient is now known to be filed under {@code curatedId} (committed elsewhere). */
  void linked(String sourcePatientId, String curatedId) {
    curatedIdBySourceId.put(sourcePatientId, curatedId);
  }

  /** After a merge committed: what this body knew as {@code from} is {@code to} now. */
  void merged(String from, String to) {
    curatedIdBySourceId.replaceAll((source, curated) -> curated.equals(from) ? to : curated);
  }

  static boolean isIdentifierToken(String sourcePatientId) {
    return sourcePatientId.startsWith(BY_IDENTIFIER);
  }

  @Override
  public String sourcePatientId(Reference ref) {
    if (ref == null) {
      return null;
    }
    String r = ref.getReference();
    if (r == null || r.isBlank()) {
      if (ref.hasIdentifier() && ref.getIdentifier().hasValue()) {
        return byIdentifier(ref.getIdentifier().getSystem(), ref.getIdentifier().getValue());
      }
      return null;
    }
    if (r.startsWith("urn:uuid:")) {
      String known = patientIdByFullUrl.get(r);
      // A transaction bundle's Patient entry carries its uuid as its id (Synthea, most EHRs).
      return known != null ? known : r.substring("urn:uuid:".length());
    }
    if (r.startsWith("Patient?")) {
      for (String part : r.substring("Patient?".length()).split("&")) {
        if (part.startsWith("identifier=")) {
          String token =
              URLDecoder.decode(part.substring("identifier=".length()), StandardCharsets.UTF_8);
          int bar = token.indexOf('|');
          return byIdentifier(
              bar >= 0 ? token.substring(0, bar) : null,
              bar >= 0 ? token.substring(bar + 1) : token);
        }
      }
      return null;
    }
    String known = patientIdByFullUrl.get(r);
    return known != null ? known : SourcePatientResolver.plainPatientId(r);
  }

  /**
   * A Patient of this body with that identifier; else the identifier itself stands for the patient
   * (its pseudonym is the one the Patient gets when it comes with that record number).
   */
  private String byIdentifier(String system, String value) {
    String known = patientIdByIdentifier.get(identifierKey(system, value));
    return known != null ? known : BY_IDENTIFIER + (system == null ? "" : system) + "|" + value;
  }

  private static String identifierKey(String system, String value) {
    return (system == null ? "" : system) + "|" + value;
  }
}
