package org.shockreg.ingest.pipeline;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.LenientErrorHandler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.MappingOutcome;
import org.shockreg.mappings.derive.EpisodeRecomputation;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.CuratedFact;
import org.shockreg.registry.curated.CurationBatch;
import org.shockreg.registry.curated.SourceRef;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.shockreg.registry.intake.RawResource;
import org.shockreg.registry.intake.UnmappedCode;
import org.shockreg.registry.store.RegistryWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;

/**
 * The curate and derive stages of intake, inside the batch's transaction: maps each changed source
 * resource to curated facts, stores its raw version, applies the facts to their patients and
 * recomputes the derived facts of the patients touched.
 */
record FactCuration(
    RegistryWriter writer,
    MappingEngine engine,
    EpisodeRecomputation derivations,
    FhirContext fhir) {

  private static final Logger log = LoggerFactory.getLogger(FactCuration.class);

  /**
   * Maps and applies the changed resources; {@code rawIds[i]} is reserved for {@code changed[i]}.
   */
  void curate(
      IntakeRequest request,
      List<Candidate> changed,
      long[] rawIds,
      IntakeReport report,
      BundlePatientResolver resolver,
      List<Rejection> rejections,
      Map<String, String> merged,
      Set<SourceKey> firstVersions) {
    String site = request.siteId();
    IParser parser = fhir.newJsonParser();
    parser.setParserErrorHandler(new LenientErrorHandler(false).setErrorOnInvalidValue(true));
    List<CuratedFact> facts = new ArrayList<>();
    Set<SourceKey> replaced = new HashSet<>();
    List<RawResource> raws = new ArrayList<>(changed.size());
    List<Long> rawIdList = new ArrayList<>(changed.size());
    List<String[]> remapped = new ArrayList<>();
    Map<UnmappedCode, Integer> unmapped = new HashMap<>();
    List<PatientLinks.Merge> merges = new ArrayList<>();
    for (int i = 0; i < changed.size(); i++) {
      Candidate c = changed.get(i);
      if (c.deletion != null) {
        // Retracts every fact of the source resource, like an entered-in-error version.
        report.deleted++;
        if (c.head != null) {
          replaced.add(c.key(site));
        }
        raws.add(c.raw(site, request.channel(), "deleted"));
        rawIdList.add(rawIds[i]);
        continue;
      }
      Resource resource;
      try {
        resource = (Resource) parser.parseResource(c.compact);
      } catch (DataFormatException | ClassCastException e) {
        rejections.add(
            new Rejection(
                c.type,
                c.id,
                c.entry.index(),
                "invalid-resource",
                Rejection.brief(e.getMessage()),
                c.compact));
        continue;
      } catch (RuntimeException e) {
        // HAPI's parser throws e.g. a NullPointerException on an extension that is not an object.
        rejections.add(
            new Rejection(
                c.type,
                c.id,
                c.entry.index(),
                "invalid-resource",
                "the resource's structure cannot be parsed (" + e.getClass().getSimpleName() + ")",
                c.compact));
        continue;
      }
      if (resource.getIdElement().isEmpty()) {
        resource.setId(c.id);
      }
      // Remapping the stored version: its raw row stays, only its outcome may change.
      boolean sameContent = c.head != null && Arrays.equals(c.head.contentHash(), c.hash);
      long rawId = sameContent ? c.head.rawId() : rawIds[i];
      SourceRef source = new SourceRef(site, c.type, c.id, c.version.versionId(), rawId);
      MappingOutcome outcome;
      try {
        outcome = engine.map(resource, source, resolver);
      } catch (DataAccessException e) {
        throw e;
      } catch (RuntimeException e) {
        // A mapping bug on one odd resource must not fail (and lose) the rest of its batch.
        // Class and place only: the message may quote the resource's values (a birth date).
        log.error(
            "event=mapping_failed site={} type={} error={} at={}",
            site,
            c.type,
            e.getClass().getName(),
            e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?");
        rejections.add(
            new Rejection(
                c.type,
                c.id,
                c.entry.index(),
                "mapping-failed",
                "the registry could not map this resource (" + e.getClass().getSimpleName() + ")",
                c.compact));
        continue;
      }
      String stored = outcome.kind().name().toLowerCase(java.util.Locale.ROOT);
      switch (outcome.kind()) {
        case CURATED -> {
          report.curated++;
          facts.addAll(outcome.facts());
          if (resource instanceof Patient patient && patient.hasLink()) {
            PatientLinks.read(
                site,
                patient,
                outcome.facts(),
                c,
                resolver,
                sourceId -> pseudonym(site, sourceId),
                merges,
                report);
          }
        }
        case UNMAPPED -> {
          report.unmapped++;
          for (Coding code : outcome.unmappedCodes()) {
            unmapped.merge(
                new UnmappedCode(site, c.type, code.system(), code.code(), code.display()),
                1,
                Integer::sum);
          }
        }
        case SKIPPED -> report.skipped++;
        case RETRACTED -> report.retracted++;
        case REJECTED -> {
          rejections.add(
              new Rejection(
                  c.type,
                  c.id,
                  c.entry.index(),
                  outcome.reasonCode(),
                  outcome.reason(),
                  c.compact));
          continue;
        }
      }
      if (c.head != null) {
        replaced.add(c.key(site));
      }
      if (sameContent) {
        remapped.add(new String[] {c.type, c.id, stored});
        continue;
      }
      raws.add(c.raw(site, request.channel(), stored));
      rawIdList.add(rawIds[i]);
    }
    // Under the patients' locks, each fact goes to its patient as committed by now.
    List<CuratedFact> settled =
        FactPatients.settle(
            site,
            facts,
            merges,
            resolver,
            source -> pseudonym(site, source),
            writer.merges(),
            derivations::lockPatients);
    writer.insertRaw(raws, rawIdList.stream().mapToLong(Long::longValue).toArray(), firstVersions);
    writer.updateOutcomes(site, remapped);
    Set<String> affected = writer.apply(new CurationBatch(settled, replaced));
    PatientLinks.apply(writer.merges(), site, merges, affected, merged);
    // Derived facts of the touched patients only, in the same transaction as their inputs.
    derivations.recompute(affected);
    if (!request.remap()) {
      // Remapped resources were counted when they were received.
      writer.recordUnmapped(unmapped);
    }
  }

  private String pseudonym(String site, String sourcePatientId) {
    return engine.curatedPatientId(site, sourcePatientId, List.of());
  }
}
