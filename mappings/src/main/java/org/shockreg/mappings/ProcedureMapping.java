package org.shockreg.mappings;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Procedure;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.RuleSet.CompiledOverride;
import org.shockreg.mappings.rules.RuleSet.DeviceMatch;
import org.shockreg.registry.curated.DeviceRemovalFact;
import org.shockreg.registry.curated.DeviceTherapyFact;
import org.shockreg.registry.curated.SourceRef;
import org.shockreg.registry.curated.SourceTime;

/**
 * A source Procedure becomes a device therapy (MCS device insertion, e.g. Impella, VA-ECMO) or a
 * device removal that closes one, by the device codes of the rules.
 */
final class ProcedureMapping {

  private ProcedureMapping() {}

  static MappingOutcome map(Procedure p, MappingContext ctx) throws MappingRejection {
    RuleSet rules = ctx.rules();
    SourceRef source = ctx.source();
    DeviceMatch match = rules.deviceFor(source.siteId(), p.getCode().getCoding()).orElse(null);
    if (match == null) {
      return MappingOutcome.unmapped(SourceCodings.primaryCoding(p.getCode()));
    }
    Procedure.ProcedureStatus status = p.getStatus();
    if (status == Procedure.ProcedureStatus.ENTEREDINERROR
        || status == Procedure.ProcedureStatus.NOTDONE) {
      return MappingOutcome.retracted("status " + status.toCode());
    }
    if (status != Procedure.ProcedureStatus.COMPLETED
        && status != Procedure.ProcedureStatus.INPROGRESS
        && status != Procedure.ProcedureStatus.STOPPED) {
      return MappingOutcome.skipped(
          "status " + (status == null ? "missing" : status.toCode()) + " is not curated");
    }
    String patientId = ctx.patientIdFor(p.getSubject());
    SourceTime start = null;
    SourceTime end = null;
    SourceTime performedAt = null;
    if (p.hasPerformedPeriod()) {
      start = ctx.times().time(p.getPerformedPeriod().getStartElement());
      end = ctx.times().time(p.getPerformedPeriod().getEndElement());
    } else if (p.hasPerformedDateTimeType()) {
      performedAt = ctx.times().time(p.getPerformedDateTimeType());
      start = performedAt;
    }
    DeviceRule rule = match.rule();
    if (match.removal()) {
      SourceTime removedAt = end != null ? end : start;
      if (removedAt == null) {
        throw new MappingRejection(
            "missing-time",
            rule.device() + " removal has no performed time to close a therapy with");
      }
      return MappingOutcome.curated(
          List.of(
              new DeviceRemovalFact(
                  patientId, rule.device(), removedAt.at(), source, removedAt.precision())));
    }
    String device = applyTextOverrides(rules, rule.device(), p.getCode());
    Set<String> flags = new LinkedHashSet<>();
    DeviceRule effectiveRule = rules.devices().getOrDefault(device, rule);
    if (effectiveRule.flags() != null) {
      flags.addAll(effectiveRule.flags());
    }
    if (start == null || start.isDate()) {
      flags.add(MappingEngine.FLAG_NEEDS_REVIEW);
    }
    String id =
        ctx.pseudonyms()
            .factId("Procedure", source.siteId(), source.resourceType(), source.resourceId(), "");
    return MappingOutcome.curated(
        List.of(
            new DeviceTherapyFact(
                id,
                patientId,
                device,
                status.toCode(),
                SourceTime.at(start),
                SourceTime.at(end),
                SourceTime.at(performedAt),
                SourceCodings.codings(p.getCode()),
                flags,
                source,
                SourceTime.precision(start),
                SourceTime.precision(end),
                SourceTime.precision(performedAt))));
  }

  /** A more specific device named in the procedure's text or displays (rules' text overrides). */
  private static String applyTextOverrides(RuleSet rules, String device, CodeableConcept code) {
    List<CompiledOverride> overrides = rules.textOverrides(device);
    if (overrides.isEmpty()) {
      return device;
    }
    StringBuilder text = new StringBuilder(code.hasText() ? code.getText() : "");
    for (org.hl7.fhir.r4.model.Coding c : code.getCoding()) {
      if (c.hasDisplay()) {
        text.append(' ').append(c.getDisplay());
      }
    }
    for (CompiledOverride o : overrides) {
      if (o.pattern().matcher(text).find()) {
        return o.device();
      }
    }
    return device;
  }
}
