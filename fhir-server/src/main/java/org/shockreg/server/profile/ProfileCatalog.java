package org.shockreg.server.profile;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.commons.codec.digest.DigestUtils;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.shockreg.mappings.rules.RuleSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The registry's StructureDefinitions with snapshots. The differentials come from {@link
 * ProfileBuilder}; HAPI's {@link SnapshotGeneratingValidationSupport} expands them against the R4
 * base definitions. That takes 10-20 s of CPU (parsing the base definitions), so it runs on first
 * use, not at startup: the first StructureDefinition request waits for it, the CapabilityStatement
 * does not need it (the profile URLs are known from the differentials).
 */
@Component
public class ProfileCatalog {

  private static final Logger log = LoggerFactory.getLogger(ProfileCatalog.class);

  /**
   * One generator thread per JVM, and the results shared by every application context in it (test
   * suites start many): the same differentials are expanded once, not once per context, and never
   * two expansions compete for the CPU.
   */
  private static final ExecutorService GENERATOR =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "profile-snapshots");
            t.setDaemon(true);
            return t;
          });

  private static final ConcurrentMap<String, CompletableFuture<Map<String, StructureDefinition>>>
      GENERATED = new ConcurrentHashMap<>();

  private final List<StructureDefinition> differentials;
  private final FhirContext fhir;
  private volatile CompletableFuture<Map<String, StructureDefinition>> definitions;

  public ProfileCatalog(RuleSet rules, FhirContext fhir) {
    this.differentials = new ProfileBuilder(rules).build();
    this.fhir = fhir;
  }

  /**
   * What the generated snapshots are shared under: the differentials' content. Computed on first
   * use, not in the constructor: encoding them costs half a second of a cold start.
   */
  private String key() {
    IParser json = fhir.newJsonParser();
    StringBuilder content = new StringBuilder(fhir.getVersion().getVersion().name());
    differentials.forEach(sd -> content.append(json.encodeResourceToString(sd)));
    return DigestUtils.sha256Hex(content.toString());
  }

  /** Starts the snapshot generation, or joins the one running for the same differentials. */
  private synchronized void start() {
    if (definitions == null) {
      definitions =
          GENERATED.computeIfAbsent(
              key(),
              k ->
                  CompletableFuture.supplyAsync(() -> withSnapshots(fhir, differentials), GENERATOR)
                      .whenComplete(
                          (done, failure) -> {
                            if (failure != null) {
                              log.error(
                                  "event=profile_snapshots_failed error={}", failure.toString());
                            }
                          }));
    }
  }

  /** Every definition (extensions, base profiles, then the profiles derived from them). */
  public List<StructureDefinition> all() {
    return List.copyOf(definitions().values());
  }

  public Optional<StructureDefinition> byId(String id) {
    return Optional.ofNullable(definitions().get(id));
  }

  /**
   * The canonical URLs of the profiles of resource {@code type}, base profile first; known without
   * waiting for the snapshots.
   */
  public List<String> profileUrls(String type) {
    return differentials.stream()
        .filter(sd -> type.equals(sd.getType()))
        .map(StructureDefinition::getUrl)
        .toList();
  }

  private Map<String, StructureDefinition> definitions() {
    start();
    try {
      return definitions.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InternalErrorException("SR-PROF-1: interrupted while the profiles were generated");
    } catch (ExecutionException e) {
      throw new InternalErrorException("SR-PROF-2: the registry profiles could not be generated");
    }
  }

  /** Expands the differentials, in order (a profile's base before the profile). */
  static Map<String, StructureDefinition> withSnapshots(
      FhirContext fhir, List<StructureDefinition> differentials) {
    long started = System.nanoTime();
    PrePopulatedValidationSupport ours = new PrePopulatedValidationSupport(fhir);
    differentials.forEach(ours::addStructureDefinition);
    SnapshotGeneratingValidationSupport snapshots = new SnapshotGeneratingValidationSupport(fhir);
    // No cache: each generated snapshot replaces its differential in "ours" before the profiles
    // derived from it are expanded.
    ValidationSupportChain chain =
        new ValidationSupportChain(
            ValidationSupportChain.CacheConfiguration.disabled(),
            ours,
            new DefaultProfileValidationSupport(fhir),
            snapshots,
            new InMemoryTerminologyServerValidationSupport(fhir),
            new CommonCodeSystemsTerminologyService(fhir));
    ValidationSupportContext context = new ValidationSupportContext(chain);
    Map<String, StructureDefinition> out = new LinkedHashMap<>();
    List<String> failed = new ArrayList<>();
    for (StructureDefinition differential : differentials) {
      StructureDefinition sd =
          (StructureDefinition)
              snapshots.generateSnapshot(
                  context,
                  differential.copy(),
                  differential.getUrl(),
                  null,
                  differential.getName());
      if (sd == null || !sd.hasSnapshot()) {
        failed.add(differential.getIdElement().getIdPart());
        continue;
      }
      ours.addStructureDefinition(sd);
      out.put(sd.getIdElement().getIdPart(), sd);
    }
    if (!failed.isEmpty()) {
      throw new IllegalStateException("no snapshot for " + failed);
    }
    log.info(
        "event=profile_snapshots_generated profiles={} elapsedMs={}",
        out.size(),
        (System.nanoTime() - started) / 1_000_000);
    return out;
  }
}
