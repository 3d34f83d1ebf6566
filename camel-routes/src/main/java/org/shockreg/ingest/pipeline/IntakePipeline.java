package org.shockreg.ingest.pipeline;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.LenientErrorHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.MappingOutcome;
import org.shockreg.mappings.derive.EpisodeRecomputation;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.CuratedFact;
import org.shockreg.registry.curated.CuratedFact.PatientFact;
import org.shockreg.registry.curated.CurationBatch;
import org.shockreg.registry.curated.SourceRef;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.shockreg.registry.intake.DeadLetter;
import org.shockreg.registry.intake.RawResource;
import org.shockreg.registry.intake.SourceHead;
import org.shockreg.registry.intake.UnmappedCode;
import org.shockreg.registry.store.RegistryWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.dao.DataAccessException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The one intake pipeline every channel feeds: parse (streaming), store raw (dedupe by content
 * hash), map, upsert curated facts, commit, one transaction per batch. Bad input never stops the
 * rest: an unreadable line or a resource the rules reject is parked in the dead-letter store with
 * its raw content and reason.
 */
public class IntakePipeline {

  private static final Logger log = LoggerFactory.getLogger(IntakePipeline.class);
  private static final Pattern SITE_ID = Pattern.compile("[a-z0-9-]{1,40}");

  private final RegistryWriter writer;
  private final MappingEngine engine;
  private final EpisodeRecomputation derivations;
  private final TransactionTemplate tx;
  private final ContentHash contentHash;
  private final FhirContext fhir;
  private final IntakeProperties props;
  private final MeterRegistry meters;
  private final SourceEntryReader reader;
  private final IntakeLimits limits;

  public IntakePipeline(
      RegistryWriter writer,
      MappingEngine engine,
      EpisodeRecomputation derivations,
      TransactionTemplate tx,
      ObjectMapper json,
      FhirContext fhir,
      IntakeProperties props,
      MeterRegistry meters) {
    this(writer, engine, derivations, tx, json, fhir, props, IntakeLimits.DEFAULTS, meters);
  }

  public IntakePipeline(
      RegistryWriter writer,
      MappingEngine engine,
      EpisodeRecomputation derivations,
      TransactionTemplate tx,
      ObjectMapper json,
      FhirContext fhir,
      IntakeProperties props,
      IntakeLimits limits,
      MeterRegistry meters) {
    this.writer = writer;
    this.engine = engine;
    this.derivations = derivations;
    this.tx = tx;
    this.contentHash = new ContentHash(json);
    this.fhir = fhir;
    this.props = props;
    this.meters = meters;
    this.limits = limits;
    this.reader = new SourceEntryReader(json, limits);
  }

  public IntakeLimits limits() {
    return limits;
  }

  public static boolean isValidSiteId(String siteId) {
    return siteId != null && SITE_ID.matcher(siteId).matches();
  }

  /** Checks the source id and registers its site on first use (when auto-registration is on). */
  public void requireSite(String siteId, String origin) {
    if (!isValidSiteId(siteId)) {
      throw new UnknownSourceException(
          "source id '" + siteId + "' is not valid: use 1-40 of [a-z0-9-]");
    }
    if (props.autoRegisterSites()) {
      if (writer.ensureSite(siteId, origin)) {
        log.info("event=site_registered site={} origin={}", siteId, origin);
      }
    } else if (!writer.siteExists(siteId)) {
      throw new UnknownSourceException("source id '" + siteId + "' names no configured site");
    }
  }

