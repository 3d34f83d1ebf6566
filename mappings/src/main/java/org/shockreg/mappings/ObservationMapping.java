package org.shockreg.mappings;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationComponentComponent;
import org.hl7.fhir.r4.model.Type;
import org.shockreg.mappings.ObservationValues.RawValue;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.RuleSet.VariableMatch;
import org.shockreg.mappings.units.UnitConversionException;
import org.shockreg.mappings.units.UnitConverter;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.CuratedFact;
import org.shockreg.registry.curated.MeasurementFact;
import org.shockreg.registry.curated.SourceRef;
import org.shockreg.registry.curated.SourceTime;

/**
 * A source Observation (or each component of a panel) becomes a measurement of a registry variable:
 * matched by the rules' codes, converted to the variable's registry unit and flagged (preliminary,
 * unit assumed, implausible, needs review).
 */
final class ObservationMapping {

  private static final int CONVERTED_SCALE = 4;

  private ObservationMapping() {}

  static MappingOutcome map(Observation o, MappingContext ctx) throws MappingRejection {
    Optional<VariableMatch> top = firstMatch(o.getCode(), ctx);
    List<ObservationComponentComponent> matchedComponents = new ArrayList<>();
    for (ObservationComponentComponent c : o.getComponent()) {
      if (firstMatch(c.getCode(), ctx).isPresent()) {
        matchedComponents.add(c);
      }
    }
    if (top.isEmpty() && matchedComponents.isEmpty()) {
      return MappingOutcome.unmapped(unmappedCodes(o, ctx.rules()));
    }
    Observation.ObservationStatus status = o.getStatus();
    if (status == Observation.ObservationStatus.ENTEREDINERROR
        || status == Observation.ObservationStatus.CANCELLED) {
      return MappingOutcome.retracted("status " + status.toCode());
    }
    if (status != Observation.ObservationStatus.FINAL
        && status != Observation.ObservationStatus.AMENDED
        && status != Observation.ObservationStatus.CORRECTED
        && status != Observation.ObservationStatus.PRELIMINARY) {
      return MappingOutcome.skipped(
          "status " + (status == null ? "missing" : status.toCode()) + " is not curated");
    }
    String patientId = ctx.patientIdFor(o.getSubject());
    SourceTime effective = effectiveTime(o, ctx.times());
    Set<String> baseFlags = new LinkedHashSet<>();
    if (status == Observation.ObservationStatus.PRELIMINARY) {
      baseFlags.add(MappingEngine.FLAG_PRELIMINARY);
    }
    // Only a date: kept, but no moment for hour windows (docs/derivations.md).
    if (effective == null || effective.isDate()) {
      baseFlags.add(MappingEngine.FLAG_NEEDS_REVIEW);
    }
    String curatedStatus = status.toCode();

    List<CuratedFact> facts = new ArrayList<>();
    Set<String> variablesDone = new LinkedHashSet<>();
    if (top.isPresent() && o.hasValue()) {
      facts.add(
          measurement(
              top.get(),
              o.getCode(),
              o.getValue(),
              patientId,
              curatedStatus,
              effective,
              baseFlags,
              ctx));
      variablesDone.add(top.get().rule().variable());
    }
    for (ObservationComponentComponent c : matchedComponents) {
      VariableMatch m = firstMatch(c.getCode(), ctx).orElseThrow();
      if (!c.hasValue() || !variablesDone.add(m.rule().variable())) {
        continue;
      }
      facts.add(
          measurement(
              m, c.getCode(), c.getValue(), patientId, curatedStatus, effective, baseFlags, ctx));
    }
    if (facts.isEmpty()) {
      return MappingOutcome.skipped("no value (data absent)");
    }
    return MappingOutcome.curated(facts);
  }

  private static SourceTime effectiveTime(Observation o, FhirTimes times) {
    if (o.hasEffectiveDateTimeType()) {
      return times.time(o.getEffectiveDateTimeType());
    }
    if (o.hasEffectivePeriod() && o.getEffectivePeriod().hasStartElement()) {
      return times.time(o.getEffectivePeriod().getStartElement());
    }
    if (o.hasEffectiveInstantType()) {
      return times.time(o.getEffectiveInstantType());
    }
    if (o.hasIssuedElement()) {
      return times.time(o.getIssuedElement());
    }
    return null;
  }

  /** The site's own rules first, then the built-in ones. */
  private static Optional<VariableMatch> firstMatch(CodeableConcept code, MappingContext ctx) {
    return ctx.rules().variableFor(ctx.source().siteId(), code.getCoding());
  }

