package org.shockreg.mappings.rules;

import java.nio.file.Path;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The site mapping files of the configured directory ({@code shockreg.mappings.sites-dir}): loads
 * them with the built-in rules, and reloads them on request. A load either yields a complete new
 * rule set or fails with every error found; it never yields a partial one.
 */
public final class SiteMappings {

  private static final Logger log = LoggerFactory.getLogger(SiteMappings.class);

  private final SiteRulesLoader loader;
  private final Path directory;

  public SiteMappings(RuleSet builtIn, Path directory) {
    this.loader = new SiteRulesLoader(builtIn);
    this.directory = directory.toAbsolutePath().normalize();
  }

  public Path directory() {
    return directory;
  }

  /** The built-in rules plus the site files as they are now. */
  public synchronized RuleSet load() throws SiteRulesException {
    RuleSet rules = loader.load(directory);
    log.info(
        "event=site_mappings_loaded dir={} sites={} entries={}",
        directory,
        rules.sites().keySet(),
        rules.sites().values().stream().mapToInt(SiteRules::size).sum());
    return rules;
  }

  /**
   * Re-reads the directory and hands the new rule set to {@code activate} (the engine's reload). On
   * errors nothing is handed over: the rules in force stay as they are.
   */
  public synchronized RuleSet reload(Consumer<RuleSet> activate) throws SiteRulesException {
    RuleSet rules;
    try {
      rules = load();
    } catch (SiteRulesException e) {
      log.warn("event=site_mappings_rejected dir={} errors={}", directory, e.errors().size());
      throw e;
    }
    activate.accept(rules);
    return rules;
  }
}
