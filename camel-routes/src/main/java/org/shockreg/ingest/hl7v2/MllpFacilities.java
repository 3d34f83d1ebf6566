package org.shockreg.ingest.hl7v2;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.registry.intake.Hl7MessageStore;

/**
 * Sending facilities (MSH-4) as registry sources: which source a facility's messages belong to
 * ({@code shockreg.mllp.facilities}, else auto-registration), and the site's settings a message is
 * converted with (time zone, identifier systems, intensive-care locations).
 */
final class MllpFacilities {

  private final MappingEngine engine;
  private final Hl7MessageStore store;
  private final MllpProperties props;
  private final ObjectMapper json;

  MllpFacilities(
      MappingEngine engine, Hl7MessageStore store, MllpProperties props, ObjectMapper json) {
    this.engine = engine;
    this.store = store;
    this.props = props;
    this.json = json;
  }

  /** The source id of a sending facility: configured, else (auto-register) derived, else null. */
  String siteOf(String facility) {
    String configured = props.facilities().get(facility);
    if (configured != null) {
      return configured;
    }
    if (!props.autoRegister()) {
      return null;
    }
    String id = facility.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    return id.length() > 40 ? id.substring(0, 40) : id;
  }

  /** What converting a message of {@code site} needs from the site's rules and the registry. */
  Hl7Context context(String site) {
    Map<String, String> systems = props.identifierSystems().getOrDefault(site, Map.of());
    return new Hl7Context(
        site,
        engine.rules().timeZone(site),
        systems,
        json,
        store::latest,
        (s, locationId) ->
            engine
                .rules()
                .isIntensiveCareLocation(
                    s,
                    List.of(
                        new Encounter.EncounterLocationComponent()
                            .setLocation(new Reference("Location/" + locationId)))));
  }
}
