package org.shockreg.server.cohort;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.cohort.CohortCriteria;
import org.shockreg.registry.cohort.CohortDefinition;
import org.shockreg.registry.cohort.CohortSummary;
import org.shockreg.registry.cohort.Distribution;

/** The Group and Parameters shapes (docs/cohorts.md), here for what the IT's data cannot reach. */
class CohortResourcesTest {

  static final CohortDefinition SEX_OR =
      new CohortDefinition(
          "men-or-women",
          "Men or women",
          null,
          null,
          null,
          new CohortCriteria(
              null,
              List.of(),
              List.of(),
              List.of(),
              null,
              null,
              List.of(),
              List.of("male", "female"),
              null),
          "test.yaml");

  @Test
  void membersBeyondTheLimit_areOmitted_withAnExtension() {
    CohortResources resources = new CohortResources(2, Map.of());
    Group listed = resources.group(SEX_OR, List.of("a", "b"));
    assertThat(listed.getMember())
        .extracting(m -> m.getEntity().getReference())
        .containsExactly("Patient/a", "Patient/b");
    assertThat(listed.getExtensionByUrl(CohortResources.MEMBERS_OMITTED)).isNull();

    Group omitted = resources.group(SEX_OR, List.of("a", "b", "c"));
    assertThat(omitted.getMember()).isEmpty();
    assertThat(omitted.getQuantity()).isEqualTo(3);
    assertThat(
            ((BooleanType) omitted.getExtensionByUrl(CohortResources.MEMBERS_OMITTED).getValue())
                .booleanValue())
        .isTrue();
  }

  @Test
  void alternatives_shareOneCharacteristic() {
    Group g = new CohortResources(10, Map.of()).group(SEX_OR, List.of());
    assertThat(g.getCharacteristic())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getCode().getCodingFirstRep().getCode()).isEqualTo("sex");
              CodeableConcept v = (CodeableConcept) c.getValue();
              assertThat(v.getCoding())
                  .extracting(x -> x.getSystem() + "|" + x.getCode())
                  .containsExactly(
                      "http://hl7.org/fhir/administrative-gender|male",
                      "http://hl7.org/fhir/administrative-gender|female");
              assertThat(v.getText()).isEqualTo("any of: male, female");
            });
  }

  @Test
  void summaryOfAnEmptyCohort_hasCountsButNoQuartiles() {
    Distribution none = new Distribution(0, 0, null, null, null);
    Map<String, Integer> zero = new LinkedHashMap<>(Map.of("unknown", 0));
    CohortSummary s =
        new CohortSummary(
            0,
            0,
            none,
            zero,
            zero,
            new CohortSummary.Ischemic(0, 0, null),
            none,
            none,
            none,
            zero,
            0,
            zero,
            new CohortSummary.Randomization(null, 0, null, null, "no member"));
    Parameters p = new CohortResources(10, Map.of()).summary(SEX_OR, s);
    ParametersParameterComponent age = p.getParameter("age");
    assertThat(age.getPart())
        .extracting(ParametersParameterComponent::getName)
        .containsExactly("n", "missing", "note");
    assertThat(p.getParameter("hf-cs-ischemic").getPart())
        .extracting(ParametersParameterComponent::getName)
        .containsExactly("hf-cs", "ischemic");
  }

  @Test
  void quartilesAreUcumQuantities() {
    Distribution d =
        new Distribution(3, 1, new BigDecimal("25"), new BigDecimal("22.5"), new BigDecimal("30"));
    Map<String, Integer> zero = Map.of();
    CohortSummary s =
        new CohortSummary(
            4,
            4,
            d,
            zero,
            zero,
            new CohortSummary.Ischemic(0, 0, null),
            d,
            d,
            d,
            zero,
            0,
            zero,
            new CohortSummary.Randomization(null, 0, null, null, "no member"));
    Parameters p = new CohortResources(10, Map.of()).summary(SEX_OR, s);
    Quantity q1 =
        (Quantity)
            p.getParameter("lvef").getPart().stream()
                .filter(x -> x.getName().equals("q1"))
                .findFirst()
                .orElseThrow()
                .getValue();
    assertThat(q1.getValue()).isEqualByComparingTo("22.5");
    assertThat(q1.getSystem()).isEqualTo("http://unitsofmeasure.org");
    assertThat(q1.getCode()).isEqualTo("%");
    Quantity lactate = (Quantity) p.getParameter("lactate").getPart().get(2).getValue();
    assertThat(lactate.getCode()).isEqualTo("mmol/L");
  }
}
