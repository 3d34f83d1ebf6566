package org.shockreg.ingest.pipeline;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.derive.EpisodeRecomputation;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.shockreg.registry.intake.SourceHead;
import org.shockreg.registry.store.RegistryWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The one intake pipeline every channel feeds: parse (streaming), store raw (dedupe by content
 * hash), map, upsert curated facts, commit, one transaction per batch. Bad input never stops the
 * rest: an unreadable line or a resource the rules reject is parked in the dead-letter store with
 * its raw content and reason.
 *
 * <p>The stages: read ({@link BodyBatches}: {@link SourceEntryReader}, {@link SourceCandidates}; a
 * large body one batch ahead on a thread of its own), the batch and its transaction ({@link
 * CurationTransaction}), curate and derive ({@link FactCuration}), report ({@link IntakeOutcomes}).
 * This class runs them per body and per batch.
 */
public class IntakePipeline {

  private static final Logger log = LoggerFactory.getLogger(IntakePipeline.class);
  private static final Pattern SITE_ID = Pattern.compile("[a-z0-9-]{1,40}");

  /**
   * Threads that read a large body ahead of its curation ({@link BodyBatches}, one body at a time
   * per pipeline); an idle one ends after a minute; daemon, so none holds a JVM open.
   */
  private static final ExecutorService BODY_READERS =
      Executors.newCachedThreadPool(
          new ThreadFactory() {
            private final AtomicInteger n = new AtomicInteger();

            @Override
            public Thread newThread(Runnable r) {
              Thread t = new Thread(r, "intake-read-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            }
          });

  private final RegistryWriter writer;
  private final MappingEngine engine;
  private final IntakeProperties props;
  private final MeterRegistry meters;
  private final SourceEntryReader reader;
  private final IntakeLimits limits;
  private final BodyBatches bodyBatches;
  private final CurationTransaction curation;
  private final IntakeOutcomes outcomes;
  private final Set<String> knownSites = ConcurrentHashMap.newKeySet();

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
    this.props = props;
    this.meters = meters;
    this.limits = limits;
    this.reader = new SourceEntryReader(json, limits);
    this.bodyBatches = new BodyBatches(reader, new SourceCandidates(json), BODY_READERS);
    this.curation =
        new CurationTransaction(
            tx, writer, new FactCuration(writer, engine, derivations, fhir), meters);
    this.outcomes = new IntakeOutcomes(writer, meters);
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
    if (knownSites.contains(siteId)) {
      // sites are never removed: a small body (an HL7 message) needs no round trip for this
      return;
    }
    if (props.autoRegisterSites()) {
      if (writer.ensureSite(siteId, origin)) {
        log.info("event=site_registered site={} origin={}", siteId, origin);
      }
    } else if (!writer.siteExists(siteId)) {
      throw new UnknownSourceException("source id '" + siteId + "' names no configured site");
    }
    knownSites.add(siteId);
  }

  /**
   * Writes that belong with a body's curated facts, e.g. the record of the message it came in
   * (hl7v2): run last in the transaction of the body's last batch, or in one of their own when that
   * batch has nothing to write (all unchanged, an empty body, or a body ending on a full batch), so
   * they commit with the facts or not at all. {@code report} is the body's report as it will read
   * after that commit, except that its issues are not parked yet (dead letter id 0). Runs again
   * when the transaction is retried; an exception it throws rolls the transaction back.
   */
  @FunctionalInterface
  public interface InTransaction {
    void write(IntakeReport report);
  }

  /**
   * Takes in one body. Throws {@link UnparseableBodyException} (after dead-lettering the whole
   * body) when nothing in it can be read.
   */
  public IntakeReport ingest(IntakeRequest request) {
    return ingest(request, null);
  }

  /** Takes in one body, with {@code last} written in the transaction of its last batch. */
  public IntakeReport ingest(IntakeRequest request, InTransaction last) {
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
                return engine.curatedPatientId(
                    siteId, null, List.<String[]>of(new String[] {system, value}));
              }

              @Override
              public String linked(List<String[]> identifiers) {
                return engine.linkedPatientId(identifiers);
              }
            },
            writer::curatedPatientId);
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
    try {
      bodyBatches.read(
          request,
          format,
          props.batchSize(),
          props.readAhead(),
          new BodyBatches.BatchConsumer() {
            @Override
            public void full(List<BodyBatches.ReadEntry> batch) {
              processBatch(request, batch, report, resolver, null);
            }

            @Override
            public void last(List<BodyBatches.ReadEntry> batch) {
              if (!batch.isEmpty()) {
                processBatch(request, batch, report, resolver, last);
              } else if (last != null) {
                curation.inTransaction(
                    () -> last.write(outcomes.preview(report, List.of(), List.of())));
              }
            }
          });
    } catch (SourceEntryReader.BodyException e) {
      throw outcomes.unparseableBody(request, Reasons.withoutValues(e.getMessage()));
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
    outcomes.countOutcomes(request.channel(), report);
    return report;
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
                    site,
                    IntakeRequest.CHANNEL_REMAP,
                    "remap-after-reload",
                    "application/fhir+ndjson",
                    null,
                    IntakeRequest.Body.of(body),
                    true));
        total.add(r);
      }
    }
    return total;
  }

  /**
   * Rejects a body over a limit before anything of it is taken in: dead-lettered (whole, or when
   * {@code head} is given, only that start of it) and answered as an {@link IntakeLimitException}.
   */
  public IntakeLimitException rejectBody(
      IntakeRequest request, String code, String reason, byte[] head) {
    return outcomes.rejectBody(request, code, reason, head);
  }

  /**
   * Rejects a body over {@code shockreg.limits.max-body-bytes}: its first bytes ({@code head}) go
   * to the dead-letter store, with a reason that says only they are kept.
   */
  public IntakeLimitException rejectTooLarge(
      IntakeRequest request, byte[] head, long seenBytes, boolean declared) {
    long max = limits.maxBodyBytes().toBytes();
    String reason =
        "the body is "
            + (declared ? "" : "more than ")
            + seenBytes
            + " bytes, over the limit of "
            + max
            + " (shockreg.limits.max-body-bytes); only its first "
            + head.length
            + " bytes are kept here, so it cannot be replayed: send the data in smaller bodies";
    return rejectBody(request, IntakeLimitException.BODY_TOO_LARGE, reason, head);
  }

  /**
   * One batch up to its transaction: entries to candidates, the newest version of each resource in
   * the body, those identical to the stored version set aside, the rest curated in one transaction.
   */
  private void processBatch(
      IntakeRequest request,
      List<BodyBatches.ReadEntry> entries,
      IntakeReport report,
      BundlePatientResolver resolver,
      InTransaction last) {
    Timer.Sample sample = Timer.start(meters);
    String site = request.siteId();
    List<Rejection> rejections = new ArrayList<>();
    Map<SourceKey, Candidate> candidates = new LinkedHashMap<>();
    // Versions not applied because a newer version of the same resource is in the body or stored.
    List<Candidate> older = new ArrayList<>();
    for (BodyBatches.ReadEntry read : entries) {
      report.received++;
      if (read.rejection() != null) {
        rejections.add(read.rejection());
        continue;
      }
      SourceEntry e = read.entry();
      Candidate c = read.candidate();
      if (!MappingEngine.CURATED_TYPES.contains(c.type)) {
        report.ignored++;
        continue;
      }
      if (c.deletion != null && "Patient".equals(c.type)) {
        // Clinically safe: a deleted Patient keeps its facts (a lost death or outcome changes a
        // trial's result); the delete is kept raw and reported, facts are retracted one by one.
        c.skip =
            new String[] {
              "patient-delete",
              "a Patient delete is recorded, not applied: the patient's clinical facts stay; send a"
                  + " delete or entered-in-error for each fact that was wrong"
            };
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
    // inside the transaction, with the heads locked (see CurationTransaction).
    Map<SourceKey, SourceHead> heads = writer.findHeads(site, candidates.keySet());
    List<Candidate> pending = new ArrayList<>();
    for (Candidate c : candidates.values()) {
      c.head = heads.get(c.key(site));
      if (c.head != null && Arrays.equals(c.head.contentHash(), c.hash) && !request.remap()) {
        report.unchanged++;
        // Who a Patient is comes from the version taken in, also when it is unchanged.
        CurationTransaction.registerPatient(site, c, resolver);
      } else {
        pending.add(c);
      }
    }

    if (!pending.isEmpty() || !older.isEmpty()) {
      CurationTransaction.BatchEnd end =
          last == null
              ? null
              : (counted, olderNow, rejected) -> {
                IntakeReport preview = new IntakeReport();
                preview.add(report);
                preview.add(counted);
                last.write(outcomes.preview(preview, olderNow, rejected));
              };
      older = curation.curateRetrying(request, pending, older, report, resolver, rejections, end);
    } else if (last != null) {
      List<Candidate> none = older;
      curation.inTransaction(() -> last.write(outcomes.preview(report, none, rejections)));
    }
    older.sort(Comparator.comparingInt(c -> c.entry.index()));
    outcomes.reportSkips(older, report);
    outcomes.deadLetter(request, rejections, report);
    sample.stop(meters.timer("shockreg.intake.batch", "channel", request.channel()));
    meters
        .counter("shockreg.intake.resources", "channel", request.channel())
        .increment(entries.size());
  }
}
