package org.shockreg.registry.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
 * The source head keeps the lastUpdated of its version (changeset 2026-12-05-04): heads stored
 * before the change get it from their raw row, older versions go to the raw store without moving
 * the head. On a real PostgreSQL with the registry schema.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SourceHeadVersionsTest {

  static final String CHANGESET = "2026-12-05-04-source-versions";

  DriverManagerDataSource ds;
  JdbcTemplate jdbc;
  RegistryWriter writer;

  @BeforeAll
  void schema() throws Exception {
    TestDatabase.Database db = TestDatabase.newDatabase();
    ds = new DriverManagerDataSource(db.url(), db.username(), db.password());
    migrate();
    jdbc = new JdbcTemplate(ds);
    writer = new RegistryWriter(jdbc, new ObjectMapper());
    jdbc.update("INSERT INTO site (site_id, origin) VALUES ('site-a', 'test'), ('site-m', 'test')");
  }

  void migrate() throws Exception {
    SpringLiquibase liquibase = new SpringLiquibase();
    liquibase.setDataSource(ds);
    liquibase.setChangeLog("classpath:db/changelog/db.changelog-master.yaml");
    liquibase.setResourceLoader(new DefaultResourceLoader());
    liquibase.afterPropertiesSet();
  }

  /** A raw row and the head on it, as intake stored them before heads had source_last_updated. */
  void oldHead(String id, String meta) {
    long rawId = jdbc.queryForObject("SELECT nextval('raw_resource_raw_id_seq')", Long.class);
    String content =
        "{\"resourceType\":\"Observation\",\"id\":\""
            + id
            + "\""
            + (meta == null ? "" : ",\"meta\":" + meta)
            + "}";
    jdbc.update(
        "INSERT INTO raw_resource (raw_id, site_id, resource_type, resource_id, version_id, content_hash, content, channel)"
            + " VALUES (?, 'site-m', 'Observation', ?, '1', ?, ?::jsonb, 'http')",
        rawId,
        id,
        id.getBytes(StandardCharsets.UTF_8),
        content);
    jdbc.update(
        "INSERT INTO source_resource_head (site_id, resource_type, resource_id, raw_id, version_id, content_hash, outcome)"
            + " VALUES ('site-m', 'Observation', ?, ?, '1', ?, 'curated')",
        id,
        rawId,
        id.getBytes(StandardCharsets.UTF_8));
  }

  Instant headLastUpdated(String site, String id) {
    SourceKey key = new SourceKey(site, "Observation", id);
    return writer.findHeads(site, List.of(key)).get(key).lastUpdated();
  }

  @Test
  void migration_fillsExistingHeadsFromTheirRawMeta_andLeavesUnreadableValuesEmpty()
      throws Exception {
    // Back to the schema before the changeset, with heads stored then; then migrate again.
    jdbc.update("DELETE FROM databasechangelog WHERE id = ?", CHANGESET);
    jdbc.execute("ALTER TABLE source_resource_head DROP COLUMN source_last_updated");
    oldHead(
        "with-offset", "{\"versionId\":\"1\",\"lastUpdated\":\"2025-04-02T10:00:00.250+02:00\"}");
    oldHead("no-meta", null);
    oldHead("no-last-updated", "{\"versionId\":\"1\"}");
    oldHead("impossible-date", "{\"lastUpdated\":\"2025-02-30T10:00:00Z\"}");
    oldHead("not-a-time", "{\"lastUpdated\":\"now\"}");
    oldHead("no-offset", "{\"lastUpdated\":\"2025-04-02T10:00:00\"}");

    migrate();

    assertThat(headLastUpdated("site-m", "with-offset"))
        .isEqualTo(Instant.parse("2025-04-02T08:00:00.250Z"));
    assertThat(headLastUpdated("site-m", "no-meta")).isNull();
    assertThat(headLastUpdated("site-m", "no-last-updated")).isNull();
    assertThat(headLastUpdated("site-m", "impossible-date")).isNull();
    // Neither the server's clock nor its time zone may stand in for a source time.
    assertThat(headLastUpdated("site-m", "not-a-time")).isNull();
    assertThat(headLastUpdated("site-m", "no-offset")).isNull();
  }

  static RawResource raw(String id, String version, Instant lastUpdated, String hash) {
    return new RawResource(
        "site-a",
        "Observation",
        id,
        version,
        lastUpdated,
        hash.getBytes(StandardCharsets.UTF_8),
        "{\"resourceType\":\"Observation\",\"id\":\""
            + id
            + "\",\"meta\":{\"versionId\":\""
            + version
            + "\"}}",
        "http",
        "curated");
  }

  @Test
  void insertRaw_storesTheVersionsLastUpdatedOnTheHead() {
    Instant t = Instant.parse("2025-04-03T10:00:00Z");
    writer.insertRaw(
        List.of(raw("obs-1", "3", t, "h3"), raw("obs-2", null, null, "h0")),
        writer.allocateRawIds(2));
    SourceKey k1 = new SourceKey("site-a", "Observation", "obs-1");
    SourceKey k2 = new SourceKey("site-a", "Observation", "obs-2");
    Map<SourceKey, SourceHead> heads = writer.findHeads("site-a", List.of(k1, k2));
    assertThat(heads.get(k1).versionId()).isEqualTo("3");
    assertThat(heads.get(k1).lastUpdated()).isEqualTo(t);
    assertThat(heads.get(k2).versionId()).isNull();
    assertThat(heads.get(k2).lastUpdated()).isNull();
  }

  @Test
  void insertOlderVersions_appendsRawRowsOnly_andStoresAVersionOnce() {
    writer.insertRaw(List.of(raw("obs-old", "3", null, "h3")), writer.allocateRawIds(1));
    SourceKey key = new SourceKey("site-a", "Observation", "obs-old");
    long headRaw = writer.findHeads("site-a", List.of(key)).get(key).rawId();

    writer.insertOlderVersions(List.of(raw("obs-old", "1", null, "h1")), writer.allocateRawIds(1));
    // The same version again (a history re-sent), and a version without id: once each.
    writer.insertOlderVersions(
        List.of(
            raw("obs-old", "1", null, "h1"),
            raw("obs-old", null, null, "hx"),
            raw("obs-old", null, null, "hx")),
        writer.allocateRawIds(3));

    assertThat(
            jdbc.queryForList(
                "SELECT coalesce(version_id, '-') FROM raw_resource WHERE site_id = 'site-a' AND resource_id = 'obs-old'"
                    + " ORDER BY raw_id",
                String.class))
        .containsExactly("3", "1", "-");
    SourceHead head = writer.findHeads("site-a", List.of(key)).get(key);
    assertThat(head.rawId()).isEqualTo(headRaw);
    assertThat(head.versionId()).isEqualTo("3");
  }
}
