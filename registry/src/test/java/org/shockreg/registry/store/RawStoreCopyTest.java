package org.shockreg.registry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import liquibase.integration.spring.SpringLiquibase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.shockreg.registry.intake.RawResource;
import org.shockreg.registry.intake.SourceHead;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The raw store and first-version heads are written with COPY (issue 15): what is stored must be
 * exactly what INSERTs stored, whatever characters the source sent, and a head created meanwhile
 * must still roll the batch back. On a real PostgreSQL with the registry schema.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RawStoreCopyTest {

  JdbcTemplate jdbc;
  RegistryWriter writer;

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
    jdbc.update("INSERT INTO site (site_id, origin) VALUES ('site-c', 'test')");
  }

  static RawResource raw(String id, String version, Instant lastUpdated, byte[] hash, String json) {
    return new RawResource(
        "site-c", "Observation", id, version, lastUpdated, hash, json, "http", "curated");
  }

  @Test
  void insertRaw_storesContentHashAndVersionExactly_whateverCharactersTheSourceSent() {
    // COPY's own separators and escapes (tab, newline, backslash) in values and in JSON strings,
    // a JSON escape sequence, non-ASCII text and a hash with every byte value that matters.
    String awkward =
        "{\"resourceType\":\"Observation\",\"id\":\"tab\\tid\",\"note\":[{\"text\":\"line1\\nline2\\r\\n"
            + " back\\\\slash \\\"quoted\\\" \\u00e9 \u00fc\u00df \u65e5\u672c \\\\N \\\\x00\"}],\"valueString\":\"\\t\"}";
    byte[] hash = new byte[32];
    for (int i = 0; i < hash.length; i++) {
      hash[i] = (byte) (i * 37 - 128);
    }
    hash[0] = '\\';
    hash[1] = '\t';
    hash[2] = '\n';
    Instant updated = Instant.parse("2025-04-03T10:00:00.123456Z");
    String oddId = "id-with\\back\tslash";
    long[] ids = writer.allocateRawIds(2);
    writer.insertRaw(
        List.of(
            raw("copy-1", "v\t1\\", updated, hash, awkward),
            raw(oddId, null, null, new byte[] {0}, "{\"resourceType\":\"Observation\"}")),
        ids,
        Set.of(
            new SourceKey("site-c", "Observation", "copy-1"),
            new SourceKey("site-c", "Observation", oddId)));

    Map<String, Object> row =
        jdbc.queryForMap(
            "SELECT resource_id, version_id, content_hash, content = ?::jsonb AS same, channel FROM raw_resource"
                + " WHERE raw_id = ?",
            awkward,
            ids[0]);
    assertThat(row.get("resource_id")).isEqualTo("copy-1");
    assertThat(row.get("version_id")).isEqualTo("v\t1\\");
    assertThat((byte[]) row.get("content_hash")).isEqualTo(hash);
    assertThat(row.get("same")).isEqualTo(true);
    assertThat(row.get("channel")).isEqualTo("http");
    assertThat(
            jdbc.queryForObject(
                "SELECT content #>> '{note,0,text}' FROM raw_resource WHERE raw_id = ?",
                String.class,
                ids[0]))
        .isEqualTo(
            "line1\nline2\r\n back\\slash \"quoted\" \u00e9 \u00fc\u00df \u65e5\u672c \\N \\x00");
    assertThat(
            jdbc.queryForObject(
                "SELECT version_id FROM raw_resource WHERE raw_id = ?", String.class, ids[1]))
        .isNull();

    SourceKey k1 = new SourceKey("site-c", "Observation", "copy-1");
    SourceKey k2 = new SourceKey("site-c", "Observation", oddId);
    Map<SourceKey, SourceHead> heads = writer.findHeads("site-c", List.of(k1, k2));
    assertThat(heads.get(k1).rawId()).isEqualTo(ids[0]);
    assertThat(heads.get(k1).versionId()).isEqualTo("v\t1\\");
    assertThat(heads.get(k1).lastUpdated()).isEqualTo(updated);
    assertThat(heads.get(k1).contentHash()).isEqualTo(hash);
    assertThat(heads.get(k2).rawId()).isEqualTo(ids[1]);
    assertThat(heads.get(k2).versionId()).isNull();
    assertThat(heads.get(k2).lastUpdated()).isNull();
    assertThat(
            jdbc.queryForObject(
                "SELECT outcome FROM source_resource_head WHERE resource_id = ?",
                String.class,
                oddId))
        .isEqualTo("curated");
  }

  @Test
  void aFirstVersionWhoseHeadExistsByNow_isAHeadRace() {
    byte[] hash = "h".getBytes(StandardCharsets.UTF_8);
    SourceKey key = new SourceKey("site-c", "Observation", "raced");
    writer.insertRaw(
        List.of(raw("raced", "1", null, hash, "{}")), writer.allocateRawIds(1), Set.of(key));

    assertThatThrownBy(
            () ->
                writer.insertRaw(
                    List.of(raw("raced", "2", null, hash, "{}")),
                    writer.allocateRawIds(1),
                    Set.of(key)))
        .isInstanceOf(SourceHeadRaceException.class);
    assertThat(writer.findHeads("site-c", List.of(key)).get(key).versionId()).isEqualTo("1");
  }
}
