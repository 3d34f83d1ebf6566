package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.parser.IParser;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.ingest.demo.SyntheticCohortGenerator;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A large body is parsed and hashed one batch ahead on a reading thread while the batch before is
 * curated (issue 15): on the real pipeline and PostgreSQL, the same body taken in that way and
 * inline (batch after batch on the caller's thread) gives the same report and stores the same raw
 * versions, curated facts, heads and dead letters, including a resource whose versions arrive in
 * different batches (newest wins, a late older one is kept raw only) and lines that cannot be read.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadAheadIntakeIT extends IntegrationTestSupport {

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registerServer(registry, newDataDir("it-readahead-"));
    // small batches: a body of ~2,000 resources is ~10 of them, so reading and curating overlap
    registry.add("shockreg.intake.batch-size", () -> "200");
  }

  @Autowired IntakePipeline pipeline;
  @Autowired JdbcTemplate jdbc;

  /** The demo cohort's Milano records, with versions across batches and unreadable lines. */
  private byte[] body() {
    IParser parser = fhir.newJsonParser();
    List<String> lines = new ArrayList<>();
    List<Observation> observations = new ArrayList<>();
    new SyntheticCohortGenerator(20261206L)
        .generate(
            150,
            (site, resource) -> {
              if ("demo-milano".equals(site)) {
                lines.add(parser.encodeResourceToString(resource));
                if (resource instanceof Observation o && o.hasValueQuantity()) {
                  observations.add(o);
                }
              }
            });
    // One measurement sent again, newer (version 2, another value) far later in the body, and
    // its version 1 once more after that: the newer version wins, the late one is kept raw only.
    Observation again = observations.get(3).copy();
    again.getMeta().setVersionId("2");
    again
        .getValueQuantity()
        .setValue(again.getValueQuantity().getValue().add(java.math.BigDecimal.ONE));
    Observation late = observations.get(3).copy();
    late.getMeta().setVersionId("1");
    lines.add(lines.size() * 2 / 3, parser.encodeResourceToString(again));
    lines.add(parser.encodeResourceToString(late));
    lines.add(lines.size() / 3, "{\"resourceType\": \"Observation\", broken");
    lines.add(lines.size() / 2, "[\"not\", \"an object\"]");
    return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private IntakeReport ingest(String site, byte[] bytes, boolean inline, List<String> openedOn) {
    IntakeRequest.Body body =
        new IntakeRequest.Body() {
          @Override
          public InputStream open() {
            openedOn.add(Thread.currentThread().getName());
            return new ByteArrayInputStream(bytes);
          }

          @Override
          public long size() {
            // a size under the read-ahead threshold is read inline
            return inline ? 1 : bytes.length;
          }
        };
    return pipeline.ingest(
        new IntakeRequest(
            site, IntakeRequest.CHANNEL_HTTP, "read-ahead-it", NDJSON, "cohort.ndjson", body));
  }

  private List<Map<String, Object>> rows(String sql, String site) {
    return jdbc.queryForList(sql, site);
  }

  @Test
  void aLargeBodyReadAhead_isTakenInExactlyAsInline() {
    byte[] bytes = body();
    List<String> inlineThreads = new ArrayList<>();
    List<String> aheadThreads = new ArrayList<>();
    IntakeReport inline = ingest("readahead-inline", bytes, true, inlineThreads);
    IntakeReport ahead = ingest("readahead-ahead", bytes, false, aheadThreads);

    assertThat(inlineThreads).noneMatch(t -> t.startsWith("intake-read-"));
    assertThat(aheadThreads).anyMatch(t -> t.startsWith("intake-read-"));
    assertThat(ahead.received()).isGreaterThan(1_000);
    assertThat(ahead.rejected()).isEqualTo(2);
    assertThat(ahead.skipped()).isGreaterThanOrEqualTo(1);
    assertThat(ahead.toString()).isEqualTo(inline.toString());

    for (String sql :
        List.of(
            "SELECT resource_type, resource_id, version_id, encode(content_hash, 'hex') FROM raw_resource"
                + " WHERE site_id = ? ORDER BY raw_id",
            "SELECT resource_type, resource_id, version_id, encode(content_hash, 'hex'), outcome"
                + " FROM source_resource_head WHERE site_id = ?"
                + " ORDER BY resource_type, resource_id",
            "SELECT source_id, source_version, variable, status, effective_at, value, unit, codings"
                + " FROM measurement WHERE site_id = ? ORDER BY source_id, variable",
            "SELECT reason_code, resource_type, resource_id, convert_from(payload, 'UTF8')"
                + " FROM dead_letter WHERE site_id = ? ORDER BY dead_letter_id")) {
      List<Map<String, Object>> a = rows(sql, "readahead-ahead");
      List<Map<String, Object>> i = rows(sql, "readahead-inline");
      assertThat(a).as(sql).isNotEmpty();
      assertThat(a.toString()).as(sql).isEqualTo(i.toString());
    }
    // the value of the newer version, sent between the two version-1 copies, is the one curated
    Integer versions =
        jdbc.queryForObject(
            "SELECT count(*) FROM measurement WHERE site_id = 'readahead-ahead'"
                + " AND source_version = '2'",
            Integer.class);
    assertThat(versions).isGreaterThanOrEqualTo(1);
  }
}
