package org.shockreg.ingest;

import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.registry.store.RegistrySettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Ties the pseudonym key to the database: the first start stores the key's fingerprint; a later
 * start (or a second instance) with another key is refused before anything is curated, because it
 * would silently file every patient under new ids.
 */
public final class PseudonymKeyCheck {

  private static final Logger log = LoggerFactory.getLogger(PseudonymKeyCheck.class);
  static final String SETTING = "pseudonym-key-fingerprint";

  private PseudonymKeyCheck() {}

  public static void verify(JdbcTemplate jdbc, Pseudonymizer pseudonyms) {
    String mine = pseudonyms.fingerprint();
    RegistrySettings settings = new RegistrySettings(jdbc);
    if (settings.putIfAbsent(SETTING, mine)) {
      log.info("event=pseudonym_key_registered fingerprint={}", mine.substring(0, 12));
      return;
    }
    String known = settings.get(SETTING);
    if (!mine.equals(known)) {
      throw new IllegalStateException(
          "The pseudonym key (shockreg.pseudonym.key, else <data-dir>/pseudonym-key) is not the key this database"
              + " was curated with (key fingerprint "
              + mine.substring(0, 12)
              + ", database "
              + known.substring(0, 12)
              + "). Starting would file every patient under new ids. Restore the original key from its backup, or"
              + " give every instance on this database the same shockreg.pseudonym.key (docs/pseudonym-key.md).");
    }
  }
}
