package org.shockreg.server.subscription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubscriptionCriteriaTest {

  static final Set<String> STUDIES = Set.of("altshock-2", "impella-ami");

  @Test
  void studyAndStatus_commaListsAndReferences() {
    SubscriptionCriteria c =
        SubscriptionCriteria.parse(
            "ResearchSubject?study=ResearchStudy/altshock-2,impella-ami&status=potential-candidate%2Cscreening",
            STUDIES);
    assertThat(c.resourceType()).isEqualTo("ResearchSubject");
    assertThat(c.studyIds()).containsExactly("altshock-2", "impella-ami");
    assertThat(c.statuses()).containsExactly("potential-candidate", "screening");
  }

  @Test
  void noParameters_matchesEverySubject() {
    SubscriptionCriteria c = SubscriptionCriteria.parse("ResearchSubject", STUDIES);
    assertThat(c.studyIds()).isNull();
    assertThat(c.statuses()).isNull();
    assertThat(SubscriptionCriteria.parse("ResearchSubject?", STUDIES).studyIds()).isNull();
  }

  @Test
  void whatCannotBeEvaluated_isRefusedWithTheReason() {
    for (List<String> bad :
        List.of(
            List.of("", "required"),
            List.of("Observation?code=2524-7", "only ResearchSubject"),
            List.of("?study=altshock-2", "(no type)"),
            List.of("ResearchSubject?patient=Patient/1", "parameter patient"),
            List.of("ResearchSubject?study=altshock-2&study=impella-ami", "repeated"),
            List.of("ResearchSubject?study=", "empty value"),
            List.of("ResearchSubject?study=nope", "unknown study nope"),
            List.of(
                "ResearchSubject?status=on-study,maybe", "unknown ResearchSubject status maybe"),
            List.of("ResearchSubject?study=%zz", "not a valid URL query"))) {
      assertThatThrownBy(() -> SubscriptionCriteria.parse(bad.get(0), STUDIES))
          .as(bad.get(0))
          .isInstanceOf(SubscriptionCriteria.InvalidCriteria.class)
          .hasMessageContaining(bad.get(1));
    }
  }
}
