package org.shockreg.ingest.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.quartz.CronExpression;

/** The configuration's Spring cron expressions become valid Quartz ones with the same meaning. */
class QuartzCronTest {

  @Test
  void everyFifteenMinutes_getsAQuestionMarkInTheDayOfWeek() {
    assertThat(FhirRestPullRoutes.quartzCron("0 0/15 * * * *")).isEqualTo("0 0/15 * * * ?");
    assertThat(CronExpression.isValidExpression(FhirRestPullRoutes.quartzCron("0 0/15 * * * *"))).isTrue();
  }

  @Test
  void numericDaysOfWeek_countFromSundayAsOne_andTheDayOfMonthBecomesAQuestionMark() {
    // Spring: 1-5 = Monday to Friday; Quartz: 2-6
    assertThat(FhirRestPullRoutes.quartzCron("0 30 2 * * 1-5")).isEqualTo("0 30 2 ? * 2-6");
    assertThat(FhirRestPullRoutes.quartzCron("0 0 3 * * 0")).isEqualTo("0 0 3 ? * 1");
    assertThat(FhirRestPullRoutes.quartzCron("0 0 3 * * MON-FRI")).isEqualTo("0 0 3 ? * MON-FRI");
    assertThat(CronExpression.isValidExpression(FhirRestPullRoutes.quartzCron("0 30 2 * * 1-5"))).isTrue();
  }

  @Test
  void aQuartzStyleExpression_staysValid_andAWrongFieldCountIsRefused() {
    assertThat(FhirRestPullRoutes.quartzCron("0 0 2 * * ?")).isEqualTo("0 0 2 * * ?");
    assertThat(FhirRestPullRoutes.quartzCron("0 0 2 1 * ?")).isEqualTo("0 0 2 1 * ?");
    assertThatThrownBy(() -> FhirRestPullRoutes.quartzCron("0 2 * * *")).isInstanceOf(IllegalArgumentException.class);
  }
}
