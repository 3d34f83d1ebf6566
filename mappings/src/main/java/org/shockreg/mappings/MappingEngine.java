package org.shockreg.mappings;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationComponentComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Type;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.RuleSet.CompiledOverride;
import org.shockreg.mappings.rules.RuleSet.DeviceMatch;
import org.shockreg.mappings.rules.RuleSet.VariableMatch;
import org.shockreg.mappings.units.UnitConversionException;
import org.shockreg.mappings.units.UnitConverter;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.CuratedFact;
import org.shockreg.registry.curated.CuratedFact.DeviceRemovalFact;
import org.shockreg.registry.curated.CuratedFact.DeviceTherapyFact;
import org.shockreg.registry.curated.CuratedFact.DiagnosisFact;
import org.shockreg.registry.curated.CuratedFact.EncounterFact;
import org.shockreg.registry.curated.CuratedFact.MeasurementFact;
import org.shockreg.registry.curated.CuratedFact.PatientFact;
import org.shockreg.registry.curated.SourceRef;
import org.shockreg.registry.curated.SourceTime;
import org.shockreg.registry.curated.TimePrecision;

/**
 * Turns one source FHIR resource into curated facts by the active {@link RuleSet}. The engine
 * holds no code lists of its own: every code, unit and range comes from the rule files. Pure and
 * thread-safe; the pipeline owns storage.
 */
public final class MappingEngine {

  /** The resource types the engine curates; anything else is not registry data. */
  public static final Set<String> CURATED_TYPES =
      Set.of("Patient", "Observation", "Procedure", "Condition", "Encounter", "ResearchSubject");

  public static final String FLAG_IMPLAUSIBLE = "implausible";
  public static final String FLAG_UNIT_ASSUMED = "unit-assumed";
  public static final String FLAG_PRELIMINARY = "preliminary";
  public static final String FLAG_NEEDS_REVIEW = "needs-review";

  private static final String UCUM = "http://unitsofmeasure.org";
  private static final Pattern NUMBER =
      Pattern.compile("(<=|>=|<|>|\u2264|\u2265)?\\s*(\\d+(?:[.,]\\d+)?)");
  private static final int CONVERTED_SCALE = 4;

  private volatile RuleSet rules;
  private volatile UnitConverter units;
  private final Pseudonymizer pseudonyms;
  private volatile String sharedIdentifierSystem;
  private volatile org.shockreg.registry.study.StudyCatalog studies;

  public MappingEngine(RuleSet rules, Pseudonymizer pseudonyms) {
    this.rules = rules;
    this.units = new UnitConverter(rules.unitAliases());
    this.pseudonyms = pseudonyms;
  }

  public RuleSet rules() {
    return rules;
  }

  public Pseudonymizer pseudonyms() {
    return pseudonyms;
  }

  /** Links patients across sites by this identifier system (null or blank: no linkage). */
  public void linkPatientsBy(String system) {
    this.sharedIdentifierSystem = system == null || system.isBlank() ? null : system.trim();
  }

  /** Accepts randomizations (source ResearchSubjects) for these studies. */
  public void acceptStudies(org.shockreg.registry.study.StudyCatalog catalog) {
    this.studies = catalog;
  }

  private MappingOutcome mapResearchSubject(
      org.hl7.fhir.r4.model.ResearchSubject subject, SourceRef source, SourcePatientResolver patients)
      throws MappingRejection {
    org.shockreg.registry.study.StudyCatalog catalog = studies;
    if (catalog == null) {
      return MappingOutcome.skipped("no studies configured");
    }
    return RandomizationMapping.map(
        subject, source, catalog, individual -> patientIdFor(individual, source, patients), pseudonyms,
        times(source));
  }

  /** How the site's times without an offset are read (its time zone, else UTC). */
  private FhirTimes times(SourceRef source) {
    return FhirTimes.in(rules.timeZone(source.siteId()));
  }

  public boolean linksPatients() {
    return sharedIdentifierSystem != null;
  }

