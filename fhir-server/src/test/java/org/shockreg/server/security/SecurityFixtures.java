package org.shockreg.server.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * What the security ITs run against: static tokens of every role, an identity provider ({@link
 * TestJwks}) for JWTs, two studies ({@code altshock-2} and a local {@link #OTHER}) and four
 * patients with a shock episode and a measurement each: two subjects of altshock-2, one of the
 * other study, one of none. Rows are inserted directly (no intake, so no screening rewrites them).
 */
final class SecurityFixtures implements AutoCloseable {

  static final String SITE = "sec-site";
  static final String OTHER = "sec-other";
  static final String PA1 = "sec-pa1";
  static final String PA2 = "sec-pa2";
  static final String PO1 = "sec-po1";
  static final String PN1 = "sec-pn1";

  final String ADMIN;
  final String ANALYST;
  final String ANALYST2;
  final String INGEST;
  final String EDC;

  /** An analyst whose static token carries the scope system/Observation.rs. */
  final String OBSERVATIONS_ONLY;

  final Path dataDir;
  final TestJwks idp = new TestJwks();

  SecurityFixtures(String prefix) {
    ADMIN = prefix + "admin-0123456789";
    ANALYST = prefix + "analyst-0123456789";
    ANALYST2 = prefix + "analyst2-0123456789";
    INGEST = prefix + "ingest-0123456789";
    EDC = prefix + "edc-0123456789";
    OBSERVATIONS_ONLY = prefix + "obs-only-0123456789";
    try {
      Path target = Path.of("target");
      Files.createDirectories(target);
      dataDir = Files.createTempDirectory(target.toAbsolutePath(), prefix);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  void register(DynamicPropertyRegistry registry) throws IOException {
    Path studies = dataDir.resolve("studies");
    Files.createDirectories(studies);
    Files.writeString(
        studies.resolve(OTHER + ".yaml"),
        """
        id: sec-other
        title: Another trial, other sponsor
        status: active
        arms:
          - { code: a, name: A }
          - { code: b, name: B }
        export:
          - { name: sex, label: Sex, source: sex, type: text }
        """);
    TestDatabase.register(registry);
    registry.add("shockreg.data-dir", dataDir::toString);
    registry.add("shockreg.studies.dir", studies::toString);
    registry.add("shockreg.security.reload-interval", () -> "100ms");
    registry.add("shockreg.mllp.port", () -> "-1"); // several test contexts may be alive at once
    token(registry, 0, "sec-admin", ADMIN, "admin", null, null);
    token(registry, 1, "sec-analyst", ANALYST, "analyst", null, null);
    token(registry, 2, "sec-analyst-2", ANALYST2, "analyst", null, null);
    token(registry, 3, "sec-ingest", INGEST, "ingest", null, null);
    token(registry, 4, "sec-edc", EDC, "edc", "altshock-2", null);
    token(registry, 5, "sec-obs-only", OBSERVATIONS_ONLY, "analyst", null, "system/Observation.rs");
    registry.add("shockreg.security.jwt.jwk-set-uri", idp::jwkSetUri);
    registry.add("shockreg.security.jwt.issuer", () -> TestJwks.ISSUER);
    registry.add("shockreg.security.jwt.audience", () -> TestJwks.AUDIENCE);
  }

  private static void token(
      DynamicPropertyRegistry r,
      int i,
      String name,
      String token,
      String role,
      String studies,
      String scopes) {
    String p = "shockreg.security.tokens[" + i + "].";
    r.add(p + "name", () -> name);
    r.add(p + "token", () -> token);
    r.add(p + "role", () -> role);
    if (studies != null) {
      r.add(p + "studies", () -> studies);
    }
    if (scopes != null) {
      r.add(p + "scopes", () -> scopes);
    }
  }

  void insert(JdbcTemplate jdbc) {
    jdbc.update("INSERT INTO site (site_id, origin) VALUES (?, 'test')", SITE);
    patient(jdbc, PA1, "altshock-2");
    patient(jdbc, PA2, "altshock-2");
    patient(jdbc, PO1, OTHER);
    patient(jdbc, PN1, null);
  }

  private static void patient(JdbcTemplate jdbc, String id, String study) {
    jdbc.update(
        "INSERT INTO patient (patient_id, site_id, sex, birth_year) VALUES (?, ?, 'female', 1960)",
        id,
        SITE);
    jdbc.update(
        "INSERT INTO shock_episode (episode_id, patient_id, site_id, shock_diagnosis_at, age_at_diagnosis,"
            + " window_start, window_end) VALUES (?, ?, ?, '2025-03-01T06:00:00Z', 64,"
            + " '2025-02-28T06:00:00Z', '2025-03-10T06:00:00Z')",
        "sec-e-" + id,
        id,
        SITE);
    jdbc.update(
        "INSERT INTO measurement (observation_id, patient_id, site_id, variable, status, effective_at, value,"
            + " source_type, source_id) VALUES (?, ?, ?, 'lactate', 'final', '2025-03-01T06:30:00Z', 3.1,"
            + " 'Observation', ?)",
        "sec-m-" + id,
        id,
        SITE,
        "sec-m-" + id);
    if (study != null) {
      jdbc.update(
          "INSERT INTO research_subject (subject_id, study_id, patient_id, episode_id, status, screening_result,"
              + " criteria) VALUES (?, ?, ?, ?, 'potential-candidate', 'potential-candidate', '{}'::jsonb)",
          "sec-rs-" + id,
          study,
          id,
          "sec-e-" + id);
    }
  }

  @Override
  public void close() {
    idp.close();
  }
}