  private static MeasurementFact measurement(
      VariableMatch match,
      CodeableConcept code,
      Type value,
      String patientId,
      String status,
      SourceTime effective,
      Set<String> baseFlags,
      MappingContext ctx)
      throws MappingRejection {
    VariableRule rule = match.rule();
    UnitConverter units = ctx.units();
    SourceRef source = ctx.source();
    Set<String> flags = new LinkedHashSet<>(baseFlags);
    RawValue sent = ObservationValues.rawValue(rule, value);

    String registryUnit = rule.unit();
    String fromUcum;
    boolean siteUnit =
        (sent.unit() == null || sent.unit().isBlank())
            && match.declaredBySite()
            && match.source().unit() != null;
    // The site's mapping file says which unit this local code comes in.
    RawValue raw =
        siteUnit
            ? new RawValue(
                sent.value(), sent.comparator(), sent.low(), sent.high(), match.source().unit())
            : sent;
    if (siteUnit) {
      flags.add(MappingEngine.FLAG_UNIT_ASSUMED);
    }
    if (raw.unit() == null || raw.unit().isBlank()) {
      if (!Boolean.TRUE.equals(rule.assumeUnitWhenMissing())) {
        throw new MappingRejection(
            "missing-unit", rule.variable() + " value has no unit and none can be assumed");
      }
      fromUcum = registryUnit;
      flags.add(MappingEngine.FLAG_UNIT_ASSUMED);
    } else {
      fromUcum =
          units
              .toUcum(raw.unit())
              .orElseThrow(
                  () ->
                      new MappingRejection(
                          "unknown-unit",
                          rule.variable()
                              + " unit '"
                              + abbreviate(raw.unit())
                              + "' is not a UCUM unit"));
    }
    boolean converted = !fromUcum.equals(registryUnit);
    boolean massMolar = converted && !units.commensurable(fromUcum, registryUnit);
    BigDecimal v = convert(units, raw.value(), fromUcum, rule, converted);
    BigDecimal low = convert(units, raw.low(), fromUcum, rule, converted);
    BigDecimal high = convert(units, raw.high(), fromUcum, rule, converted);

    if (v != null && rule.plausible() != null) {
      if ((rule.plausible().low() != null && v.compareTo(rule.plausible().low()) < 0)
          || (rule.plausible().high() != null && v.compareTo(rule.plausible().high()) > 0)) {
        flags.add(MappingEngine.FLAG_IMPLAUSIBLE);
      }
    }
    List<Coding> codings = sourceCodings(code, massMolar ? match.source() : null);
    String id =
        ctx.pseudonyms()
            .factId(
                "Observation",
                source.siteId(),
                source.resourceType(),
                source.resourceId(),
                rule.variable());
    return new MeasurementFact(
        id,
        patientId,
        rule.variable(),
        status,
        SourceTime.at(effective),
        v,
        registryUnit,
        raw.comparator(),
        low,
        high,
        converted ? raw.value() : null,
        converted ? raw.unit() : null,
        converted ? raw.comparator() : null,
        codings,
        flags,
        source,
        SourceTime.precision(effective));
  }

  private static BigDecimal convert(
      UnitConverter units, BigDecimal value, String fromUcum, VariableRule rule, boolean converted)
      throws MappingRejection {
    if (value == null || !converted) {
      return value;
    }
    try {
      BigDecimal v = units.convert(value, fromUcum, rule.unit(), rule.molarMass());
      return v.setScale(CONVERTED_SCALE, RoundingMode.HALF_UP).stripTrailingZeros();
    } catch (UnitConversionException e) {
      throw new MappingRejection("unconvertible-unit", rule.variable() + ": " + e.getMessage());
    }
  }

  /** A source value quoted in a reason, cut (a fuzzed unit can be a megabyte long). */
  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "\u2026";
  }

  /**
   * The source codings; where a mass/molar conversion happened the LOINC twin replaces the code.
   */
  private static List<Coding> sourceCodings(CodeableConcept code, CodeRef convertedFrom) {
    List<Coding> out = new ArrayList<>(code.getCoding().size());
    for (org.hl7.fhir.r4.model.Coding c : code.getCoding()) {
      if (convertedFrom != null
          && convertedFrom.twin() != null
          && convertedFrom.code().equals(c.getCode())
          && convertedFrom.system().equals(c.getSystem())) {
        out.add(new Coding(c.getSystem(), convertedFrom.twin(), null));
      } else {
        out.add(new Coding(c.getSystem(), c.getCode(), c.getDisplay()));
      }
    }
    return out;
  }

  /** For a known panel, its components are what is unmapped, not the panel code. */
  private static List<Coding> unmappedCodes(Observation o, RuleSet rules) {
    org.hl7.fhir.r4.model.Coding first = o.getCode().getCodingFirstRep();
    if (o.hasComponent() && rules.isPanel(first.getSystem(), first.getCode())) {
      List<Coding> out = new ArrayList<>();
      for (ObservationComponentComponent c : o.getComponent()) {
        out.addAll(SourceCodings.primaryCoding(c.getCode()));
      }
      return out;
    }
    return SourceCodings.primaryCoding(o.getCode());
  }
}
