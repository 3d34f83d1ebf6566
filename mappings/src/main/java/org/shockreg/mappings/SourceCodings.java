package org.shockreg.mappings;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.shockreg.registry.curated.Coding;

/** How a source CodeableConcept is carried into curated facts and into the unmapped-code report. */
final class SourceCodings {

  private SourceCodings() {}

  /** The code an unmapped resource is reported under: its first coding, else its text. */
  static List<Coding> primaryCoding(CodeableConcept code) {
    if (!code.hasCoding()) {
      return List.of(new Coding("", code.hasText() ? "text:" + code.getText() : "(no code)", null));
    }
    org.hl7.fhir.r4.model.Coding c = code.getCodingFirstRep();
    // A coding with a system but no code is still listed (the report's code is never null).
    return List.of(
        new Coding(
            c.getSystem() == null ? "" : c.getSystem(),
            c.getCode() == null ? "(no code)" : c.getCode(),
            c.getDisplay()));
  }

  /** All codings as sent. */
  static List<Coding> codings(CodeableConcept code) {
    List<Coding> out = new ArrayList<>(code.getCoding().size());
    for (org.hl7.fhir.r4.model.Coding c : code.getCoding()) {
      out.add(new Coding(c.getSystem(), c.getCode(), c.getDisplay()));
    }
    return out;
  }

  static String firstCode(CodeableConcept cc) {
    return cc != null && cc.hasCoding() ? cc.getCodingFirstRep().getCode() : null;
  }
}
