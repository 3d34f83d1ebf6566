package org.shockreg.registry.store;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Settings the database itself remembers ({@code registry_setting}), e.g. the pseudonym key's
 * fingerprint.
 */
public class RegistrySettings {

  private final JdbcTemplate jdbc;

  public RegistrySettings(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Stores {@code value} unless the setting exists; true when this call stored it. */
  public boolean putIfAbsent(String name, String value) {
    return jdbc.update(
            "INSERT INTO registry_setting (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            name,
            value)
        > 0;
  }

  /** The stored value, or null. */
  public String get(String name) {
    return jdbc
        .queryForList("SELECT value FROM registry_setting WHERE name = ?", String.class, name)
        .stream()
        .findFirst()
        .orElse(null);
  }
}
