package org.shockreg.ingest.rekey;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The old database a re-keying job re-curates from (docs/pseudonym-key.md). Given here (best from
 * the environment: {@code SHOCKREG_REKEY_SOURCE_PASSWORD}) the password never travels in a request
 * body; a {@code POST /admin/rekey} body may name the source instead.
 *
 * @param source JDBC url ({@code jdbc:postgresql://host:port/db}), username and password, or empty
 */
@ConfigurationProperties("shockreg.rekey")
public record RekeyProperties(Source source) {

  public RekeyProperties {
    source = source == null ? new Source(null, null, null) : source;
  }

  /** Where the old database is; the password is never logged or reported. */
  public record Source(String url, String username, String password) {
    @Override
    public String toString() {
      return "Source[url="
          + OldDatabase.loggedUrl(url)
          + ", username="
          + username
          + ", password=(hidden)]";
    }
  }
}
