package org.shockreg.registry.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import liquibase.integration.spring.SpringLiquibase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.CuratedFact;
import org.shockreg.registry.curated.CurationBatch;
import org.shockreg.registry.curated.MeasurementFact;
import org.shockreg.registry.curated.SourceRef;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.shockreg.registry.curated.TimePrecision;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Measurements of first versions are copied, those of replaced sources upserted (issue 15): both
 * must store the same row, and a first-version fact that exists after all must still be updated,
 * with the batch's transaction going on. On a real PostgreSQL with the registry schema.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeasurementCopyTest {

  static final String COLUMNS =
      "patient_id, site_id, variable, status, effective_at, value, unit, comparator, range_low, range_high,"
          + " original_value, original_unit, original_comparator, codings, flags, source_type,"
          + " source_version, raw_id, effective_precision";

  JdbcTemplate jdbc;
  RegistryWriter writer;
  TransactionTemplate tx;

  @BeforeAll
  void schema() throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    DriverManagerDataSource ds =
        new DriverManagerDataSource(db.url(), db.username(), db.password());
    SpringLiquibase liquibase = new SpringLiquibase();
    liquibase.setDataSource(ds);
    liquibase.setChangeLog("classpath:db/changelog/db.changelog-master.yaml");
    liquibase.setResourceLoader(new DefaultResourceLoader());
    liquibase.afterPropertiesSet();
    jdbc = new JdbcTemplate(ds);
    writer = new RegistryWriter(jdbc, new ObjectMapper());
    tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
    jdbc.update("INSERT INTO site (site_id, origin) VALUES ('site-q', 'test')");
  }

  static MeasurementFact fact(
      String observationId, String sourceId, BigDecimal value, String versionId, Long rawId) {
    Set<String> flags =
        new LinkedHashSet<>(List.of("z-last", "quote\"d", "back\\slash", "tab\there"));
    return new MeasurementFact(
        observationId,
        "patient-q",
        "lactate",
        "final",
        Instant.parse("2025-04-03T10:15:30.123Z"),
        value,
        "mmol/L",
        ">",
        null,
        new BigDecimal("2.50"),
        new BigDecimal("1.0E-7"),
        "mg/dL",
        null,
        List.of(
            new Coding("http://loinc.org", "2524-7", "Lactate \"tab\"\there \\ \u00e9"),
            Coding.of("urn:x", "y")),
        flags,
        new SourceRef("site-q", "Observation", sourceId, versionId, rawId),
        TimePrecision.MINUTE);
  }

  Set<String> apply(List<CuratedFact> facts, Set<SourceKey> replaced) {
    return tx.execute(status -> writer.apply(new CurationBatch(facts, replaced)));
  }

  Map<String, Object> row(String observationId) {
    // As text: every column compared as stored (jsonb and arrays have no Java equality).
    StringBuilder select = new StringBuilder();
    for (String c : COLUMNS.split(", ")) {
      select.append(select.isEmpty() ? "" : ", ").append(c).append("::text AS ").append(c);
    }
    return jdbc.queryForMap(
        "SELECT " + select + " FROM measurement WHERE observation_id = ?", observationId);
  }

  @Test
  void aFirstVersionsMeasurement_isStoredAsTheUpsertStoresIt() {
    apply(List.of(fact("obs-copied", "src-new", new BigDecimal("1E+3"), null, null)), Set.of());
    SourceKey old = new SourceKey("site-q", "Observation", "src-old");
    apply(
        List.of(fact("obs-upserted", "src-old", new BigDecimal("1E+3"), null, null)), Set.of(old));

    Map<String, Object> copied = row("obs-copied");
    assertThat(copied).isEqualTo(row("obs-upserted"));
    assertThat(copied.get("flags"))
        .isEqualTo("{\"back\\\\slash\",\"quote\\\"d\",\"tab\there\",z-last}");
    assertThat(copied.get("value")).isEqualTo("1000");
    assertThat(copied.get("original_value")).isEqualTo("0.00000010");
    assertThat(copied.get("effective_precision")).isEqualTo("minute");
    assertThat(copied.get("source_version")).isNull();
    assertThat(copied.get("raw_id")).isNull();
    // Arrival order: the second batch's row comes after the first's.
    assertThat(
            jdbc.queryForList(
                "SELECT observation_id FROM measurement WHERE observation_id IN ('obs-copied', 'obs-upserted')"
                    + " ORDER BY row_id",
                String.class))
        .containsExactly("obs-copied", "obs-upserted");
  }

  @Test
  void aFirstVersionsMeasurementThatExistsAfterAll_isUpdated_andTheBatchGoesOn() {
    apply(List.of(fact("obs-twice", "src-twice", new BigDecimal("1.5"), "1", 7L)), Set.of());
    Set<String> affected =
        apply(
            List.of(
                fact("obs-twice", "src-twice", new BigDecimal("2.5"), "2", 8L),
                fact("obs-after", "src-after", new BigDecimal("3.5"), "1", 9L)),
            Set.of());

    assertThat(affected).containsExactly("patient-q");
    assertThat(row("obs-twice")).containsEntry("value", "2.5").containsEntry("source_version", "2");
    assertThat(row("obs-after")).containsEntry("value", "3.5");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM measurement WHERE source_id = 'src-twice'", Integer.class))
        .isEqualTo(1);
  }
}
