package org.shockreg.registry.search;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.jdbc.core.JdbcTemplate;

/** Held searches in {@code fhir_search} through {@link HeldSearchStore}, on a real PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeldSearchStoreTest {

  JdbcTemplate jdbc;
  HeldSearchStore store;

  @BeforeAll
  void schema() throws Exception {
    jdbc = new JdbcTemplate(TestDatabase.newMigratedDataSource());
    store = new HeldSearchStore(jdbc, new ObjectMapper());
  }

  @Test
  void aHeldSearchComesBackAsItWasAskedUntilItExpires() {
    Map<String, String[]> parameters = new LinkedHashMap<>();
    parameters.put("code", new String[] {"http://loinc.org|2524-7"});
    parameters.put("date", new String[] {"ge2026-01-01", "lt2026-02-01"});
    Instant later = Instant.now().plus(Duration.ofMinutes(10));
    assertThat(
            store.hold(
                "s-live",
                new AskedSearch("Observation", null, null, parameters, "token:reader"),
                later))
        .isTrue();
    assertThat(
            store.hold(
                "s-everything",
                new AskedSearch("Patient", "$everything", "p-1", Map.of(), null),
                later))
        .isTrue();

    AskedSearch found = store.find("s-live");
    assertThat(found.resourceType()).isEqualTo("Observation");
    assertThat(found.operation()).isNull();
    assertThat(found.principal()).isEqualTo("token:reader");
    assertThat(found.parameters()).containsOnlyKeys("code", "date");
    assertThat(found.parameters().get("date")).containsExactly("ge2026-01-01", "lt2026-02-01");
    AskedSearch everything = store.find("s-everything");
    assertThat(everything.operation()).isEqualTo("$everything");
    assertThat(everything.instanceId()).isEqualTo("p-1");
    assertThat(everything.parameters()).isEmpty();
    assertThat(store.find("s-unknown")).isNull();

    store.hold(
        "s-expired",
        new AskedSearch("Condition", null, null, Map.of(), null),
        Instant.now().minusSeconds(1));
    assertThat(store.find("s-expired")).isNull();
    assertThat(store.deleteExpired()).isEqualTo(1);
    assertThat(jdbc.queryForObject("SELECT count(*) FROM fhir_search", Integer.class)).isEqualTo(2);
  }
}
