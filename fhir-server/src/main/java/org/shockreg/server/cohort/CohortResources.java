package org.shockreg.server.cohort;

import java.math.BigDecimal;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.shockreg.registry.cohort.CohortCriteria;
import org.shockreg.registry.cohort.CohortDefinition;
import org.shockreg.registry.cohort.CohortSummary;
import org.shockreg.registry.cohort.Distribution;
import org.shockreg.server.fhir.RegistryCodeSystems;

/** Renders cohorts as FHIR Group and their summaries as Parameters (docs/cohorts.md). */
public final class CohortResources {

  public static final String COHORT = CohortDefinition.CODE_SYSTEM;
  public static final String CRITERION = RegistryCodeSystems.BASE + "/CodeSystem/cohort-criterion";
  public static final String SITE = RegistryCodeSystems.BASE + "/CodeSystem/site";
  public static final String MEMBERS_OMITTED =
      RegistryCodeSystems.BASE + "/StructureDefinition/members-omitted";
  static final String GENDER = "http://hl7.org/fhir/administrative-gender";
  static final String SUBJECT_STATUS = "http://hl7.org/fhir/research-subject-status";
  static final String NEAREST =
      "per member: the value nearest the shock diagnosis within the index episode window"
          + " (implausible values excluded)";

  private final int memberLimit;
  private final Map<String, String> deviceDisplays;

  public CohortResources(int memberLimit, Map<String, String> deviceDisplays) {
    this.memberLimit = memberLimit;
    this.deviceDisplays = Map.copyOf(deviceDisplays);
  }

  /** The Group of a cohort with its current members (listed up to the member limit). */
  public Group group(CohortDefinition cohort, List<String> members) {
    Group g = new Group();
    g.setId(cohort.id());
    // Computed now from the curated data: the time of reading is when this content was made.
    g.getMeta().setLastUpdated(new Date());
    g.setType(Group.GroupType.PERSON);
    g.setActual(true);
    g.getCode().addCoding(new Coding(COHORT, cohort.id(), cohort.name())).setText(cohort.name());
    g.setName(cohort.name());
    g.setQuantity(members.size());
    characteristics(g, cohort.criteria());
    if (members.size() <= memberLimit) {
      for (String id : members) {
        g.addMember().setEntity(new Reference("Patient/" + id));
      }
    } else {
      // Too many to list in one resource: Group/{id}/$export gives them.
      g.addExtension(MEMBERS_OMITTED, new BooleanType(true));
    }
    return g;
  }

  private void characteristics(Group g, CohortCriteria c) {
    if (c.shockEpisode() != null) {
      g.addCharacteristic()
          .setCode(criterion("shock-episode", "Has a cardiogenic shock episode"))
          .setValue(new BooleanType(c.shockEpisode()))
          .setExclude(false);
    }
    codes(
        g,
        "etiology",
        "Derived cardiogenic shock etiology of the episode",
        RegistryCodeSystems.CS_ETIOLOGY,
        c.etiology(),
        Map.of());
    codes(g, "site", "Site of the episode", SITE, c.site(), Map.of());
    codes(
        g,
        "scai-stage-at-diagnosis",
        "SCAI stage at shock diagnosis",
        RegistryCodeSystems.SCAI_STAGE,
        c.scaiAtDiagnosis(),
        Map.of());
    if (c.ageMin() != null || c.ageMax() != null) {
      Range range = new Range();
      if (c.ageMin() != null) {
        range.setLow(years(c.ageMin()));
      }
      if (c.ageMax() != null) {
        range.setHigh(years(c.ageMax()));
      }
      g.addCharacteristic()
          .setCode(criterion("age-at-diagnosis", "Age at shock diagnosis (years, bounds included)"))
          .setValue(range)
          .setExclude(false);
    }
    codes(
        g,
        "device",
        "Device therapy (any time)",
        RegistryCodeSystems.TMCS_DEVICE,
        c.device(),
        deviceDisplays);
    codes(g, "sex", "Administrative gender", GENDER, c.sex(), Map.of());
    CohortCriteria.ResearchSubject rs = c.researchSubject();
    if (rs != null) {
      Group.GroupCharacteristicComponent subject =
          g.addCharacteristic()
              .setCode(criterion("research-subject", "Research subject of the study"))
              .setExclude(false);
      if (rs.study() != null) {
        subject.setValue(new Reference("ResearchStudy/" + rs.study()));
      } else {
        subject.setValue(new BooleanType(true));
      }
      codes(
          g,
          "research-subject-status",
          "Research subject status",
          SUBJECT_STATUS,
          rs.status(),
          Map.of());
    }
  }

