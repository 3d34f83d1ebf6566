package org.shockreg.ingest.rekey;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeProperties;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.ingest.rekey.OldDatabase.ApiRandomization;
import org.shockreg.ingest.trial.RandomizationService;
import org.shockreg.ingest.trial.RandomizationService.RandomizationRefused;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.registry.store.RegistryWriter;
import org.shockreg.registry.trial.Randomization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Re-keying (docs/pseudonym-key.md): re-curates an old registry database into this one, which runs
 * under a new pseudonym key. A pseudonym is the HMAC of source values only the raw store keeps, so
 * the job feeds each site's head source resources, in arrival order, through the one intake
 * pipeline (no second implementation of the id rules), then re-records the API randomizations under
 * the new ids of their source patients. Refused when both databases have the same key (not a
 * rotation) or this one already holds patients of something else, unless forced. Running it again
 * resumes: what is in already counts as unchanged, randomizations already recorded are kept.
 */
public class RekeyJob implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(RekeyJob.class);

  /** The old database's key fingerprint, written when a job starts: a re-run on it may resume. */
  static final String SOURCE_SETTING = "rekey-source-fingerprint";

  private final IntakePipeline pipeline;
  private final RandomizationService randomizations;
  private final RegistryWriter writer;
  private final JdbcTemplate jdbc;
  private final Pseudonymizer pseudonyms;
  private final IntakeProperties intake;
  private final RekeyProperties defaults;
  private final ObjectMapper json;
  private final Clock clock;
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "pseudonym-rekey");
            t.setDaemon(true);
            return t;
          });

  /**
   * Held while a job is checked and started (never by status reads: a connect may take seconds).
   */
  private final Object lock = new Object();

  private volatile RekeyRun run;

  public RekeyJob(
      IntakePipeline pipeline,
      RandomizationService randomizations,
      RegistryWriter writer,
      JdbcTemplate jdbc,
      Pseudonymizer pseudonyms,
      IntakeProperties intake,
      RekeyProperties defaults,
      ObjectMapper json,
      Clock clock) {
    this.pipeline = pipeline;
    this.randomizations = randomizations;
    this.writer = writer;
    this.jdbc = jdbc;
    this.pseudonyms = pseudonyms;
    this.intake = intake;
    this.defaults = defaults;
    this.json = json;
    this.clock = clock;
  }

  /** The current (or last) job of this instance. */
  public RekeyStatus status() {
    RekeyRun current = run;
    return current == null ? RekeyStatus.idle() : current.snapshot();
  }

  /**
   * Checks the old database against this one and starts the job in the background. {@code given}
   * overrides the configured source field by field (null fields fall back); {@code onFinish} gets
   * the final status (the audit trail). Throws {@link RekeyRefused}.
   */
  public RekeyStatus start(
      RekeyProperties.Source given, boolean force, Consumer<RekeyStatus> onFinish) {
    RekeyProperties.Source configured = defaults.source();
    RekeyProperties.Source source =
        new RekeyProperties.Source(
            pick(given == null ? null : given.url(), configured.url()),
            pick(given == null ? null : given.username(), configured.username()),
            pick(given == null ? null : given.password(), configured.password()));
    synchronized (lock) {
      if (run != null && run.running()) {
        throw new RekeyRefused(
            true, "running", "a re-keying job is running already: watch GET /admin/rekey");
      }
      OldDatabase old = OldDatabase.open(source);
      try {
        List<OldDatabase.Site> sites = check(old, force);
        run = new RekeyRun(OldDatabase.loggedUrl(source.url()), force, clock.instant(), sites);
        RekeyRun started = run;
        log.info(
            "event=rekey_started source={} sites={} forced={}",
            started.source(),
            sites.size(),
            force);
        worker.execute(() -> execute(started, old, onFinish));
        return started.snapshot();
      } catch (RuntimeException e) {
        old.close();
        throw e;
      }
    }
  }

  private static String pick(String given, String configured) {
    return given != null && !given.isBlank() ? given : configured;
  }

  /** The refusals of docs/pseudonym-key.md; returns the old database's sites. */
  private List<OldDatabase.Site> check(OldDatabase old, boolean force) {
    String oldKey = old.fingerprint();
    String newKey = pseudonyms.fingerprint();
    if (oldKey == null && !force) {
      throw new RekeyRefused(
          false,
          "no-fingerprint",
          "the old database has no pseudonym key fingerprint (registry_setting): is it a ShockReg registry?"
              + " Send \"force\": true to re-curate it all the same");
    }
    if (newKey.equals(oldKey) && !force) {
      throw new RekeyRefused(
          true,
          "same-key",
          "the old database was curated with the key this instance runs under (fingerprint "
              + newKey.substring(0, 12)
              + "): that is no rotation. Start this instance with the new key on a fresh"
              + " database");
    }
    boolean hasPatients =
        Boolean.TRUE.equals(
            jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM patient)", Boolean.class));
    List<String> marker =
        jdbc.queryForList(
            "SELECT value FROM registry_setting WHERE name = ?", String.class, SOURCE_SETTING);
    boolean resuming = oldKey != null && marker.contains(oldKey);
    if (hasPatients && !resuming && !force) {
      throw new RekeyRefused(
          true,
          "not-fresh",
          "this database already holds curated patients and no re-keying from that old database was started on"
              + " it: re-key into a fresh database (or send \"force\": true)");
    }
    List<OldDatabase.Site> sites;
    try {
      sites = old.sites();
    } catch (SQLException e) {
      throw new RekeyRefused(
          false, "source", "cannot read the old database's sites: " + OldDatabase.brief(e));
    }
    if (!intake.autoRegisterSites()) {
      List<String> missing =
          sites.stream().map(OldDatabase.Site::siteId).filter(s -> !writer.siteExists(s)).toList();
      if (!missing.isEmpty()) {
        throw new RekeyRefused(
            false,
            "source",
            "sites of the old database are not configured here: " + String.join(", ", missing));
      }
    }
    if (oldKey != null) {
      jdbc.update(
          "INSERT INTO registry_setting (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
          SOURCE_SETTING,
          oldKey);
    }
    return sites;
  }

  private void execute(RekeyRun r, OldDatabase old, Consumer<RekeyStatus> onFinish) {
    try (old) {
      for (OldDatabase.Site site : r.oldSites()) {
        recurate(r, old, site);
      }
      reRandomize(r, old.apiRandomizations());
      r.finish(RekeyStatus.SUCCEEDED, null, clock.instant());
    } catch (SQLException | RuntimeException e) {
      String why = e instanceof SQLException s ? OldDatabase.brief(s) : describe(e);
      r.finish(RekeyStatus.FAILED, why + ": run the job again to resume", clock.instant());
      log.error("event=rekey_failed error={}", why);
    }
    RekeyStatus done = r.snapshot();
    log.info(
        "event=rekey_done state={} verified={} sites={} randomizationsRecorded={}",
        done.state(),
        done.verified(),
        done.sites().size(),
        done.randomizations() == null ? 0 : done.randomizations().recorded());
    if (onFinish != null) {
      try {
        onFinish.accept(done);
      } catch (RuntimeException e) {
        log.error("event=rekey_finish_callback_failed error={}", e.getClass().getSimpleName());
      }
    }
  }

  /** Class and SQL state only: a database message may quote a value (a key of a unique index). */
  private static String describe(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    String state =
        c instanceof SQLException s && s.getSQLState() != null
            ? " (SQLState " + s.getSQLState() + ")"
            : "";
    return e.getClass().getSimpleName()
        + (c != e ? " / " + c.getClass().getSimpleName() : "")
        + state;
  }

  private void recurate(RekeyRun r, OldDatabase old, OldDatabase.Site site) throws SQLException {
    r.siteState(site.siteId(), RekeyStatus.RUNNING);
    old.heads(
        site.siteId(),
        intake.batchSize(),
        page -> {
          if (Thread.currentThread().isInterrupted()) {
            throw new java.util.concurrent.CancellationException(
                "stopped: the instance is shutting down");
          }
          IntakeReport report =
              pipeline.ingest(
                  new IntakeRequest(
                      site.siteId(),
                      IntakeRequest.CHANNEL_REKEY,
                      "rekey:" + r.source(),
                      "application/fhir+json",
                      null,
                      IntakeRequest.Body.of(bundle(page))));
          r.add(site.siteId(), report);
        });
    long heads =
        count("SELECT count(*) FROM source_resource_head WHERE site_id = ?", site.siteId());
    long patients = count("SELECT count(*) FROM patient WHERE site_id = ?", site.siteId());
    r.siteDone(site.siteId(), heads, patients);
    RekeyStatus.SiteTotals t = r.site(site.siteId());
    log.info(
        "event=rekey_site_done site={} oldHeads={} received={} curated={} unchanged={} rejected={} newHeads={}"
            + " oldPatients={} newPatients={} matches={}",
        t.site(),
        t.oldHeads(),
        t.received(),
        t.curated(),
        t.unchanged(),
        t.rejected(),
        t.newHeads(),
        t.oldPatients(),
        t.newPatients(),
        t.matches());
  }

  private long count(String sql, String site) {
    Long n = jdbc.queryForObject(sql, Long.class, site);
    return n == null ? 0 : n;
  }

  /**
   * One page as a batch Bundle: a head is a resource, or (after a delete) the DELETE entry as it
   * was received; a Bundle carries both, where NDJSON could not carry the delete.
   */
  private byte[] bundle(List<String> contents) {
    StringBuilder b =
        new StringBuilder(contents.stream().mapToInt(String::length).sum() + 64 * contents.size());
    b.append("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[");
    for (int i = 0; i < contents.size(); i++) {
      String c = contents.get(i);
      if (i > 0) {
        b.append(',');
      }
      if (isResource(c)) {
        b.append("{\"resource\":").append(c).append('}');
      } else {
        b.append(c);
      }
    }
    return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private boolean isResource(String content) {
    try {
      JsonNode n = json.readTree(content);
      return n.has("resourceType") || !n.has("request");
    } catch (JsonProcessingException e) {
      return true; // the pipeline rejects it with its reason
    }
  }

  /** The API randomizations, under the new ids of the source patients they were recorded for. */
  private void reRandomize(RekeyRun r, List<ApiRandomization> old) {
    r.randomizationsFound(old.size());
    for (ApiRandomization a : old) {
      String patient =
          a.siteId() == null ? null : writer.curatedPatientId(a.siteId(), a.sourcePatientId());
      if (patient == null) {
        r.randomization("unmatched", null);
        continue;
      }
      Integer known =
          jdbc.queryForObject(
              "SELECT count(*) FROM randomization WHERE study_id = ? AND patient_id = ? AND arm = ?"
                  + " AND randomized_at = ? AND origin = ?",
              Integer.class,
              a.studyId(),
              patient,
              a.arm(),
              java.sql.Timestamp.from(a.randomizedAt()),
              Randomization.ORIGIN_EDC);
      if (known != null && known > 0) {
        r.randomization("alreadyRecorded", null);
        continue;
      }
      try {
        randomizations.randomize(a.studyId(), patient, a.arm(), a.randomizedAt());
        r.randomization("recorded", null);
      } catch (RandomizationRefused e) {
        r.randomization("refused", e.code());
        log.warn("event=rekey_randomization_refused study={} code={}", a.studyId(), e.code());
      }
    }
    RekeyStatus.RandomizationTotals t = r.snapshot().randomizations();
    log.info(
        "event=rekey_randomizations old={} recorded={} alreadyRecorded={} unmatched={} refused={}",
        t.old(),
        t.recorded(),
        t.alreadyRecorded(),
        t.unmatched(),
        t.refused());
  }

  @Override
  public void destroy() {
    worker.shutdownNow();
  }
}
