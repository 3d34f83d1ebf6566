package org.shockreg.ingest.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.shockreg.registry.intake.RawResource;
import org.shockreg.registry.intake.SourceHead;
import org.shockreg.registry.store.RegistryWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One intake batch's transaction: locks the source heads, sorts the candidates against them,
 * curates the changed ones ({@link FactCuration}) and stores the older ones raw; a batch that loses
 * a race to a concurrent one is rolled back and run again, bounded.
 */
final class CurationTransaction {

  private static final Logger log = LoggerFactory.getLogger(CurationTransaction.class);

  /** Attempts at a batch that lost a deadlock or a serialization conflict to a concurrent one. */
  static final int MAX_ATTEMPTS = 5;

  private final TransactionTemplate tx;
  private final RegistryWriter writer;
  private final FactCuration curation;
  private final MeterRegistry meters;

  /** What a batch writes last in its transaction, given that attempt's outcome. */
  @FunctionalInterface
  interface BatchEnd {
    /** {@code rejected}: the batch's rejections, those found before and in this transaction. */
    void write(IntakeReport counted, List<Candidate> older, List<Rejection> rejected);
  }

  CurationTransaction(
      TransactionTemplate tx, RegistryWriter writer, FactCuration curation, MeterRegistry meters) {
    this.tx = tx;
    this.writer = writer;
    this.curation = curation;
    this.meters = meters;
  }

  /**
   * Curates a batch in one transaction; a deadlock or serialization failure against another batch
   * (a lab feed and an ADT feed for the same patients), or a source head another delivery wrote
   * meanwhile, rolls it back and runs it again, bounded. Each attempt counts into its own report,
   * so only the committed one counts. Returns the versions not applied (older) of that attempt.
   */
  List<Candidate> curateRetrying(
      IntakeRequest request,
      List<Candidate> pending,
      List<Candidate> bodyOlder,
      IntakeReport report,
      BundlePatientResolver resolver,
      List<Rejection> rejections,
      BatchEnd end) {
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
                curation.curate(
                    request, changed, rawIds, counted, resolver, rejected, merged, firstVersions);
              }
              storeOlder(request, older, Arrays.copyOfRange(rawIds, changed.size(), rawIds.length));
              if (end != null) {
                List<Rejection> all = new ArrayList<>(rejections);
                all.addAll(rejected);
                end.write(counted, older, all);
              }
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
            request.siteId(),
            request.channel(),
            attempt,
            e.getClass().getSimpleName());
      }
    }
  }

  /** Writes of a body's own that have no batch transaction to join. */
  void inTransaction(Runnable writes) {
    tx.executeWithoutResult(status -> writes.run());
  }

  /**
   * Sorts the candidates against their heads, read and row-locked in key order in this transaction:
   * identical (unchanged), older than the stored version (not applied), or to apply ({@code
   * firstVersions}: those with no head yet).
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
  static void registerPatient(String site, Candidate c, BundlePatientResolver resolver) {
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
          (mrn ? records : others)
              .add(new String[] {i.path("system").asText(null), i.get("value").asText()});
        }
      }
    }
    return MappingEngine.identifierOrder(records, others);
  }
}
