package org.shockreg.ingest.rekey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The old database's url: only PostgreSQL, only harmless parameters, shown without them. */
class OldDatabaseTest {

  static RekeyProperties.Source source(String url) {
    return new RekeyProperties.Source(url, "shockreg", "s3cret-password");
  }

  @Test
  void driverParametersThatLoadClasses_areRefusedBeforeAnyConnection() {
    for (String param :
        new String[] {
          "socketFactory=x.Y",
          "sslfactory=x.Y",
          "authenticationPluginClassName=x.Y",
          "sslhostnameverifier=x.Y",
          "password=p",
          "user=u"
        }) {
      assertThatThrownBy(
              () ->
                  OldDatabase.open(
                      source("jdbc:postgresql://db.example:5432/old?ssl=true&" + param)))
          .isInstanceOf(RekeyRefused.class)
          .hasMessageContaining("is not accepted here")
          .extracting(e -> ((RekeyRefused) e).conflict())
          .isEqualTo(false);
    }
  }

  @Test
  void otherDriversAndMissingSettings_areRefused() {
    assertThatThrownBy(() -> OldDatabase.open(source("jdbc:h2:mem:old")))
        .hasMessageContaining("jdbc:postgresql://");
    assertThatThrownBy(() -> OldDatabase.open(source(null)))
        .hasMessageContaining("shockreg.rekey.source.url");
    assertThatThrownBy(
            () ->
                OldDatabase.open(new RekeyProperties.Source("jdbc:postgresql://h/db", null, null)))
        .hasMessageContaining("username");
  }

  @Test
  void anUnreachableDatabase_isNamedWithoutItsPassword() {
    assertThatThrownBy(
            () -> OldDatabase.open(source("jdbc:postgresql://127.0.0.1:1/old?connectTimeout=2")))
        .isInstanceOf(RekeyRefused.class)
        .hasMessageContaining("jdbc:postgresql://127.0.0.1:1/old?…")
        .hasMessageNotContaining("s3cret-password");
  }

  @Test
  void loggedUrl_leavesOutParametersAndUserInfo() {
    assertThat(
            OldDatabase.loggedUrl(
                "jdbc:postgresql://db.example:5432/old?sslmode=require&sslkey=/k"))
        .isEqualTo("jdbc:postgresql://db.example:5432/old?…");
    assertThat(OldDatabase.loggedUrl("jdbc:postgresql://u:p@db.example/old"))
        .isEqualTo("jdbc:postgresql://db.example/old");
    assertThat(source("jdbc:postgresql://db/old").toString()).doesNotContain("s3cret-password");
  }
}