  /**
   * The curated id of a site's Patient: the cross-site pseudonym when it carries the shared
   * identifier, else the pseudonym of its record number (identifier typed MR, else its first
   * identifier), else that of its logical id (data-dictionary.md §5: site and source patient
   * identifier).
   */
  public String curatedPatientId(String siteId, String logicalId, List<String[]> identifiers) {
    String linked = linkedPatientId(identifiers);
    if (linked != null) {
      return linked;
    }
    for (String[] i : identifiers) {
      if (i[1] != null && !i[1].isBlank()) {
        return pseudonyms.patientIdByIdentifier(siteId, i[0], i[1].trim());
      }
    }
    return logicalId == null ? null : pseudonyms.patientId(siteId, logicalId);
  }

  /** The cross-site pseudonym for these identifiers ({system, value}), or null. */
  public String linkedPatientId(Iterable<String[]> identifiers) {
    String system = sharedIdentifierSystem;
    if (system == null) {
      return null;
    }
    for (String[] i : identifiers) {
      if (system.equals(i[0]) && i[1] != null && !i[1].isBlank()) {
        return pseudonyms.linkedPatientId(system, i[1].trim());
      }
    }
    return null;
  }

  /**
   * Swaps in a new rule set (e.g. after a site mapping file changed): resources mapped after the
   * swap see only the new rules.
   */
  public synchronized void reload(RuleSet newRules) {
    this.units = new UnitConverter(newRules.unitAliases());
    this.rules = newRules;
  }

  public MappingOutcome map(Resource resource, SourceRef source, SourcePatientResolver patients) {
    try {
      return switch (resource.fhirType()) {
        case "Patient" -> mapPatient((Patient) resource, source, patients);
        case "Observation" -> mapObservation((Observation) resource, source, patients);
        case "Procedure" -> mapProcedure((Procedure) resource, source, patients);
        case "Condition" -> mapCondition((Condition) resource, source, patients);
        case "Encounter" -> mapEncounter((Encounter) resource, source, patients);
        case "ResearchSubject" -> mapResearchSubject((org.hl7.fhir.r4.model.ResearchSubject) resource, source, patients);
        default -> MappingOutcome.skipped("resource type not curated");
      };
    } catch (MappingRejection r) {
      return MappingOutcome.rejected(r.reasonCode(), r.getMessage());
    }
  }

  // ---- Patient -------------------------------------------------------------------------------

  private MappingOutcome mapPatient(Patient p, SourceRef source, SourcePatientResolver patients)
      throws MappingRejection {
    String sourceId = p.getIdElement().getIdPart();
    if (sourceId == null) {
      throw new MappingRejection("missing-id", "Patient has no id");
    }
    String sex =
        // a code sent as extensions only: hasGender() is true, getGender() null
        p.getGender() != null && p.getGender() != AdministrativeGender.NULL
            ? p.getGender().toCode()
            : null;
    Integer birthYear =
        p.hasBirthDateElement() && p.getBirthDateElement().getYear() != null
            ? p.getBirthDateElement().getYear()
            : null;
    Boolean deceased = null;
    SourceTime deceasedAt = null;
    if (p.hasDeceasedDateTimeType()) {
      deceased = true;
      deceasedAt = times(source).time(p.getDeceasedDateTimeType());
    } else if (p.hasDeceasedBooleanType()) {
      deceased = p.getDeceasedBooleanType().booleanValue();
    }
    // Facts that arrived before their Patient were filed under the logical id's pseudonym.
    String byLogicalId = pseudonyms.patientId(source.siteId(), sourceId);
    List<String[]> identifiers = identifiers(p);
    // A patient already curated keeps its id when it gains or changes identifiers; only a shared
    // (cross-site) identifier moves it, merging into the linked patient.
    String existing = patients.curatedPatientId(source.siteId(), sourceId);
    String linked = linkedPatientId(identifiers);
    String patientId =
        linked != null ? linked : existing != null ? existing : curatedPatientId(source.siteId(), sourceId, identifiers);
    return MappingOutcome.curated(
        List.of(
            new PatientFact(
                patientId, source.siteId(), sourceId, sex, birthYear, fullBirthDate(p), deceased,
                SourceTime.at(deceasedAt), patientId.equals(byLogicalId) ? null : byLogicalId, source,
                SourceTime.precision(deceasedAt))));
  }

