package org.shockreg.server.terminology;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.shockreg.mappings.MappingEngine;

/**
 * The fixed codes file holds every flag intake sets, and the tables in the order they are served.
 */
class FixedCodesTest {

  @Test
  void dataFlags_holdEveryFlagIntakeSets_andDerived() {
    assertThat(FixedCodes.DATA_FLAGS.keySet())
        .containsExactly(
            MappingEngine.FLAG_IMPLAUSIBLE,
            MappingEngine.FLAG_UNIT_ASSUMED,
            MappingEngine.FLAG_PRELIMINARY,
            "derived",
            MappingEngine.FLAG_NEEDS_REVIEW);
  }

  @Test
  void tables_keepTheFilesOrder() {
    assertThat(FixedCodes.SCAI_STAGES.keySet()).containsExactly("A", "B", "C", "D", "E");
    assertThat(FixedCodes.ETIOLOGIES.keySet()).containsExactly("ami-cs", "hf-cs", "other");
    assertThat(FixedCodes.DERIVED_VARIABLES)
        .hasSize(11)
        .containsEntry("scai-stage", "SCAI shock stage");
    assertThat(FixedCodes.CRITERION_STATUSES.keySet()).containsExactly("met", "not-met", "unknown");
  }
}