  private static void codes(
      Group g,
      String key,
      String display,
      String system,
      List<String> values,
      Map<String, String> displays) {
    if (values.isEmpty()) {
      return;
    }
    // Several values of one criterion are alternatives (OR); FHIR ANDs characteristics, so they
    // share one characteristic, the codings in one CodeableConcept.
    CodeableConcept value = new CodeableConcept();
    values.forEach(v -> value.addCoding(new Coding(system, v, displays.get(v))));
    value.setText(values.size() == 1 ? values.get(0) : "any of: " + String.join(", ", values));
    g.addCharacteristic().setCode(criterion(key, display)).setValue(value).setExclude(false);
  }

  private static CodeableConcept criterion(String code, String display) {
    return new CodeableConcept(new Coding(CRITERION, code, display));
  }

  private static Quantity years(int value) {
    return new Quantity()
        .setValue(value)
        .setUnit("a")
        .setSystem(RegistryCodeSystems.UCUM)
        .setCode("a");
  }

  /** "Table 1" as Parameters: one parameter per row, parts per category or statistic. */
  public Parameters summary(CohortDefinition cohort, CohortSummary s) {
    Parameters p = new Parameters();
    p.addParameter()
        .setName("group")
        .setValue(new Reference("Group/" + cohort.id()).setDisplay(cohort.name()));
    p.addParameter().setName("n").setValue(new IntegerType(s.n()));
    p.addParameter().setName("with-shock-episode").setValue(new IntegerType(s.withEpisode()));
    p.addParameter(
        distribution(
            "age",
            s.ageAtDiagnosis(),
            "a",
            "per member: age at shock diagnosis of the index episode (years)"));
    p.addParameter(counts("sex", s.sex()));
    p.addParameter(counts("etiology", s.etiology()));
    ParametersParameterComponent ischemic =
        new ParametersParameterComponent().setName("hf-cs-ischemic");
    ischemic.addPart().setName("hf-cs").setValue(new IntegerType(s.ischemic().hfCs()));
    ischemic.addPart().setName("ischemic").setValue(new IntegerType(s.ischemic().ischemic()));
    if (s.ischemic().share() != null) {
      ischemic.addPart().setName("share").setValue(new DecimalType(s.ischemic().share()));
    }
    p.addParameter(ischemic);
    p.addParameter(distribution("lvef", s.lvef(), "%", NEAREST));
    p.addParameter(distribution("sbp", s.sbp(), "mm[Hg]", NEAREST));
    p.addParameter(distribution("lactate", s.lactate(), "mmol/L", NEAREST));
    ParametersParameterComponent tmcs = counts("tmcs", s.tmcs());
    tmcs.addPart().setName("any").setValue(new IntegerType(s.anyTmcs()));
    p.addParameter(tmcs);
    p.addParameter(counts("scai-stage-at-diagnosis", s.scaiAtDiagnosis()));
    p.addParameter(randomization(s.randomization()));
    return p;
  }

  private static ParametersParameterComponent randomization(CohortSummary.Randomization r) {
    ParametersParameterComponent c = new ParametersParameterComponent().setName("randomization");
    if (r.study() != null) {
      c.addPart().setName("study").setValue(new StringType(r.study()));
    }
    c.addPart().setName("randomized").setValue(new IntegerType(r.randomized()));
    if (r.note() != null) {
      c.addPart().setName("note").setValue(new StringType(r.note()));
      return c;
    }
    c.addPart(
        distribution(
            "cicu-arrival-to-randomization",
            r.cicuArrivalToRandomization(),
            "h",
            "hours from CICU arrival (shock episode) to randomization"));
    c.addPart(
        distribution(
            "randomization-to-iabp",
            r.randomizationToIabp(),
            "h",
            "early-iabp arm: hours from randomization to the first IABP start at or after it"));
    return c;
  }

  private static ParametersParameterComponent counts(String name, Map<String, Integer> counts) {
    ParametersParameterComponent c = new ParametersParameterComponent().setName(name);
    counts.forEach((k, v) -> c.addPart().setName(k).setValue(new IntegerType(v)));
    return c;
  }

  private static ParametersParameterComponent distribution(
      String name, Distribution d, String unit, String note) {
    ParametersParameterComponent c = new ParametersParameterComponent().setName(name);
    c.addPart().setName("n").setValue(new IntegerType(d.n()));
    c.addPart().setName("missing").setValue(new IntegerType(d.missing()));
    if (d.median() != null) {
      c.addPart().setName("median").setValue(quantity(d.median(), unit));
      c.addPart().setName("q1").setValue(quantity(d.q1(), unit));
      c.addPart().setName("q3").setValue(quantity(d.q3(), unit));
    }
    c.addPart().setName("note").setValue(new StringType(note));
    return c;
  }

  private static Type quantity(BigDecimal value, String unit) {
    return new Quantity()
        .setValue(value)
        .setUnit(unit)
        .setSystem(RegistryCodeSystems.UCUM)
        .setCode(unit);
  }
}