  /** {system, value} of a Patient's identifiers in {@link #identifierOrder}. */
  public static List<String[]> identifiers(Patient p) {
    List<String[]> records = new java.util.ArrayList<>();
    List<String[]> others = new java.util.ArrayList<>();
    for (org.hl7.fhir.r4.model.Identifier i : p.getIdentifier()) {
      if (!i.hasValue()) {
        continue;
      }
      boolean mrn =
          i.hasType() && i.getType().getCoding().stream().anyMatch(c -> "MR".equals(c.getCode()));
      (mrn ? records : others).add(new String[] {i.getSystem(), i.getValue()});
    }
    return identifierOrder(records, others);
  }

  /**
   * The order a patient's identifiers are considered in, independent of how the source listed
   * them: record numbers (type MR) first, each group by system then value. A re-sent Patient with
   * its identifiers reordered keeps its pseudonym.
   */
  public static List<String[]> identifierOrder(List<String[]> recordNumbers, List<String[]> others) {
    java.util.Comparator<String[]> bySystemValue =
        java.util.Comparator.<String[], String>comparing(i -> i[0] == null ? "" : i[0]).thenComparing(i -> i[1]);
    List<String[]> out = new java.util.ArrayList<>(recordNumbers);
    out.sort(bySystemValue);
    List<String[]> rest = new java.util.ArrayList<>(others);
    rest.sort(bySystemValue);
    out.addAll(rest);
    return out;
  }

  /** The birth date when sent to the day; it stays hospital-side (age at shock diagnosis). */
  private static java.time.LocalDate fullBirthDate(Patient p) {
    if (!p.hasBirthDateElement()
        || p.getBirthDateElement().getPrecision() != ca.uhn.fhir.model.api.TemporalPrecisionEnum.DAY) {
      return null;
    }
    // From the parsed fields: the text as sent may not be ISO (HAPI accepts " 2025-01-01 ").
    org.hl7.fhir.r4.model.DateType d = p.getBirthDateElement();
    if (d.getValue() == null) {
      return null;
    }
    return java.time.LocalDate.of(d.getYear(), d.getMonth() + 1, d.getDay());
  }

  private String patientIdFor(Reference subject, SourceRef source, SourcePatientResolver patients)
      throws MappingRejection {
    String sourcePatient = patients.sourcePatientId(subject);
    if (sourcePatient == null) {
      throw new MappingRejection(
          "unresolved-subject",
          source.resourceType()
              + " subject '"
              + (subject == null ? "" : subject.getReference())
              + "' does not resolve to a Patient");
    }
    String known = patients.curatedPatientId(source.siteId(), sourcePatient);
    return known != null ? known : pseudonyms.patientId(source.siteId(), sourcePatient);
  }

  // ---- Observation -> measurements ----------------------------------------------------------

