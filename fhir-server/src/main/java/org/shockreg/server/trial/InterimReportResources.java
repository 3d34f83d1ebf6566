package org.shockreg.server.trial;

import java.math.BigDecimal;
import java.util.Date;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.StringType;
import org.shockreg.registry.cohort.Distribution;
import org.shockreg.registry.trial.InterimReport;
import org.shockreg.registry.trial.InterimReport.ArmSummary;
import org.shockreg.registry.trial.InterimReport.Consort;
import org.shockreg.registry.trial.InterimReport.Effect;

/**
 * Renders the trial interim report as {@code Parameters}, its parts named as interfaces.md ("Trial
 * EDC") names them (docs/interim-report.md).
 */
public final class InterimReportResources {

  private InterimReportResources() {}

  public static Parameters parameters(InterimReport r) {
    Parameters p = new Parameters();
    if (r.asOf() != null) {
      p.addParameter().setName("as-of").setValue(new InstantType(Date.from(r.asOf())));
    }
    p.addParameter(consort(r.consort()));
    r.arms().forEach(a -> p.addParameter(arm(a)));
    p.addParameter(effect(r.effect()));
    return p;
  }

  private static ParametersParameterComponent consort(Consort c) {
    ParametersParameterComponent consort = new ParametersParameterComponent().setName("consort");
    integer(consort, "screened", c.screened());
    integer(consort, "ineligible", c.ineligible());
    integer(consort, "screening", c.screening());
    integer(consort, "potential-candidate", c.potentialCandidate());
    integer(consort, "randomized", c.randomized());
    ParametersParameterComponent by = consort.addPart().setName("ineligible-by");
    c.ineligibleBy().forEach((key, n) -> integer(by, key, n));
    return consort;
  }

  private static ParametersParameterComponent arm(ArmSummary a) {
    ParametersParameterComponent arm = new ParametersParameterComponent().setName("arm");
    arm.addPart().setName("code").setValue(new CodeType(a.code()));
    integer(arm, "n", a.n());
    arm.addPart(distribution("age", a.age()));
    arm.addPart(distribution("lvef", a.lvef()));
    arm.addPart(distribution("sbp", a.sbp()));
    arm.addPart(distribution("lactate", a.lactate()));
    arm.addPart(distribution("hours-cicu-to-randomization", a.hoursCicuToRandomization()));
    arm.addPart(distribution("hours-randomization-to-iabp", a.hoursRandomizationToIabp()));
    ParametersParameterComponent nonIschemic = arm.addPart().setName("non-ischemic");
    integer(nonIschemic, "count", a.nonIschemic().count());
    decimal(nonIschemic, "share", a.nonIschemic().share());
    ParametersParameterComponent endpoint = arm.addPart().setName("primary-endpoint");
    integer(endpoint, "success", a.primaryEndpoint().success());
    integer(endpoint, "failure", a.primaryEndpoint().failure());
    integer(endpoint, "incomplete", a.primaryEndpoint().incomplete());
    decimal(endpoint, "success-share", a.primaryEndpoint().successShare());
    return arm;
  }

  /** n, and median, q1, q3 when n > 0. */
  private static ParametersParameterComponent distribution(String name, Distribution d) {
    ParametersParameterComponent c = new ParametersParameterComponent().setName(name);
    integer(c, "n", d.n());
    decimal(c, "median", d.median());
    decimal(c, "q1", d.q1());
    decimal(c, "q3", d.q3());
    return c;
  }

  private static ParametersParameterComponent effect(Effect e) {
    ParametersParameterComponent effect = new ParametersParameterComponent().setName("effect");
    decimal(effect, "risk-difference", e.riskDifference());
    decimal(effect, "ci-low", e.ciLow());
    decimal(effect, "ci-high", e.ciHigh());
    decimal(effect, "p-value", e.pValue());
    if (e.note() != null) {
      effect.addPart().setName("note").setValue(new StringType(e.note()));
    }
    return effect;
  }

  private static void integer(ParametersParameterComponent parent, String name, int value) {
    parent.addPart().setName(name).setValue(new IntegerType(value));
  }

  /** Absent values are left out (the part is not sent). */
  private static void decimal(ParametersParameterComponent parent, String name, BigDecimal value) {
    if (value != null) {
      parent.addPart().setName(name).setValue(new DecimalType(value));
    }
  }
}
