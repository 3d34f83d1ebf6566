package org.shockreg.registry.trial;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One randomized subject as the EDC exports read it: the curated patient id (the EDC's record id),
 * the assigned arm, the randomization time and one value per requested export source, in the order
 * requested. A value is null (nothing known), a {@link String}, {@link Integer}, {@link
 * java.math.BigDecimal}, {@link Boolean} or {@link Instant}.
 */
public record ExportRow(String patientId, String arm, Instant randomizedAt, List<Object> values) {

  public ExportRow {
    // values may hold nulls, so no List.copyOf
    values = Collections.unmodifiableList(new ArrayList<>(values));
  }
}
