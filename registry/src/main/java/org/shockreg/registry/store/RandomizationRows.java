package org.shockreg.registry.store;

import static org.shockreg.registry.store.FactColumns.precision;
import static org.shockreg.registry.store.FactColumns.setSource;
import static org.shockreg.registry.store.FactColumns.texts;
import static org.shockreg.registry.store.FactColumns.ts;
import static org.shockreg.registry.store.FactStatements.batchUpsert;

import java.util.List;
import org.shockreg.registry.curated.RandomizationFact;
import org.springframework.jdbc.core.JdbcTemplate;

/** The randomization table: randomizations curated from source ResearchSubjects. */
final class RandomizationRows {

  private RandomizationRows() {}

  /** A newer version of the source ResearchSubject replaces arm and time. */
  static void upsert(JdbcTemplate jdbc, List<RandomizationFact> facts) {
    batchUpsert(
        jdbc,
        "INSERT INTO randomization (randomization_id, study_id, patient_id, arm, randomized_at, origin,"
            + " site_id, source_type, source_id, source_version, raw_id, randomized_precision)"
            + " VALUES (?, ?, ?, ?, ?, 'intake', ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (randomization_id) DO UPDATE SET study_id = EXCLUDED.study_id,"
            + " patient_id = EXCLUDED.patient_id, arm = EXCLUDED.arm, randomized_at = EXCLUDED.randomized_at,"
            + " randomized_precision = EXCLUDED.randomized_precision,"
            + " source_version = EXCLUDED.source_version, raw_id = EXCLUDED.raw_id",
        facts,
        (ps, r) -> {
          texts(ps, 1, r.randomizationId(), r.studyId(), r.patientId(), r.arm());
          ps.setTimestamp(5, ts(r.randomizedAt()));
          ps.setString(6, r.source().siteId());
          setSource(ps, 7, r.source());
          precision(ps, 11, r.randomizedPrecision());
        });
  }
}