  /**
   * Takes in one body. Throws {@link UnparseableBodyException} (after dead-lettering the whole
   * body) when nothing in it can be read.
   */
  public IntakeReport ingest(IntakeRequest request) {
    requireSite(request.siteId(), request.channel());
    long started = System.nanoTime();
    IntakeReport report = new IntakeReport();
    String siteId = request.siteId();
    BundlePatientResolver resolver =
        new BundlePatientResolver(
            new BundlePatientResolver.PatientIds() {
              @Override
              public String forPatient(String logicalId, List<String[]> identifiers) {
                return engine.curatedPatientId(siteId, logicalId, identifiers);
              }

              @Override
              public String forIdentifier(String system, String value) {
                return engine.curatedPatientId(siteId, null, List.<String[]>of(new String[] {system, value}));
              }

              @Override
              public String linked(List<String[]> identifiers) {
                return engine.linkedPatientId(identifiers);
              }
            },
            writer::curatedPatientId);
    List<SourceEntry> batch = new ArrayList<>(props.batchSize());
    SourceEntryReader.Format format =
        SourceEntryReader.detect(request.contentType(), request.fileName());
    if (format == SourceEntryReader.Format.BUNDLE_OR_RESOURCE) {
      try (InputStream in = request.body().open()) {
        reader.checkEntryCount(in);
      } catch (SourceEntryReader.TooManyEntries e) {
        throw rejectBody(request, IntakeLimitException.TOO_MANY_ENTRIES, e.getMessage(), null);
      } catch (SourceEntryReader.BodyException | IOException e) {
        // the pass below reports it
      }
    }
    try (InputStream in = request.body().open()) {
      reader.read(
          in,
          format,
          entry -> {
            batch.add(entry);
            if (batch.size() >= props.batchSize()) {
              processBatch(request, batch, report, resolver);
              batch.clear();
            }
          });
      if (!batch.isEmpty()) {
        processBatch(request, batch, report, resolver);
      }
    } catch (SourceEntryReader.BodyException e) {
      String reason = Reasons.withoutValues(e.getMessage());
      long id = deadLetterBody(request, "unparseable-body", reason);
      log.warn(
          "event=intake_body_rejected site={} channel={} reason=\"{}\" deadLetter={}",
          request.siteId(),
          request.channel(),
          reason,
          id);
      throw new UnparseableBodyException(reason, id);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long ms = (System.nanoTime() - started) / 1_000_000;
    log.info(
        "event=intake_done site={} channel={} {} elapsedMs={}",
        request.siteId(),
        request.channel(),
        report,
        ms);
    meters.counter("shockreg.intake.bodies", "channel", request.channel()).increment();
    countOutcomes(request.channel(), report);
    return report;
  }

  /** Per outcome, for dashboards (the console's intake chart samples these). */
  private void countOutcomes(String channel, IntakeReport report) {
    int[] counts = {report.received(), report.curated(), report.unchanged(), report.rejected(), report.unmapped()};
    String[] outcomes = {"received", "curated", "unchanged", "rejected", "unmapped"};
    for (int i = 0; i < outcomes.length; i++) {
      if (counts[i] > 0) {
        meters.counter("shockreg.intake.outcomes", "channel", channel, "outcome", outcomes[i]).increment(counts[i]);
      }
    }
  }

  /**
   * Maps again every stored source resource whose latest version no rule knew, e.g. after a site
   * mapping file gained its local codes: data already sent becomes curated without a re-send.
   */
  public IntakeReport remapUnmapped() {
    IntakeReport total = new IntakeReport();
    for (String site : writer.sitesWithUnmappedSources()) {
      long after = 0;
      while (true) {
        List<Map.Entry<Long, String>> page = writer.unmappedSources(site, after, props.batchSize());
        if (page.isEmpty()) {
          break;
        }
        StringBuilder ndjson = new StringBuilder();
        for (Map.Entry<Long, String> e : page) {
          ndjson.append(e.getValue()).append('\n');
          after = e.getKey();
        }
        byte[] body = ndjson.toString().getBytes(StandardCharsets.UTF_8);
        IntakeReport r =
            ingest(
                new IntakeRequest(
                    site, IntakeRequest.CHANNEL_REMAP, "remap-after-reload",
                    "application/fhir+ndjson", null, IntakeRequest.Body.of(body), true));
        total.add(r);
      }
    }
    return total;
  }

  /**
   * Rejects a body over a limit before anything of it is taken in: dead-lettered (whole, or when
   * {@code head} is given, only that start of it) and answered as an {@link IntakeLimitException}.
   */
  public IntakeLimitException rejectBody(IntakeRequest request, String code, String reason, byte[] head) {
    long id =
        head == null
            ? deadLetterBody(request, code, reason)
            : writer.deadLetter(
                DeadLetter.of(
                    request.siteId(), request.channel(), request.origin(), request.contentType(), head, code,
                    reason, null, null));
    log.warn(
        "event=intake_body_rejected site={} channel={} code={} reason=\"{}\" deadLetter={}",
        request.siteId(), request.channel(), code, reason, id);
    meters.counter("shockreg.intake.rejected_bodies", "channel", request.channel(), "code", code).increment();
    return new IntakeLimitException(code, reason, id);
  }

  /**
   * Rejects a body over {@code shockreg.limits.max-body-bytes}: its first bytes ({@code head}) go
   * to the dead-letter store, with a reason that says only they are kept.
   */
  public IntakeLimitException rejectTooLarge(IntakeRequest request, byte[] head, long seenBytes, boolean declared) {
    long max = limits.maxBodyBytes().toBytes();
    String reason =
        "the body is " + (declared ? "" : "more than ") + seenBytes + " bytes, over the limit of " + max
            + " (shockreg.limits.max-body-bytes); only its first " + head.length
            + " bytes are kept here, so it cannot be replayed: send the data in smaller bodies";
    return rejectBody(request, IntakeLimitException.BODY_TOO_LARGE, reason, head);
  }

  private long deadLetterBody(IntakeRequest request, String code, String reason) {
    byte[] payload;
    try (InputStream in = request.body().open()) {
      // bodies are at most shockreg.limits.max-body-bytes: an unreadable one is kept whole
      payload = in.readAllBytes();
    } catch (IOException e) {
      payload = ("(body could not be re-read: " + e.getMessage() + ")").getBytes(StandardCharsets.UTF_8);
    }
    return writer.deadLetter(
        DeadLetter.of(
            request.siteId(),
            request.channel(),
            request.origin(),
            request.contentType(),
            payload,
            code,
            reason,
            null,
            null));
  }

  private record Rejection(
      String type, String id, int index, String code, String reason, String payload) {}

  private void processBatch(
      IntakeRequest request, List<SourceEntry> entries, IntakeReport report, BundlePatientResolver resolver) {
    Timer.Sample sample = Timer.start(meters);
    String site = request.siteId();
    List<Rejection> rejections = new ArrayList<>();
    Map<SourceKey, Candidate> candidates = new LinkedHashMap<>();
    // Versions not applied because a newer version of the same resource is in the body or stored.
    List<Candidate> older = new ArrayList<>();
    for (SourceEntry e : entries) {
      report.received++;
      if (e.resource() == null && e.deletion() == null) {
        rejections.add(new Rejection(null, null, e.index(), e.errorCode(), e.error(), e.raw()));
        continue;
      }
      Candidate c = e.deletion() != null ? prepareDeletion(e, rejections) : prepare(e, rejections);
      if (c == null) {
        continue;
      }
      if (!MappingEngine.CURATED_TYPES.contains(c.type)) {
        report.ignored++;
        continue;
      }
      if (c.deletion != null && "Patient".equals(c.type)) {
        // Clinically safe: a deleted Patient keeps its facts (a lost death or outcome changes a
        // trial's result); the delete is kept raw and reported, facts are retracted one by one.
        c.skip = new String[] {"patient-delete",
            "a Patient delete is recorded, not applied: the patient's clinical facts stay; send a"
                + " delete or entered-in-error for each fact that was wrong"};
        older.add(c);
        continue;
      }
      if ("Patient".equals(c.type) && c.deletion == null) {
        resolver.registerFullUrl(e.fullUrl(), c.id);
      }
      // The same resource twice in one body (a history Bundle, an export with several versions):
      // the newer version wins whatever the order, the other is an older version. When the two
      // cannot be ordered the later one wins and the earlier counts as unchanged.
      Candidate kept = candidates.get(c.key(site));
      if (kept == null) {
        candidates.put(c.key(site), c);
      } else if (c.version.isOlderThan(kept.version)) {
        c.olderThan = "version in the same body (" + kept.version.describe() + ")";
        older.add(c);
      } else {
        if (kept.version.isOlderThan(c.version)) {
          kept.olderThan = "version in the same body (" + c.version.describe() + ")";
          older.add(kept);
        } else {
          report.unchanged++;
        }
        candidates.put(c.key(site), c);
      }
    }

    // Identical to the stored version: nothing to do, no lock needed. The rest is compared again
    // inside the transaction, with the heads locked (see curateRetrying).
    Map<SourceKey, SourceHead> heads = writer.findHeads(site, candidates.keySet());
    List<Candidate> pending = new ArrayList<>();
    for (Candidate c : candidates.values()) {
      c.head = heads.get(c.key(site));
      if (c.head != null && Arrays.equals(c.head.contentHash(), c.hash) && !request.remap()) {
        report.unchanged++;
        // Who a Patient is comes from the version taken in, also when it is unchanged.
        registerPatient(site, c, resolver);
      } else {
        pending.add(c);
      }
    }

    if (!pending.isEmpty() || !older.isEmpty()) {
      older = curateRetrying(request, pending, older, report, resolver, rejections);
    }
    older.sort(Comparator.comparingInt(c -> c.entry.index()));
    for (Candidate c : older) {
      report.skipped++;
      report.skips.add(
          c.skip != null
              ? new IntakeReport.Skip(c.type, c.id, c.entry.index(), c.skip[0], c.skip[1])
              : new IntakeReport.Skip(
                  c.type, c.id, c.entry.index(), "older-version",
                  "this version (" + c.version.describe() + ") is older than the " + c.olderThan
                      + "; kept in the raw store, not curated"));
    }
    for (Rejection r : rejections) {
      report.rejected++;
      String reason = Reasons.withoutValues(r.reason());
      long id =
          writer.deadLetter(
              DeadLetter.of(
                  site,
                  request.channel(),
                  request.origin(),
                  "application/fhir+json",
                  (r.payload() == null ? "" : r.payload()).getBytes(StandardCharsets.UTF_8),
                  r.code(),
                  reason,
                  r.type(),
                  r.id()));
      report.issues.add(new IntakeReport.Issue(r.type(), r.id(), r.index(), r.code(), reason, id));
    }
    sample.stop(meters.timer("shockreg.intake.batch", "channel", request.channel()));
    meters.counter("shockreg.intake.resources", "channel", request.channel()).increment(entries.size());
  }

  /** Attempts at a batch that lost a deadlock or a serialization conflict to a concurrent one. */
  static final int MAX_ATTEMPTS = 5;

  /**
   * Curates a batch in one transaction; a deadlock or serialization failure against another batch
   * (a lab feed and an ADT feed for the same patients), or a source head another delivery wrote
   * meanwhile, rolls it back and runs it again, bounded. Each attempt counts into its own report,
   * so only the committed one counts. Returns the versions not applied (older) of that attempt.
   */
  private List<Candidate> curateRetrying(
      IntakeRequest request,
      List<Candidate> pending,
      List<Candidate> bodyOlder,
      IntakeReport report,
      BundlePatientResolver resolver,
      List<Rejection> rejections) {
    String site = request.siteId();
    for (int attempt = 1; ; attempt++) {
      final int thisAttempt = attempt;
      IntakeReport counted = new IntakeReport();
      List<Rejection> rejected = new ArrayList<>();
      Map<String, String> merged = new LinkedHashMap<>();
      List<Candidate> older = new ArrayList<>(bodyOlder);
      try {
        tx.executeWithoutResult(
            status -> {
              // Versions are compared with the heads as locked now: two deliveries racing for one
              // source resource take turns, the second compares with what the first committed.
              List<Candidate> changed = new ArrayList<>();
              Set<SourceKey> firstVersions = new HashSet<>();
              classify(request, pending, changed, older, firstVersions, counted, thisAttempt > 1);
              for (Candidate c : changed) {
                registerPatient(site, c, resolver);
              }
              // One round trip for the ids of both. Older versions take the later ids: Provenance
              // counts the raw rows up to a fact's own to tell a create from an update, and a
              // version that was not applied must not turn a first version into an update.
              long[] rawIds = writer.allocateRawIds(changed.size() + older.size());
              if (!changed.isEmpty()) {
                curate(request, changed, rawIds, counted, resolver, rejected, merged, firstVersions);
              }
              storeOlder(request, older, Arrays.copyOfRange(rawIds, changed.size(), rawIds.length));
            });
        // Only a committed merge tells the rest of this body where a patient went.
        merged.forEach(resolver::merged);
        report.add(counted);
        rejections.addAll(rejected);
        return older;
      } catch (ConcurrencyFailureException e) {
        if (attempt >= MAX_ATTEMPTS) {
          throw e;
        }
        meters.counter("shockreg.intake.retries", "channel", request.channel()).increment();
        log.info(
            "event=intake_batch_retry site={} channel={} attempt={} reason={}",
            request.siteId(), request.channel(), attempt, e.getClass().getSimpleName());
      }
    }
  }

  /**
   * Sorts the candidates against their heads, read and row-locked in key order in this
   * transaction: identical (unchanged), older than the stored version (not applied), or to apply
   * ({@code firstVersions}: those with no head yet).
   */
  private void classify(
      IntakeRequest request,
      List<Candidate> pending,
      List<Candidate> changed,
      List<Candidate> older,
      Set<SourceKey> firstVersions,
      IntakeReport counted,
      boolean lockAll) {
    String site = request.siteId();
    if (pending.isEmpty()) {
      return;
    }
    // Only heads that exist can be locked: a resource without one when the batch was read is a
    // first version, whose head insertRaw guards (a concurrent first version makes it retry, and
    // the retry locks every key). Locking absent keys would cost a query for nothing.
    List<SourceKey> keys = new ArrayList<>(pending.size());
    for (Candidate c : pending) {
      if (lockAll || c.head != null) {
        keys.add(c.key(site));
      }
    }
    Map<SourceKey, SourceHead> heads = keys.isEmpty() ? Map.of() : writer.lockHeads(site, keys);
    for (Candidate c : pending) {
      c.olderThan = null;
      c.head = heads.get(c.key(site));
      SourceVersion stored =
          c.head == null ? null : new SourceVersion(c.head.versionId(), c.head.lastUpdated());
      if (c.head != null && Arrays.equals(c.head.contentHash(), c.hash) && !request.remap()) {
        counted.unchanged++;
      } else if (stored != null && c.version.isOlderThan(stored)) {
        // Late, or replayed from the dead-letter store: the stored newer version keeps its facts.
        c.olderThan = "stored version (" + stored.describe() + ")";
        older.add(c);
      } else {
        changed.add(c);
        if (c.head == null) {
          firstVersions.add(c.key(site));
        }
      }
    }
  }

  /** Who a Patient is (its identifiers, hence its pseudonym) comes from the version taken in. */
  private void registerPatient(String site, Candidate c, BundlePatientResolver resolver) {
    if ("Patient".equals(c.type) && c.olderThan == null && c.deletion == null) {
      resolver.registerPatient(site, c.entry.fullUrl(), c.id, identifiers(c.entry.resource()));
    }
  }

  /** Older versions go to the raw store only: nothing received is lost, nothing is curated. */
  private void storeOlder(IntakeRequest request, List<Candidate> older, long[] rawIds) {
    List<RawResource> raws = new ArrayList<>(older.size());
    for (Candidate c : older) {
      raws.add(c.raw(request.siteId(), request.channel(), "skipped"));
    }
    writer.insertOlderVersions(raws, rawIds);
  }

  /** Maps and applies the changed resources; {@code rawIds[i]} is reserved for {@code changed[i]}. */
  private void curate(
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
            new Rejection(c.type, c.id, c.entry.index(), "invalid-resource", brief(e.getMessage()), c.compact));
        continue;
      } catch (RuntimeException e) {
        // HAPI's parser throws e.g. a NullPointerException on an extension that is not an object.
        rejections.add(
            new Rejection(c.type, c.id, c.entry.index(), "invalid-resource",
                "the resource's structure cannot be parsed (" + e.getClass().getSimpleName() + ")", c.compact));
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
            "event=mapping_failed site={} type={} error={} at={}", site, c.type, e.getClass().getName(),
            e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?");
        rejections.add(
            new Rejection(c.type, c.id, c.entry.index(), "mapping-failed",
                "the registry could not map this resource (" + e.getClass().getSimpleName() + ")", c.compact));
        continue;
      }
      String stored = outcome.kind().name().toLowerCase(java.util.Locale.ROOT);
      switch (outcome.kind()) {
        case CURATED -> {
          report.curated++;
          facts.addAll(outcome.facts());
          if (resource instanceof Patient patient && patient.hasLink()) {
            PatientLinks.read(
                site, patient, outcome.facts(), c, resolver, sourceId -> pseudonym(site, sourceId), merges, report);
          }
        }
        case UNMAPPED -> {
          report.unmapped++;
          for (Coding code : outcome.unmappedCodes()) {
            unmapped.merge(
                new UnmappedCode(site, c.type, code.system(), code.code(), code.display()), 1, Integer::sum);
          }
        }
        case SKIPPED -> report.skipped++;
        case RETRACTED -> report.retracted++;
        case REJECTED -> {
          rejections.add(
              new Rejection(c.type, c.id, c.entry.index(), outcome.reasonCode(), outcome.reason(), c.compact));
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
            site, facts, merges, resolver, source -> pseudonym(site, source), writer.merges(),
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

  /** A DELETE entry as a candidate: its "content" is the entry itself, kept raw as received. */
  private Candidate prepareDeletion(SourceEntry e, List<Rejection> rejections) {
    DeleteEntry d;
    try {
      d = DeleteEntry.of(e.deletion());
    } catch (DeleteEntry.Refused r) {
      rejections.add(new Rejection(null, null, e.index(), r.code, r.getMessage(), e.raw()));
      return null;
    }
    try {
      Candidate c = new Candidate(e, d.type(), d.id(), d.version(), contentHash.of(e.deletion()), e.raw());
      c.deletion = d;
      return c;
    } catch (JsonProcessingException ex) {
      rejections.add(new Rejection(d.type(), d.id(), e.index(), "unparseable-resource", brief(ex.getMessage()), e.raw()));
      return null;
    }
  }

  private Candidate prepare(SourceEntry e, List<Rejection> rejections) {
    ObjectNode r = e.resource();
    String raw = e.raw();
    String unstorable = StorableText.problem(r);
    if (unstorable != null) {
      String type = r.path("resourceType").isTextual() ? r.get("resourceType").asText() : null;
      String id = r.path("id").isTextual() ? r.get("id").asText() : null;
      rejections.add(new Rejection(type, id, e.index(), "invalid-characters", unstorable, text(r, raw)));
      return null;
    }
    JsonNode typeNode = r.get("resourceType");
    if (typeNode == null || !typeNode.isTextual()) {
      rejections.add(
          new Rejection(null, null, e.index(), "missing-resource-type", "resource has no resourceType", text(r, raw)));
      return null;
    }
    String type = typeNode.asText();
    String id = r.hasNonNull("id") ? r.get("id").asText() : null;
    if (id == null && e.fullUrl() != null && e.fullUrl().startsWith("urn:uuid:")) {
      id = e.fullUrl().substring("urn:uuid:".length());
    }
    if (id == null || id.isBlank() || id.length() > 64) {
      rejections.add(
          new Rejection(
              type, null, e.index(), "missing-id", "resource has no usable id (needed to track its versions)",
              text(r, raw)));
      return null;
    }
    JsonNode meta = r.get("meta");
    SourceVersion version =
        meta == null
            ? SourceVersion.NONE
            : SourceVersion.of(
                meta.hasNonNull("versionId") ? meta.get("versionId").asText() : null,
                meta.hasNonNull("lastUpdated") ? meta.get("lastUpdated").asText() : null);
    try {
      // The content hash leaves out meta: a re-export of the same data (new lastUpdated) is unchanged.
      ContentHash.Hashed hashed = contentHash.withoutMeta(r);
      return new Candidate(e, type, id, version, hashed.hash(), hashed.json());
    } catch (JsonProcessingException ex) {
      rejections.add(new Rejection(type, id, e.index(), "unparseable-resource", brief(ex.getMessage()), raw));
      return null;
    }
  }

  private static String text(ObjectNode r, String raw) {
    return raw != null ? raw : r.toString();
  }

  /** {system, value} of a Patient's identifiers, the record number (type MR) first. */
  private static List<String[]> identifiers(ObjectNode patient) {
    List<String[]> records = new ArrayList<>();
    List<String[]> others = new ArrayList<>();
    JsonNode ids = patient.get("identifier");
    if (ids != null && ids.isArray()) {
      for (JsonNode i : ids) {
        if (i.hasNonNull("value")) {
          boolean mrn = false;
          for (JsonNode c : i.path("type").path("coding")) {
            mrn |= "MR".equals(c.path("code").asText());
          }
          (mrn ? records : others).add(new String[] {i.path("system").asText(null), i.get("value").asText()});
        }
      }
    }
    return MappingEngine.identifierOrder(records, others);
  }

  private static String brief(String message) {
    if (message == null) {
      return "invalid";
    }
    return message.length() > 500 ? message.substring(0, 500) : message;
  }
}
