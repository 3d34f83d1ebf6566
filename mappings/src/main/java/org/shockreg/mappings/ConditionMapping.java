package org.shockreg.mappings;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Condition;
import org.shockreg.registry.curated.DiagnosisFact;
import org.shockreg.registry.curated.SourceRef;
import org.shockreg.registry.curated.SourceTime;

/**
 * A source Condition becomes a diagnosis fact when its code falls in a diagnosis category of the
 * rules; a cardiogenic-shock diagnosis timed to the minute anchors an episode's hour windows.
 */
final class ConditionMapping {

  /** The diagnosis category whose time anchors a shock episode. */
  private static final String EPISODE_ANCHOR = "cardiogenic-shock";

  private ConditionMapping() {}

  static MappingOutcome map(Condition c, MappingContext ctx) throws MappingRejection {
    SourceRef source = ctx.source();
    String category =
        ctx.rules().diagnosisCategoryFor(source.siteId(), c.getCode().getCoding()).orElse(null);
    if (category == null) {
      return MappingOutcome.unmapped(SourceCodings.primaryCoding(c.getCode()));
    }
    String verification = SourceCodings.firstCode(c.getVerificationStatus());
    if ("entered-in-error".equals(verification) || "refuted".equals(verification)) {
      return MappingOutcome.retracted("verification status " + verification);
    }
    String patientId = ctx.patientIdFor(c.getSubject());
    SourceTime onset = null;
    if (c.hasOnsetDateTimeType()) {
      onset = ctx.times().time(c.getOnsetDateTimeType());
    } else if (c.hasOnsetPeriod()) {
      onset = ctx.times().time(c.getOnsetPeriod().getStartElement());
    }
    SourceTime recorded = ctx.times().time(c.getRecordedDateElement());
    SourceTime abated =
        c.hasAbatementDateTimeType() ? ctx.times().time(c.getAbatementDateTimeType()) : null;
    Set<String> flags = new LinkedHashSet<>();
    if (onset == null && recorded == null) {
      flags.add(MappingEngine.FLAG_NEEDS_REVIEW);
    } else if (EPISODE_ANCHOR.equals(category) && !momentOf(onset, recorded)) {
      // Shock diagnosis time anchors hour windows; a date alone opens no episode.
      flags.add(MappingEngine.FLAG_NEEDS_REVIEW);
    }
    String id =
        ctx.pseudonyms()
            .factId("Condition", source.siteId(), source.resourceType(), source.resourceId(), "");
    return MappingOutcome.curated(
        List.of(
            new DiagnosisFact(
                id,
                patientId,
                category,
                SourceCodings.firstCode(c.getClinicalStatus()),
                verification,
                SourceTime.at(onset),
                SourceTime.at(recorded),
                SourceTime.at(abated),
                SourceCodings.codings(c.getCode()),
                flags,
                source,
                SourceTime.precision(onset),
                SourceTime.precision(recorded),
                SourceTime.precision(abated))));
  }

  /**
   * Whether a diagnosis has a time to the minute for derivations (onset, else the recorded date
   * when it falls within a date-only onset; docs/derivations.md).
   */
  private static boolean momentOf(SourceTime onset, SourceTime recorded) {
    if (onset != null && !onset.isDate()) {
      return true;
    }
    return recorded != null
        && !recorded.isDate()
        && (onset == null || !recorded.at().isBefore(onset.at()));
  }
}