  private MappingOutcome mapObservation(Observation o, SourceRef source, SourcePatientResolver patients)
      throws MappingRejection {
    Optional<VariableMatch> top = firstMatch(o.getCode(), source);
    List<ObservationComponentComponent> matchedComponents = new ArrayList<>();
    for (ObservationComponentComponent c : o.getComponent()) {
      if (firstMatch(c.getCode(), source).isPresent()) {
        matchedComponents.add(c);
      }
    }
    if (top.isEmpty() && matchedComponents.isEmpty()) {
      return MappingOutcome.unmapped(unmappedCodes(o));
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
    String patientId = patientIdFor(o.getSubject(), source, patients);
    SourceTime effective = effectiveTime(o, times(source));
    Set<String> baseFlags = new LinkedHashSet<>();
    if (status == Observation.ObservationStatus.PRELIMINARY) {
      baseFlags.add(FLAG_PRELIMINARY);
    }
    // Only a date: kept, but no moment for hour windows (docs/derivations.md).
    if (effective == null || effective.isDate()) {
      baseFlags.add(FLAG_NEEDS_REVIEW);
    }
    String curatedStatus = status.toCode();

    List<CuratedFact> facts = new ArrayList<>();
    Set<String> variablesDone = new LinkedHashSet<>();
    if (top.isPresent() && o.hasValue()) {
      facts.add(
          measurement(
              top.get(), o.getCode(), o.getValue(), patientId, curatedStatus, effective, baseFlags, source));
      variablesDone.add(top.get().rule().variable());
    }
    for (ObservationComponentComponent c : matchedComponents) {
      VariableMatch m = firstMatch(c.getCode(), source).orElseThrow();
      if (!c.hasValue() || !variablesDone.add(m.rule().variable())) {
        continue;
      }
      facts.add(
          measurement(m, c.getCode(), c.getValue(), patientId, curatedStatus, effective, baseFlags, source));
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
  private Optional<VariableMatch> firstMatch(CodeableConcept code, SourceRef source) {
    return rules.variableFor(source.siteId(), code.getCoding());
  }

  /** A value as received, before unit conversion. */
  private record RawValue(
      BigDecimal value, String comparator, BigDecimal low, BigDecimal high, String unit) {}

  private MeasurementFact measurement(
      VariableMatch match,
      CodeableConcept code,
      Type value,
      String patientId,
      String status,
      SourceTime effective,
      Set<String> baseFlags,
      SourceRef source)
      throws MappingRejection {
    VariableRule rule = match.rule();
    Set<String> flags = new LinkedHashSet<>(baseFlags);
    RawValue sent = rawValue(rule, value);

    String registryUnit = rule.unit();
    String fromUcum;
    boolean siteUnit =
        (sent.unit() == null || sent.unit().isBlank())
            && match.declaredBySite()
            && match.source().unit() != null;
    // The site's mapping file says which unit this local code comes in.
    RawValue raw =
        siteUnit
            ? new RawValue(sent.value(), sent.comparator(), sent.low(), sent.high(), match.source().unit())
            : sent;
    if (siteUnit) {
      flags.add(FLAG_UNIT_ASSUMED);
    }
    if (raw.unit() == null || raw.unit().isBlank()) {
      if (!Boolean.TRUE.equals(rule.assumeUnitWhenMissing())) {
        throw new MappingRejection(
            "missing-unit", rule.variable() + " value has no unit and none can be assumed");
      }
      fromUcum = registryUnit;
      flags.add(FLAG_UNIT_ASSUMED);
    } else {
      fromUcum =
          units
              .toUcum(raw.unit())
              .orElseThrow(
                  () ->
                      new MappingRejection(
                          "unknown-unit",
                          rule.variable() + " unit '" + abbreviate(raw.unit()) + "' is not a UCUM unit"));
    }
    boolean converted = !fromUcum.equals(registryUnit);
    boolean massMolar = converted && !units.commensurable(fromUcum, registryUnit);
    BigDecimal v = convert(raw.value(), fromUcum, rule, converted);
    BigDecimal low = convert(raw.low(), fromUcum, rule, converted);
    BigDecimal high = convert(raw.high(), fromUcum, rule, converted);

    if (v != null && rule.plausible() != null) {
      if ((rule.plausible().low() != null && v.compareTo(rule.plausible().low()) < 0)
          || (rule.plausible().high() != null && v.compareTo(rule.plausible().high()) > 0)) {
        flags.add(FLAG_IMPLAUSIBLE);
      }
    }
    List<Coding> codings = sourceCodings(code, massMolar ? match.source() : null);
    String id =
        pseudonyms.factId(
            "Observation", source.siteId(), source.resourceType(), source.resourceId(), rule.variable());
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

  private BigDecimal convert(BigDecimal value, String fromUcum, VariableRule rule, boolean converted)
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

  private RawValue rawValue(VariableRule rule, Type value) throws MappingRejection {
    if (value instanceof Quantity q) {
      if (!q.hasValue()) {
        throw new MappingRejection("missing-value", rule.variable() + " quantity has no value");
      }
      String comparator = q.getComparator() != null ? q.getComparator().toCode() : null;
      return new RawValue(q.getValue(), comparator, null, null, unitOf(q));
    }
    if (value instanceof Range r) {
      BigDecimal low = r.hasLow() && r.getLow().hasValue() ? r.getLow().getValue() : null;
      BigDecimal high = r.hasHigh() && r.getHigh().hasValue() ? r.getHigh().getValue() : null;
      String unit = r.hasLow() ? unitOf(r.getLow()) : null;
      if (unit == null && r.hasHigh()) {
        unit = unitOf(r.getHigh());
      }
      if (low != null && high != null) {
        BigDecimal mid = low.add(high).divide(BigDecimal.valueOf(2), MathContext.DECIMAL64);
        return new RawValue(mid.stripTrailingZeros(), null, low, high, unit);
      }
      if (low != null) {
        return new RawValue(low, ">=", low, null, unit);
      }
      if (high != null) {
        return new RawValue(high, "<=", null, high, unit);
      }
      throw new MappingRejection("missing-value", rule.variable() + " range has no bounds");
    }
    if (value instanceof org.hl7.fhir.r4.model.IntegerType i && i.getValue() != null) {
      return new RawValue(BigDecimal.valueOf(i.getValue()), null, null, null, null);
    }
    if (value instanceof org.hl7.fhir.r4.model.StringType s) {
      if (!Boolean.TRUE.equals(rule.parseText())) {
        throw new MappingRejection(
            "text-value", rule.variable() + " is sent as text, which this variable does not accept");
      }
      return parseText(rule, s.getValue());
    }
    throw new MappingRejection(
        "unsupported-value-type",
        rule.variable() + " value of type " + value.fhirType() + " cannot be curated");
  }

  /** "EF 25%", "25-30 %", "<20%", "ca. 35": one number, a range (midpoint) or a bound. */
  private static RawValue parseText(VariableRule rule, String text) throws MappingRejection {
    if (text == null) {
      throw new MappingRejection("unparseable-text", rule.variable() + " text is empty");
    }
    Matcher m = NUMBER.matcher(text);
    List<BigDecimal> numbers = new ArrayList<>();
    String comparator = null;
    while (m.find() && numbers.size() < 3) {
      if (numbers.isEmpty() && m.group(1) != null) {
        comparator = m.group(1).replace("\u2264", "<=").replace("\u2265", ">=");
      }
      numbers.add(new BigDecimal(m.group(2).replace(',', '.')));
    }
    String unit = text.contains("%") ? "%" : null;
    if (numbers.size() == 1) {
      return new RawValue(numbers.get(0), comparator, null, null, unit);
    }
    if (numbers.size() == 2 && comparator == null && text.matches(".*\\d\\s*%?\\s*(-|–|to|bis)\\s*\\d.*")) {
      BigDecimal low = numbers.get(0).min(numbers.get(1));
      BigDecimal high = numbers.get(0).max(numbers.get(1));
      BigDecimal mid = low.add(high).divide(BigDecimal.valueOf(2), MathContext.DECIMAL64);
      return new RawValue(mid.stripTrailingZeros(), null, low, high, unit);
    }
    throw new MappingRejection(
        "unparseable-text", rule.variable() + " text '" + text + "' holds no single value or range");
  }

  /** A source value quoted in a reason, cut (a fuzzed unit can be a megabyte long). */
  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "\u2026";
  }

  private static String unitOf(Quantity q) {
    if (q.hasCode() && (!q.hasSystem() || UCUM.equals(q.getSystem()))) {
      return q.getCode();
    }
    return q.hasUnit() ? q.getUnit() : null;
  }

  /** The source codings; where a mass/molar conversion happened the LOINC twin replaces the code. */
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
  private List<Coding> unmappedCodes(Observation o) {
    org.hl7.fhir.r4.model.Coding first = o.getCode().getCodingFirstRep();
    if (o.hasComponent() && rules.isPanel(first.getSystem(), first.getCode())) {
      List<Coding> out = new ArrayList<>();
      for (ObservationComponentComponent c : o.getComponent()) {
        out.addAll(primaryCoding(c.getCode()));
      }
      return out;
    }
    return primaryCoding(o.getCode());
  }

  private static List<Coding> primaryCoding(CodeableConcept code) {
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

  // ---- Procedure -> device therapies --------------------------------------------------------

  private MappingOutcome mapProcedure(Procedure p, SourceRef source, SourcePatientResolver patients)
      throws MappingRejection {
    DeviceMatch match = rules.deviceFor(source.siteId(), p.getCode().getCoding()).orElse(null);
    if (match == null) {
      return MappingOutcome.unmapped(primaryCoding(p.getCode()));
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
    String patientId = patientIdFor(p.getSubject(), source, patients);
    SourceTime start = null;
    SourceTime end = null;
    SourceTime performedAt = null;
    if (p.hasPerformedPeriod()) {
      start = times(source).time(p.getPerformedPeriod().getStartElement());
      end = times(source).time(p.getPerformedPeriod().getEndElement());
    } else if (p.hasPerformedDateTimeType()) {
      performedAt = times(source).time(p.getPerformedDateTimeType());
      start = performedAt;
    }
    DeviceRule rule = match.rule();
    if (match.removal()) {
      SourceTime removedAt = end != null ? end : start;
      if (removedAt == null) {
        throw new MappingRejection(
            "missing-time", rule.device() + " removal has no performed time to close a therapy with");
      }
      return MappingOutcome.curated(
          List.of(
              new DeviceRemovalFact(patientId, rule.device(), removedAt.at(), source, removedAt.precision())));
    }
    String device = applyTextOverrides(rule.device(), p.getCode());
    Set<String> flags = new LinkedHashSet<>();
    DeviceRule effectiveRule = rules.devices().getOrDefault(device, rule);
    if (effectiveRule.flags() != null) {
      flags.addAll(effectiveRule.flags());
    }
    if (start == null || start.isDate()) {
      flags.add(FLAG_NEEDS_REVIEW);
    }
    String id =
        pseudonyms.factId("Procedure", source.siteId(), source.resourceType(), source.resourceId(), "");
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
                codings(p.getCode()),
                flags,
                source,
                SourceTime.precision(start),
                SourceTime.precision(end),
                SourceTime.precision(performedAt))));
  }

  private String applyTextOverrides(String device, CodeableConcept code) {
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

  private static List<Coding> codings(CodeableConcept code) {
    List<Coding> out = new ArrayList<>(code.getCoding().size());
    for (org.hl7.fhir.r4.model.Coding c : code.getCoding()) {
      out.add(new Coding(c.getSystem(), c.getCode(), c.getDisplay()));
    }
    return out;
  }

  // ---- Condition -> diagnoses ---------------------------------------------------------------

  private MappingOutcome mapCondition(Condition c, SourceRef source, SourcePatientResolver patients)
      throws MappingRejection {
    String category = rules.diagnosisCategoryFor(source.siteId(), c.getCode().getCoding()).orElse(null);
    if (category == null) {
      return MappingOutcome.unmapped(primaryCoding(c.getCode()));
    }
    String verification = firstCode(c.getVerificationStatus());
    if ("entered-in-error".equals(verification) || "refuted".equals(verification)) {
      return MappingOutcome.retracted("verification status " + verification);
    }
    String patientId = patientIdFor(c.getSubject(), source, patients);
    SourceTime onset = null;
    if (c.hasOnsetDateTimeType()) {
      onset = times(source).time(c.getOnsetDateTimeType());
    } else if (c.hasOnsetPeriod()) {
      onset = times(source).time(c.getOnsetPeriod().getStartElement());
    }
    SourceTime recorded = times(source).time(c.getRecordedDateElement());
    SourceTime abated =
        c.hasAbatementDateTimeType() ? times(source).time(c.getAbatementDateTimeType()) : null;
    Set<String> flags = new LinkedHashSet<>();
    if (onset == null && recorded == null) {
      flags.add(FLAG_NEEDS_REVIEW);
    } else if (EPISODE_ANCHOR.equals(category) && !momentOf(onset, recorded)) {
      // Shock diagnosis time anchors hour windows; a date alone opens no episode.
      flags.add(FLAG_NEEDS_REVIEW);
    }
    String id =
        pseudonyms.factId("Condition", source.siteId(), source.resourceType(), source.resourceId(), "");
    return MappingOutcome.curated(
        List.of(
            new DiagnosisFact(
                id,
                patientId,
                category,
                firstCode(c.getClinicalStatus()),
                verification,
                SourceTime.at(onset),
                SourceTime.at(recorded),
                SourceTime.at(abated),
                codings(c.getCode()),
                flags,
                source,
                SourceTime.precision(onset),
                SourceTime.precision(recorded),
                SourceTime.precision(abated))));
  }

  /** The diagnosis category whose time anchors a shock episode. */
  private static final String EPISODE_ANCHOR = "cardiogenic-shock";

  /**
   * Whether a diagnosis has a time to the minute for derivations (onset, else the recorded date
   * when it falls within a date-only onset; docs/derivations.md).
   */
  private static boolean momentOf(SourceTime onset, SourceTime recorded) {
    if (onset != null && !onset.isDate()) {
      return true;
    }
    return recorded != null && !recorded.isDate() && (onset == null || !recorded.at().isBefore(onset.at()));
  }

  private static String firstCode(CodeableConcept cc) {
    return cc != null && cc.hasCoding() ? cc.getCodingFirstRep().getCode() : null;
  }

  // ---- Encounter ----------------------------------------------------------------------------

  private MappingOutcome mapEncounter(Encounter e, SourceRef source, SourcePatientResolver patients)
      throws MappingRejection {
    if (e.getStatus() == Encounter.EncounterStatus.ENTEREDINERROR
        || e.getStatus() == Encounter.EncounterStatus.CANCELLED) {
      return MappingOutcome.retracted("status " + e.getStatus().toCode());
    }
    boolean icu = rules.isIntensiveCareLocation(source.siteId(), e.getLocation());
    List<Coding> types = new ArrayList<>();
    for (CodeableConcept type : e.getType()) {
      for (org.hl7.fhir.r4.model.Coding c : type.getCoding()) {
        types.add(new Coding(c.getSystem(), c.getCode(), c.getDisplay()));
        icu |= rules.isIntensiveCareType(source.siteId(), c.getSystem(), c.getCode());
      }
    }
    for (org.hl7.fhir.r4.model.Coding c : e.getServiceType().getCoding()) {
      icu |= rules.isIntensiveCareType(source.siteId(), c.getSystem(), c.getCode());
    }
    String encounterClass = e.hasClass_() ? e.getClass_().getCode() : null;
    if (!icu && !rules.isInpatientClass(encounterClass)) {
      return MappingOutcome.skipped("not an inpatient or intensive-care encounter");
    }
    String patientId = patientIdFor(e.getSubject(), source, patients);
    SourceTime start = e.hasPeriod() ? times(source).time(e.getPeriod().getStartElement()) : null;
    SourceTime end = e.hasPeriod() ? times(source).time(e.getPeriod().getEndElement()) : null;
    Set<String> flags = new LinkedHashSet<>();
    if (start == null || start.isDate()) {
      flags.add(FLAG_NEEDS_REVIEW);
    }
    String id =
        pseudonyms.factId("Encounter", source.siteId(), source.resourceType(), source.resourceId(), "");
    return MappingOutcome.curated(
        List.of(
            new EncounterFact(
                id,
                patientId,
                e.getStatus() != null ? e.getStatus().toCode() : null,
                encounterClass,
                icu,
                SourceTime.at(start),
                SourceTime.at(end),
                types,
                flags,
                source,
                SourceTime.precision(start),
                SourceTime.precision(end))));
  }
}
