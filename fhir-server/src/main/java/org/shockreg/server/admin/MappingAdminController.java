package org.shockreg.server.admin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.SiteFileEntry;
import org.shockreg.mappings.rules.SiteFileWriter;
import org.shockreg.mappings.rules.SiteMappings;
import org.shockreg.mappings.rules.SiteRules;
import org.shockreg.mappings.rules.SiteRulesException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Site mapping files (docs/local-codes.md): which are in force, and a reload after a file changed.
 * Admin role only (the bearer filter guards {@code /admin/**}).
 */
@RestController
public class MappingAdminController {

  private static final Logger log = LoggerFactory.getLogger(MappingAdminController.class);

  private final IntakePipeline pipeline;
  private final SiteFileWriter files;

  private final SiteMappings sites;
  private final MappingEngine engine;

  public MappingAdminController(SiteMappings sites, MappingEngine engine, IntakePipeline pipeline) {
    this.pipeline = pipeline;
    this.sites = sites;
    this.engine = engine;
    this.files = new SiteFileWriter(sites);
  }

  /** The rules in force: the built-in rule files and each active site file with its counts. */
  @GetMapping("/admin/mappings")
  public Map<String, Object> mappings() {
    return describe(engine.rules());
  }

  /**
   * Re-reads the sites directory. Valid: the new rules replace the old ones at once (200 with what
   * was loaded). Any error: 422 problem+json listing every error; the rules in force stay.
   */
  @PostMapping("/admin/mappings/reload")
  public ResponseEntity<?> reload() {
    try {
      return ResponseEntity.ok(reloaded(sites.reload(engine::reload)));
    } catch (SiteRulesException e) {
      return invalidRules(e);
    }
  }

  /**
   * Adds one local-code entry to {@code <sites-dir>/<site>.yaml} (created if missing; comments and
   * layout kept) and reloads, as an edit of the file and a reload would: 200 with what was loaded
   * and remapped; 400 for a malformed entry; 422 with the loader's errors (an unknown variable,
   * say), the file then as it was.
   */
  @PostMapping("/admin/mappings/sites/{site}/entries")
  public ResponseEntity<?> addEntry(@PathVariable String site, @RequestBody SiteFileEntry entry)
      throws IOException {
    if (!SiteFileEntry.validSite(site)) {
      return problem(HttpStatus.BAD_REQUEST, "site must match [a-z0-9-]{1,40}");
    }
    String problem = entry.problem();
    if (problem != null) {
      return problem(HttpStatus.BAD_REQUEST, problem);
    }
    try {
      RuleSet rules = files.add(site, entry, engine::reload);
      log.info(
          "event=site_mapping_entry_added site={} section={} target={}",
          site,
          entry.section(),
          entry.target());
      return ResponseEntity.ok(reloaded(rules));
    } catch (SiteRulesException e) {
      return invalidRules(e);
    }
  }

  private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String detail) {
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(ProblemDetail.forStatusAndDetail(status, detail));
  }

  /**
   * The reload answer: what is in force now, and what the new rules mapped of the data held back.
   */
  private Map<String, Object> reloaded(RuleSet rules) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", "reloaded");
    body.putAll(describe(rules));
    // Data already received under codes nobody knew is mapped again by the new rules.
    IntakeReport remapped = pipeline.remapUnmapped();
    Map<String, Object> remap = new LinkedHashMap<>();
    remap.put("resources", remapped.received());
    remap.put("curated", remapped.curated());
    remap.put("stillUnmapped", remapped.unmapped());
    remap.put("rejected", remapped.rejected());
    body.put("remapped", remap);
    return body;
  }

  private ResponseEntity<ProblemDetail> invalidRules(SiteRulesException e) {
    ProblemDetail p =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.UNPROCESSABLE_ENTITY,
            e.errors().size()
                + (e.errors().size() == 1 ? " error" : " errors")
                + " in the site mapping files; the mapping rules in force are unchanged");
    p.setTitle("Invalid site mapping files");
    p.setProperty("code", "SR-MAP-1");
    p.setProperty("sitesDir", sites.directory().toString());
    p.setProperty("errors", e.errors());
    return ResponseEntity.unprocessableEntity()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(p);
  }

  private Map<String, Object> describe(RuleSet rules) {
    Map<String, Object> builtIn = new LinkedHashMap<>();
    builtIn.put("version", rules.version());
    builtIn.put("variables", rules.variables().size());
    builtIn.put("devices", rules.devices().size());
    builtIn.put("diagnosisCategories", rules.diagnosisCategories().size());
    List<Map<String, Object>> files = new ArrayList<>();
    int entries = 0;
    for (SiteRules s : rules.sites().values()) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("site", s.siteId());
      f.put("file", s.file().getFileName().toString());
      f.put("version", s.version());
      f.put("modified", s.modified().toString());
      f.put("measurements", s.measurements().size());
      f.put("devices", s.devices().size());
      f.put("diagnoses", s.diagnoses().size());
      f.put("intensiveCareTypes", s.intensiveCareTypes().size());
      f.put("intensiveCareLocations", s.intensiveCareLocations().size());
      f.put("conceptMap", s.size() > 0 ? "ConceptMap/site-" + s.siteId() : null);
      files.add(f);
      entries += s.size();
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("sitesDir", sites.directory().toString());
    body.put("builtIn", builtIn);
    body.put("files", files.size());
    body.put("entries", entries);
    body.put("sites", files);
    return body;
  }
}
