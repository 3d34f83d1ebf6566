package org.shockreg.server.edc;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.trial.ExportRow;

/** Study definitions and export rows for the unit tests (no database). */
final class EdcFixtures {

  private EdcFixtures() {}

  static StudyDefinition altshock2() {
    return StudyCatalog.load(null).studies().get("altshock-2");
  }

  /** A row with a plausible value for every source of the layout (va-ecmo: none). */
  static ExportRow row(EdcLayout layout, String patientId, String arm) {
    List<Object> values = new ArrayList<>();
    for (String source : layout.sources()) {
      values.add(
          switch (source) {
            case "screening-result" -> "potential-candidate";
            case "age" -> 64;
            case "sex" -> "female";
            case "etiology" -> "hf-cs";
            case "hf-cs-ischemic" -> Boolean.TRUE;
            case "shock-diagnosis-time" -> Instant.parse("2025-03-01T06:00:00Z");
            case "cicu-arrival-time" -> Instant.parse("2025-03-01T04:00:00.250Z");
            case "scai-worst-24h" -> "C";
            case "baseline:lvef" -> new BigDecimal("20.0");
            case "baseline:lactate" -> new BigDecimal("3.10");
            case "baseline:sbp" -> new BigDecimal("80");
            case "device-start:iabp" -> Instant.parse("2025-03-01T07:00:00Z");
            case "hours-diagnosis-to-randomization" -> new BigDecimal("0.5000000000");
            case "escalation" -> Boolean.FALSE;
            case "deviations" -> "late-iabp;comma, and \"quote\"";
            case "primary-endpoint" -> "success";
            default -> source.startsWith("criterion:") ? "met" : null;
          });
    }
    return new ExportRow(patientId, arm, Instant.parse("2025-03-01T06:30:00Z"), values);
  }
}
