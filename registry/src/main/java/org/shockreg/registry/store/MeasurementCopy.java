package org.shockreg.registry.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.shockreg.registry.curated.MeasurementFact;
import org.shockreg.registry.curated.TimePrecision;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * New measurements in one COPY. Why: a source resource's first version cannot have facts yet, so
 * its measurements need no upsert; COPY spares the per-row speculative insertion and statement
 * handling of INSERT ... ON CONFLICT. Should a fact exist after all, nothing is copied and the
 * caller upserts as before.
 */
final class MeasurementCopy {

  private MeasurementCopy() {}

  /** Returns false when nothing was copied (a fact existed, or no COPY): upsert them instead. */
  static boolean copy(JdbcTemplate jdbc, ObjectMapper json, List<MeasurementFact> facts) {
    CopyRows rows = new CopyRows();
    for (MeasurementFact m : facts) {
      rows.text(m.observationId())
          .text(m.patientId())
          .text(m.source().siteId())
          .text(m.variable())
          .text(m.status())
          .instant(m.effectiveAt())
          .decimal(m.value())
          .text(m.unit())
          .text(m.comparator())
          .decimal(m.rangeLow())
          .decimal(m.rangeHigh())
          .decimal(m.originalValue())
          .text(m.originalUnit())
          .text(m.originalComparator())
          .text(codings(json, m))
          // Sorted, as the upsert stores them.
          .textArray(m.flags() == null ? Set.of() : new TreeSet<>(m.flags()))
          .text(m.source().resourceType())
          .text(m.source().resourceId())
          .text(m.source().versionId())
          .number(m.source().rawId())
          .text(TimePrecision.column(m.effectivePrecision()))
          .endRow();
    }
    return rows.copyUnlessDuplicate(
            jdbc,
            "measurement (observation_id, patient_id, site_id, variable, status, effective_at, value,"
                + " unit, comparator, range_low, range_high, original_value, original_unit,"
                + " original_comparator, codings, flags, source_type, source_id, source_version,"
                + " raw_id, effective_precision)")
        == CopyRows.Outcome.COPIED;
  }

  private static String codings(ObjectMapper json, MeasurementFact m) {
    try {
      return json.writeValueAsString(m.codings() == null ? List.of() : m.codings());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("codings not serialisable", e);
    }
  }
}
