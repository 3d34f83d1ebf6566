package org.shockreg.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.shockreg.registry.curated.CurationBatch;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.shockreg.registry.derive.DerivationStore;
import org.shockreg.registry.derive.EpisodeDerivation;
import org.shockreg.registry.derive.PatientClinicalRecord;
import org.shockreg.registry.intake.DeadLetter;
import org.shockreg.registry.intake.RawResource;
import org.shockreg.registry.intake.SourceHead;
import org.shockreg.registry.intake.UnmappedCode;
import org.shockreg.registry.notify.SubscriptionOutbox;
import org.shockreg.registry.store.RegistryWriter;
import org.shockreg.registry.trial.PatientFollowUp;
import org.shockreg.registry.trial.SubjectRecord;
import org.shockreg.registry.trial.TrialStore;
import org.springframework.jdbc.core.JdbcTemplate;

/** Times every database call the pipeline makes through the writer. */
final class TimedWriter extends RegistryWriter {
  private final Map<String, AtomicLong> nanos = new LinkedHashMap<>();

  TimedWriter(JdbcTemplate jdbc, ObjectMapper json) {
    super(jdbc, json);
    for (String k :
        List.of(
            "findHeads",
            "lockHeads",
            "allocateRawIds",
            "insertRaw",
            "apply",
            "deriveLoad",
            "deriveStore",
            "trialLoad",
            "trialStore",
            "recordUnmapped",
            "deadLetter",
            "ensureSite")) {
      nanos.put(k, new AtomicLong());
    }
  }

  void reset() {
    nanos.values().forEach(a -> a.set(0));
  }

  long total() {
    return nanos.values().stream().mapToLong(AtomicLong::get).sum();
  }

  String breakdown() {
    StringBuilder sb = new StringBuilder();
    nanos.forEach(
        (k, v) -> {
          if (v.get() > 0) {
            sb.append(sb.isEmpty() ? "" : ", ")
                .append(k)
                .append(' ')
                .append(String.format(Locale.ROOT, "%.2f", v.get() / 1e9))
                .append(" s");
          }
        });
    return sb.toString();
  }

  /** Trial screening's reads and writes (randomizations, follow-up, subjects), timed likewise. */
  TrialStore trialStore(JdbcTemplate jdbc, ObjectMapper json) {
    return new TrialStore(jdbc, json, new SubscriptionOutbox(jdbc)) {
      @Override
      public Map<String, PatientFollowUp> loadFollowUp(Collection<String> patientIds) {
        return timed("trialLoad", () -> super.loadFollowUp(patientIds));
      }

      @Override
      public void storeSubjects(Collection<String> patientIds, List<SubjectRecord> subjects) {
        timed("trialStore", () -> super.storeSubjects(patientIds, subjects));
      }
    };
  }

  /** Derivations' reads and writes, timed into the same breakdown. */
  DerivationStore derivationStore(JdbcTemplate jdbc, ObjectMapper json) {
    return new DerivationStore(jdbc, json) {
      @Override
      public Map<String, PatientClinicalRecord> load(Collection<String> patientIds) {
        return timed("deriveLoad", () -> super.load(patientIds));
      }

      @Override
      public void store(Collection<String> patientIds, List<EpisodeDerivation> episodes) {
        timed("deriveStore", () -> super.store(patientIds, episodes));
      }
    };
  }

  /** Runs {@code call}, its wall time added to {@code k}. */
  private <T> T timed(String k, Supplier<T> call) {
    long s = System.nanoTime();
    try {
      return call.get();
    } finally {
      nanos.get(k).addAndGet(System.nanoTime() - s);
    }
  }

  private void timed(String k, Runnable call) {
    timed(
        k,
        () -> {
          call.run();
          return null;
        });
  }

  @Override
  public boolean ensureSite(String siteId, String origin) {
    return timed("ensureSite", () -> super.ensureSite(siteId, origin));
  }

  @Override
  public Map<SourceKey, SourceHead> findHeads(String siteId, Collection<SourceKey> keys) {
    return timed("findHeads", () -> super.findHeads(siteId, keys));
  }

  @Override
  public long[] allocateRawIds(int n) {
    return timed("allocateRawIds", () -> super.allocateRawIds(n));
  }

  @Override
  public Map<SourceKey, SourceHead> lockHeads(String siteId, Collection<SourceKey> keys) {
    return timed("lockHeads", () -> super.lockHeads(siteId, keys));
  }

  @Override
  public void insertRaw(List<RawResource> resources, long[] ids, Set<SourceKey> firstVersions) {
    timed("insertRaw", () -> super.insertRaw(resources, ids, firstVersions));
  }

  @Override
  public Set<String> apply(CurationBatch batch) {
    return timed("apply", () -> super.apply(batch));
  }

  @Override
  public void recordUnmapped(Map<UnmappedCode, Integer> counts) {
    timed("recordUnmapped", () -> super.recordUnmapped(counts));
  }

  @Override
  public long deadLetter(DeadLetter d) {
    return timed("deadLetter", () -> super.deadLetter(d));
  }
}
